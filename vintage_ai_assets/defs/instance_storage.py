"""A step's per-partition asset events written to Dagster's sqlite event log in one go.

A single-run backfill of 549 days materialises each daily asset 549 times, one event per
day. Dagster's sqlite event log stores each event on its own (two sqlite connections,
three statements, two commits: ~15 ms on this machine, 17 s for 549 days of two assets),
so Dagster's bookkeeping cost more than the work of most assets. With
``DAGSTER_EVENT_BATCH_SIZE`` set (the Makefile, the Dockerfile and ``vintage-ai`` set
it), Dagster hands such events to the storage as one batch; its Postgres storage writes a
batch at once, but its sqlite storage falls back to one event at a time.
:func:`install` gives the sqlite storage the same batch write as the Postgres one: all
events inserted into the run's shard and the index shard with one statement each, the tags
of every event, and the asset's latest-event row from the last (1.9 s instead of 17 s for
the 549 days of two assets; same records, partitions and statuses, see
``test_instance_storage.py``). Anything else (mixed batches, other event types) is still
stored one event at a time.

It is installed when the definitions are loaded, i.e. in every process that executes runs
(``vintage-ai``, ``dagster dev``, run workers of the daemon); the instance configuration and
its files stay Dagster's own.
"""

from collections.abc import Sequence

from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.base import EventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

BATCHED_TYPES = (
    {DagsterEventType.ASSET_MATERIALIZATION},
    {DagsterEventType.ASSET_OBSERVATION},
)


def store_event_batch(self: SqliteEventLogStorage, events: Sequence[EventLogEntry]) -> None:
    """``SqliteEventLogStorage.store_event_batch`` in one statement per shard."""
    types = {event.get_dagster_event().event_type for event in events}
    run_ids = {event.run_id for event in events}
    keys = {event.get_dagster_event().asset_key for event in events}
    if len(events) < 2 or types not in BATCHED_TYPES or len(run_ids) != 1 or len(keys) != 1:
        for event in events:  # as Dagster does
            self.store_event(event)
        return
    statement = self.prepare_insert_event_batch(events)
    with self.run_connection(events[0].run_id) as conn:
        conn.execute(statement)
    with self.index_transaction() as conn:
        result = conn.execute(statement.returning(SqlEventLogStorageTable.c.id))
        event_ids = [int(row[0]) for row in result.fetchall()]
        if len(event_ids) != len(events):
            raise RuntimeError(f"stored {len(event_ids)} of {len(events)} events in the index")
        self._store_asset_event_tags(conn, events, event_ids)
        # The asset's row keeps its latest event (as Dagster's Postgres storage does).
        self._store_asset_event(conn, events[-1], event_ids[-1])


def install() -> bool:
    """Give Dagster's sqlite event log the batched write; False (nothing changed) if this
    Dagster version already has its own. Idempotent."""
    current = SqliteEventLogStorage.store_event_batch
    if current is store_event_batch:
        return True
    if current is not EventLogStorage.store_event_batch:
        return False
    SqliteEventLogStorage.store_event_batch = store_event_batch
    return True
