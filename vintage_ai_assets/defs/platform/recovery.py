"""Runs whose process died: mark them failed and give back their warehouse pool slot.

Every asset that touches the warehouse is in the Dagster pool ``warehouse`` (one step at
a time across all runs, see ``dagster.yaml``). A run killed with SIGKILL, by the OOM killer
or with its machine never reports that it ended, so it stays "started" and keeps its pool
slot, and every later run would wait for that slot for ever. The warehouse itself is
safe (each partition is replaced in one DuckDB transaction, which a killed writer never
commits), but the slot has to be given back.

Runs started by the ``vintage-ai`` command carry :func:`worker_tags` (host and process id).
:func:`release_dead_runs`, called before each of its runs, marks such runs failed when
their process is gone from this host and frees their slots. Runs launched by the daemon
are covered by ``run_monitoring`` in ``dagster.yaml`` (marked failed after
``max_runtime_seconds``, slots freed ``free_slots_after_run_end_seconds`` later).
"""

import os
import socket
from pathlib import Path

import dagster as dg

HOST_TAG = "vintage_ai/host"
PID_TAG = "vintage_ai/pid"
UNFINISHED = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def worker_tags() -> dict[str, str]:
    """Tags naming the process that executes a run in process (for :func:`release_dead_runs`)."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def _process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from /proc; None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie: dead, only not yet reaped by its parent
        return -1.0
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, started_before: float | None = None) -> bool:
    """Whether ``pid`` runs on this host (and, when known, started before ``started_before``,
    so that a recycled process id is not taken for the run's process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    began = _process_start_time(pid)
    if began is not None and began < 0:
        return False
    return not (began is not None and started_before is not None and began > started_before + 1)


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the unfinished runs of this host whose process is gone and free their pool slots.

    Returns the ids of the runs released. Runs of other hosts, runs without
    :func:`worker_tags` and runs whose process still lives are left alone.
    """
    host = socket.gethostname()
    released = []
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=UNFINISHED, tags={HOST_TAG: host})
    )
    for record in records:
        run = record.dagster_run
        try:
            pid = int(run.tags.get(PID_TAG, ""))
        except ValueError:
            continue
        if pid == os.getpid() or process_alive(
            pid, record.start_time or record.create_timestamp.timestamp()
        ):
            continue
        instance.report_run_failed(
            run,
            message=f"the process that ran it ({host}, pid {pid}) is gone (killed or crashed): "
            "each of its partitions was written whole or not at all; rerun them",
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released
