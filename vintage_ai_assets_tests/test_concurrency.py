"""Concurrency and crashes on the warehouse, with real processes running the platform's
raw layer (its assets, the warehouse I/O manager, the ``warehouse`` pool, the instance
configured by the package's dagster.yaml).

- a notebook reading through ``connect()`` while a backfill writes waits (bounded) and gets
  its answer, and a notebook holding a connection makes the backfill wait, never fail;
- two runs launched at once take turns on the Dagster pool ``warehouse`` (dagster.yaml);
- a run killed with SIGKILL in the middle of writing a partition (before or just after its
  commit) leaves every partition whole, and the rerun completes: no row duplicated or lost.

The writer is ``warehouse_worker`` (a separate process running a job in process, as
``vintage-ai`` does), which can stop at an exact SQL statement so that the test reads or
kills it there. Every wait is bounded.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from vintage_ai_assets.cli import install_instance_settings
from vintage_ai_assets.defs.platform.recovery import (
    HOST_TAG,
    PID_TAG,
    release_dead_runs,
    worker_tags,
)
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.warehouse import connect
from vintage_ai_assets_tests.warehouse_worker import PAUSED, WRITE_OPEN, run_days

REPO = Path(__file__).resolve().parents[1]
FIRST, LAST = "2026-01-05", "2026-01-08"
ASSET = "raw/reddit_archive"
STEP = "raw__reddit_archive"
INSERT = 'INSERT INTO "raw"."reddit_archive"'
POOL = "warehouse"
WORKER_START_SECONDS = 240  # a cold worker imports the whole platform; generous on a busy machine


def write_posts(folder: Path, name: str, prefix: str, per_day: int) -> set[str]:
    """Reddit archive lines for each day FIRST..LAST; returns their record ids."""
    folder.mkdir(parents=True, exist_ok=True)
    lines, ids = [], set()
    for day in range(5, 9):
        for i in range(per_day):
            created = datetime(2026, 1, day, i % 24, i % 60, tzinfo=UTC).timestamp()
            source_id = f"{prefix}{day}x{i}"
            ids.add(f"reddit:{source_id}")
            lines.append(
                {
                    "id": source_id,
                    "created_utc": created,
                    "title": f"Testarossa day {day} post {i}",
                    "selftext": "Finally drove my Ferrari Testarossa to the coast.",
                    "subreddit": "Ferrari",
                    "author": f"user{i}",
                }
            )
    (folder / name).write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return ids


@dataclass
class Site:
    """A data directory and a Dagster home with the package's dagster.yaml."""

    paths: DataPaths
    home: Path

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))

    def ids(self, wait_seconds: float = 60) -> list[str]:
        with connect(self.paths.warehouse, wait_seconds=wait_seconds) as con:
            return [
                r[0] for r in con.execute("SELECT record_id FROM raw.reddit_archive").fetchall()
            ]


@pytest.fixture
def site(tmp_path):
    paths = DataPaths(tmp_path / "data").ensure()
    home = tmp_path / "dagster_home"
    home.mkdir()
    install_instance_settings(home)
    return Site(paths, home)


class Worker:
    """``warehouse_worker`` in its own process group; its output is read by a thread, so every
    wait for a line is bounded."""

    def __init__(self, site: Site, *args: str) -> None:
        env = {
            **os.environ,
            "VINTAGE_AI_DATA_DIR": str(site.paths.root),
            "DAGSTER_HOME": str(site.home),
            "PYTHONWARNINGS": "ignore",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vintage_ai_assets_tests.warehouse_worker", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {prefix!r} within {timeout}s: {self.seen[-15:]}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the worker ended before {prefix!r}: {self.seen[-15:]}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def printed(self, prefix: str) -> bool:
        """Whether a line starting with ``prefix`` has been printed so far (without waiting)."""
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self.lines.put(None)
                break
            self.seen.append(line)
        return any(line.startswith(prefix) for line in self.seen)

    def result(self, timeout: float) -> dict:
        line = self.wait_for("RESULT ", timeout)
        self.proc.wait(timeout=60)
        return json.loads(line.removeprefix("RESULT "))

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=60)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.2)


def materialise(site: Site, instance: dg.DagsterInstance) -> None:
    result, _ = run_days(instance, FIRST, LAST, [ASSET], paths=site.paths)
    assert result.success


def test_a_notebook_and_a_backfill_wait_for_each_other_and_both_succeed(site, workers):
    old = write_posts(site.paths.inbox_kind("reddit"), "a.ndjson", "a", 20)
    with site.instance() as instance:
        materialise(site, instance)
    new = write_posts(site.paths.inbox_kind("reddit"), "b.ndjson", "b", 10)

    # A notebook holds a read connection: the backfill's first write waits for it.
    with connect(site.paths.warehouse, wait_seconds=30) as notebook:
        worker = Worker(site, FIRST, LAST, ASSET, "--pause-on", INSERT, "--pause-seconds", "5")
        workers.append(worker)
        worker.wait_for(WRITE_OPEN, WORKER_START_SECONDS)
        time.sleep(2.0)
        assert not worker.printed(PAUSED), "the writer did not wait for the reader"
        assert worker.proc.poll() is None
        count = notebook.execute("SELECT count(*) FROM raw.reddit_archive").fetchone()[0]
        assert count == len(old)

    # The reader let go: the backfill writes, and stops 5 s inside its transaction. A
    # notebook opening now waits for the commit and reads the whole new partition.
    worker.wait_for(PAUSED, 120)
    started = time.monotonic()
    ids = site.ids(wait_seconds=60)
    waited = time.monotonic() - started
    assert waited > 1.0, "the reader did not wait for the writer"
    assert sorted(ids) == sorted(old | new)
    assert worker.result(120)["success"]


