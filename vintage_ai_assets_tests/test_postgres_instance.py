"""``deploy/dagster-postgres.yaml`` against a real PostgreSQL server: Postgres storage, the
queued run coordinator and the daemon.

A throw-away cluster (initdb) listens on 127.0.0.1 at a free port; as root it runs as the
``postgres`` user (PostgreSQL refuses root). Two runs of the platform's raw layer are
queued at once with ``dagster job launch``; ``dagster-daemon run`` launches them one after
the other (``max_concurrent_runs: 1``), and their runs, events, daemon heartbeats and the
warehouse pool live in Postgres. Skips when PostgreSQL's server binaries are not installed
(``.ci/run`` installs Debian's ``postgresql``).
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import pytest

from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.warehouse import connect
from vintage_ai_assets_tests.processes import free_port, stop_group

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "deploy" / "dagster-postgres.yaml"
LOCATION = ["-m", "vintage_ai_assets_tests.raw_location", "-a", "defs"]
PASSWORD = "vintage-test-password"
RUN_SECONDS = 300  # two queued runs, each in a fresh process, on a possibly busy machine


def _bin_dir() -> Path | None:
    """PostgreSQL's server binaries: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def _as_server_user() -> list[str]:
    """The command prefix that runs PostgreSQL's tools as a user it accepts."""
    if os.geteuid() != 0:
        return []
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root without a 'postgres' user to run the server as")
    runuser = shutil.which("runuser")
    if not runuser:
        pytest.skip("running as root without runuser to switch to the 'postgres' user")
    return [runuser, "-u", "postgres", "--"]


@pytest.fixture(scope="module")
def postgres():
    """A running PostgreSQL cluster with a database ``dagster``; its connection settings."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="vintage-pg-"))
    data = root / "data"
    (root / "pwfile").write_text(PASSWORD + "\n")
    if prefix:
        shutil.chown(root, "postgres")
        shutil.chown(root / "pwfile", "postgres")
    port = free_port()

    def tool(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=timeout, cwd=root
        )
        assert done.returncode == 0, f"{args[0]}: {done.stdout[-1500:]} {done.stderr[-1500:]}"
        return done

    tool(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "vintage",
        f"--pwfile={root / 'pwfile'}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--no-sync",
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = str(bin_dir / "pg_ctl")
    tool(
        ctl,
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(root / "server.log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    try:
        import psycopg2

        con = psycopg2.connect(
            host="127.0.0.1", port=port, user="vintage", password=PASSWORD, dbname="postgres"
        )
        con.autocommit = True
        con.cursor().execute("CREATE DATABASE dagster")
        con.close()
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_USER": "vintage",
            "DAGSTER_PG_PASSWORD": PASSWORD,
            "DAGSTER_PG_DB": "dagster",
        }
    finally:
        subprocess.run(
            [*prefix, ctl, "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop"],
            capture_output=True,
            timeout=120,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


def _write_posts(folder: Path) -> set[str]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        {
            "id": f"p{day}x{i}",
            "created_utc": 1767571200 + (day - 5) * 86400 + i * 600,  # 2026-01-05 00:00 UTC on
            "title": f"Testarossa day {day} post {i}",
            "selftext": "Drove the Testarossa today.",
            "subreddit": "Ferrari",
            "author": f"user{i}",
        }
        for day in range(5, 9)
        for i in range(10)
    ]
    (folder / "posts.ndjson").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return {f"reddit:{x['id']}" for x in lines}


def test_queued_runs_through_the_daemon_with_postgres_storage(postgres, tmp_path, monkeypatch):
    paths = DataPaths(tmp_path / "data").ensure()
    ids = _write_posts(paths.inbox_kind("reddit"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(CONFIG, home / "dagster.yaml")
    env = {
        **os.environ,
        **postgres,
        "DAGSTER_HOME": str(home),
        "VINTAGE_AI_DATA_DIR": str(paths.root),
        "PYTHONWARNINGS": "ignore",
    }
    dagster = str(Path(sys.executable).parent / "dagster")
    daemon_log = (tmp_path / "daemon.log").open("w")
    daemon = None
    for key, value in postgres.items():
        monkeypatch.setenv(key, value)
    try:
        # Opening the instance creates Dagster's tables in Postgres (as the first of the
        # webserver and the daemon to start does in a deployment).
        with dg.DagsterInstance.from_config(str(home)) as instance:
            # Two runs queued at the same time (different days of the same tables).
            launches = [
                subprocess.Popen(
                    [dagster, "job", "launch", *LOCATION, "-j", "daily_refresh", "--tags"]
                    + [
                        json.dumps(
                            {
                                "dagster/asset_partition_range_start": first,
                                "dagster/asset_partition_range_end": last,
                            }
                        )
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                for first, last in (("2026-01-05", "2026-01-06"), ("2026-01-07", "2026-01-08"))
            ]
            for launch in launches:
                out, _ = launch.communicate(timeout=RUN_SECONDS)
                assert launch.returncode == 0, out[-2000:]

            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            runs = instance.get_runs()
            assert len(runs) == 2
            assert {r.status for r in runs} == {dg.DagsterRunStatus.QUEUED}

            daemon = subprocess.Popen(
                [str(Path(sys.executable).parent / "dagster-daemon"), "run", *LOCATION],
                cwd=REPO,
                env=env,
                stdout=daemon_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            deadline = time.monotonic() + RUN_SECONDS
            while True:
                statuses = {r.status for r in instance.get_runs()}
                if statuses <= {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}:
                    break
                log = (tmp_path / "daemon.log").read_text()[-3000:]
                assert daemon.poll() is None, f"the daemon exited: {log}"
                assert time.monotonic() < deadline, f"runs not done in {RUN_SECONDS}s: {log}"
                time.sleep(1)
            records = instance.get_run_records()
            assert {r.dagster_run.status for r in records} == {dg.DagsterRunStatus.SUCCESS}
            # One at a time: the queue let the second run start only after the first ended.
            (_, first_end), (second_start, _) = sorted((r.start_time, r.end_time) for r in records)
            assert first_end <= second_start
            for record in records:
                materialised = instance.get_records_for_run(
                    record.dagster_run.run_id,
                    of_type=dg.DagsterEventType.ASSET_MATERIALIZATION,
                    limit=100,
                ).records
                assert materialised
            assert instance.get_daemon_heartbeats()  # the daemon reports to Postgres
            pool = instance.event_log_storage.get_concurrency_info("warehouse")
            assert pool.slot_count == 1 and pool.claimed_slots == []
    finally:
        if daemon is not None:
            stop_group(daemon)
        daemon_log.close()

    import psycopg2

    con = psycopg2.connect(
        host="127.0.0.1",
        port=int(postgres["DAGSTER_PG_PORT"]),
        user="vintage",
        password=PASSWORD,
        dbname="dagster",
    )
    with con, con.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM runs")
        assert cursor.fetchone()[0] == 2
        cursor.execute(
            "SELECT count(*) FROM event_logs WHERE dagster_event_type = %s",
            [dg.DagsterEventType.RUN_SUCCESS.value],
        )
        assert cursor.fetchone()[0] == 2
    con.close()
    with connect(paths.warehouse, wait_seconds=30) as warehouse:
        found = [
            r[0] for r in warehouse.execute("SELECT record_id FROM raw.reddit_archive").fetchall()
        ]
    assert len(found) == len(set(found)) and set(found) == ids