def test_two_runs_at_once_take_turns_on_the_warehouse_pool(site, workers):
    ids = write_posts(site.paths.inbox_kind("reddit"), "a.ndjson", "a", 20)
    with site.instance() as instance:
        storage = instance.event_log_storage
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        storage.initialize_concurrency_limit_to_default(POOL)
        assert storage.get_concurrency_info(POOL).slot_count == 1
        # Hold the pool's one slot so that both runs are surely waiting at the same time.
        assert storage.claim_concurrency_slot(POOL, "test-holder", "hold").is_claimed
        first = Worker(site, FIRST, "2026-01-06", ASSET)
        second = Worker(site, "2026-01-07", LAST, ASSET)
        workers.extend([first, second])
        wait_until(
            lambda: len(storage.get_concurrency_info(POOL).pending_run_ids) >= 2,
            WORKER_START_SECONDS,
            "both runs waiting for the warehouse pool",
        )
        storage.free_concurrency_slot_for_step("test-holder", "hold")
        results = [first.result(180), second.result(180)]
        assert all(r["success"] for r in results), [w.seen[-10:] for w in workers]

        spans = []
        for r in results:
            times = {
                e.dagster_event_type: e.timestamp
                for e in instance.all_logs(
                    r["run_id"],
                    of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS},
                )
                if e.step_key == STEP
            }
            spans.append(
                (times[dg.DagsterEventType.STEP_START], times[dg.DagsterEventType.STEP_SUCCESS])
            )
        (a_start, a_end), (b_start, b_end) = sorted(spans)
        assert a_end <= b_start, f"the warehouse steps overlapped: {spans}"
        assert storage.get_concurrency_info(POOL).claimed_slots == []
    found = site.ids()
    assert len(found) == len(set(found)) and set(found) == ids


@pytest.mark.parametrize(
    "then", [None, "COMMIT"], ids=["killed-inside-the-transaction", "killed-after-the-commit"]
)
def test_sigkill_mid_write_leaves_the_warehouse_whole_and_the_rerun_completes(site, workers, then):
    old = write_posts(site.paths.inbox_kind("reddit"), "a.ndjson", "a", 20)
    with site.instance() as instance:
        materialise(site, instance)
        new = write_posts(site.paths.inbox_kind("reddit"), "b.ndjson", "b", 10)
        pause = ["--pause-on", INSERT, "--pause-seconds", "600"]
        worker = Worker(site, FIRST, LAST, ASSET, *pause, *(["--then", then] if then else []))
        workers.append(worker)
        worker.wait_for(PAUSED, WORKER_START_SECONDS)
        worker.kill()

        # Whole partitions only: the old rows when killed before the commit, the new ones
        # when killed after it; never a mix, never twice.
        ids = site.ids(wait_seconds=30)
        assert len(ids) == len(set(ids))
        assert set(ids) == (old if then is None else old | new)

        # The killed run still looks "started" and holds the warehouse pool's slot, so a
        # rerun would wait for ever; the next run (as `vintage-ai` does) releases it first.
        [killed] = instance.get_runs(dg.RunsFilter(tags={PID_TAG: str(worker.proc.pid)}))
        assert killed.status == dg.DagsterRunStatus.STARTED
        assert killed.run_id in instance.event_log_storage.get_concurrency_info(POOL).active_run_ids
        assert release_dead_runs(instance) == [killed.run_id]
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info(POOL).claimed_slots == []

        materialise(site, instance)
    ids = site.ids()
    assert len(ids) == len(set(ids)) and set(ids) == old | new


def test_release_dead_runs_leaves_live_and_foreign_runs_alone():
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    dead = subprocess.Popen(["true"])
    dead.wait(timeout=30)
    host = worker_tags()[HOST_TAG]
    overrides = {"concurrency": {"pools": {"default_limit": 1}}}
    try:
        with dg.instance_for_test(overrides=overrides) as instance:
            runs = {}
            for name, tags in {
                "dead": {HOST_TAG: host, PID_TAG: str(dead.pid)},
                "live": {HOST_TAG: host, PID_TAG: str(live.pid)},
                "other-host": {HOST_TAG: "elsewhere", PID_TAG: str(dead.pid)},
                "untagged": {},
            }.items():
                run = dg.DagsterRun(
                    job_name="daily_refresh",
                    run_id=str(uuid.uuid4()),
                    status=dg.DagsterRunStatus.STARTED,
                    tags=tags,
                )
                runs[name] = instance.add_run(run).run_id
            storage = instance.event_log_storage
            storage.initialize_concurrency_limit_to_default(POOL)
            assert storage.claim_concurrency_slot(POOL, runs["dead"], STEP).is_claimed

            assert release_dead_runs(instance) == [runs["dead"]]
            status = {n: instance.get_run_by_id(r).status for n, r in runs.items()}
            assert status == {
                "dead": dg.DagsterRunStatus.FAILURE,
                "live": dg.DagsterRunStatus.STARTED,
                "other-host": dg.DagsterRunStatus.STARTED,
                "untagged": dg.DagsterRunStatus.STARTED,
            }
            assert storage.get_concurrency_info(POOL).claimed_slots == []
            assert release_dead_runs(instance) == []
    finally:
        live.kill()
        live.wait(timeout=30)
