"""Schedules, sensors and the command line, evaluated against a real (ephemeral) instance."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from vintage_ai_assets import settings
from vintage_ai_assets.cli import main
from vintage_ai_assets.defs.ingest.sensors import catalog_sensor
from vintage_ai_assets.defs.platform.jobs import (
    DAILY_JOB,
    PER_CAR_DAILY_JOB,
    PER_CAR_JOB,
    daily_schedule,
    per_car_after_daily,
    range_tags,
    retrain_request,
    weekly_retrain_schedule,
)
from vintage_ai_assets.defs.platform.partitions import CAR_PARTITIONS_NAME
from vintage_ai_assets.defs.platform.resources import CatalogResource


def test_catalog_sensor_adds_new_cars_and_removes_dropped_ones(catalog):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CAR_PARTITIONS_NAME, ["ferrari-f40", "no-longer-listed"])
        context = dg.build_sensor_context(
            instance=instance, resources={"catalog": CatalogResource()}
        )
        result = catalog_sensor(context)
        added = {
            key
            for request in result.dynamic_partitions_requests
            if isinstance(request, dg.AddDynamicPartitionsRequest)
            for key in request.partition_keys
        }
        deleted = {
            key
            for request in result.dynamic_partitions_requests
            if isinstance(request, dg.DeleteDynamicPartitionsRequest)
            for key in request.partition_keys
        }
        assert added == set(catalog.slugs) - {"ferrari-f40"}
        assert deleted == {"no-longer-listed"}
        assert {r.partition_key for r in result.run_requests} == added


def test_catalog_sensor_skips_when_in_step(catalog):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CAR_PARTITIONS_NAME, catalog.slugs)
        context = dg.build_sensor_context(
            instance=instance, resources={"catalog": CatalogResource()}
        )
        assert isinstance(catalog_sensor(context), dg.SkipReason)


def test_daily_schedule_refreshes_yesterday():
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 2, 2, 15, tzinfo=UTC)
    )
    [request] = list(daily_schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2026-03-01"


def _after_daily(instance, tags: dict[str, str]):
    run = dg.DagsterRun(job_name=DAILY_JOB, run_id="0" * 8 + "-daily", tags=tags)
    context = dg.build_run_status_sensor_context(
        sensor_name="per_car_after_daily",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name=DAILY_JOB),
    )
    return per_car_after_daily(context)


def test_after_a_day_cars_are_reforecast_and_after_history_retrained():
    with dg.instance_for_test() as instance:
        assert isinstance(_after_daily(instance, {}), dg.SkipReason)
        instance.add_dynamic_partitions(CAR_PARTITIONS_NAME, ["a-car", "b-car", "c-car"])
        one_day = _after_daily(instance, {"dagster/partition": "2026-03-01"})
        assert one_day.job_name == PER_CAR_DAILY_JOB
        assert one_day.tags["dagster/asset_partition_range_start"] == "a-car"
        assert one_day.tags["dagster/asset_partition_range_end"] == "c-car"
        week = _after_daily(instance, range_tags("2026-03-01", "2026-03-07"))
        assert week.job_name == PER_CAR_DAILY_JOB
        history = _after_daily(instance, range_tags("2026-01-01", "2026-03-01"))
        assert history.job_name == PER_CAR_JOB


def test_weekly_retrain_covers_every_car():
    when = datetime(2026, 3, 1, 3, 30, tzinfo=UTC)
    request = retrain_request(["a-car", "b-car"], when)
    assert request.tags["dagster/asset_partition_range_start"] == "a-car"
    assert request.tags["dagster/asset_partition_range_end"] == "b-car"
    assert request.run_key == "retrain-2026-03-01"
    assert isinstance(retrain_request([], when), dg.SkipReason)
    assert weekly_retrain_schedule.job_name == PER_CAR_JOB
    assert weekly_retrain_schedule.cron_schedule == "30 3 * * 0"


def test_cli_errors_are_one_line(capsys):
    assert main(["backfill", "--start", "2026-13-01", "--end", "2026-01-02"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--start must be a date" in err
    assert main(["backfill", "--start", "2026-02-01", "--end", "2026-01-01"]) == 1
    assert "before --start" in capsys.readouterr().err


def _inbox_context(instance, root, cursor=None):
    from vintage_ai_assets.defs.platform.resources import InboxResource

    return dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"inbox": InboxResource(root=str(root))}
    )


def test_inbox_sensor_launches_touched_days_once_and_reports_bad_files(tmp_path):
    import json

    from vintage_ai_assets.defs.ingest.sensors import inbox_sensor

    (tmp_path / "reddit").mkdir()
    (tmp_path / "auctions").mkdir()
    lines = [
        {
            "id": "a",
            "created_utc": datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp(),
            "title": "F40",
            "selftext": "",
        },
        {
            "id": "b",
            "created_utc": datetime(2026, 1, 6, 23, 59, tzinfo=UTC).timestamp(),
            "title": "F40",
            "selftext": "",
        },
        {
            "id": "c",
            "created_utc": datetime(2026, 1, 9, 0, 1, tzinfo=UTC).timestamp(),
            "title": "F40",
            "selftext": "",
        },
    ]
    (tmp_path / "reddit" / "dump.ndjson").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n{broken\n"
    )
    (tmp_path / "auctions" / "bad.csv").write_text("lot_id,price\n1,2\n")  # no sale dates at all
    (tmp_path / "reddit" / "notes.txt").write_text("ignored: not an archive")
    with dg.instance_for_test() as instance:
        result = inbox_sensor(_inbox_context(instance, tmp_path))
        ranges = sorted(
            (
                r.tags["dagster/asset_partition_range_start"],
                r.tags["dagster/asset_partition_range_end"],
            )
            for r in result.run_requests
        )
        assert ranges == [("2026-01-05", "2026-01-06"), ("2026-01-09", "2026-01-09")]
        cursor = json.loads(result.cursor)
        assert cursor["auctions/bad.csv"].endswith("|failed")
        # The same files again: nothing to do.
        again = inbox_sensor(_inbox_context(instance, tmp_path, result.cursor))
        assert isinstance(again, dg.SkipReason)


def test_inbox_sensor_splits_a_large_arrival_into_runs_of_fewer_days(tmp_path, monkeypatch):
    import json

    from vintage_ai_assets.defs.ingest.sensors import inbox_sensor

    (tmp_path / "reddit").mkdir()
    posts = [
        {
            "id": f"p{day}",
            "created_utc": datetime(2026, 2, day, 12, tzinfo=UTC).timestamp(),
            "title": "F40 " + "x" * 900,
            "selftext": "",
        }
        for day in range(1, 11)  # ten consecutive days, ~1 kB each
    ]
    (tmp_path / "reddit" / "big.ndjson").write_text("\n".join(json.dumps(p) for p in posts))
    settings.use(settings.current().but(run_inbox_mb=4000 / 2**20))  # ~4 days of text a run
    with dg.instance_for_test() as instance:
        result = inbox_sensor(_inbox_context(instance, tmp_path))
    ranges = [
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in result.run_requests
    ]
    assert ranges == [
        ("2026-02-01", "2026-02-04"),
        ("2026-02-05", "2026-02-08"),
        ("2026-02-09", "2026-02-10"),
    ]
    assert len({r.run_key for r in result.run_requests}) == 3


def test_inbox_sensor_loads_older_market_history_with_the_first_day(tmp_path):
    from vintage_ai_assets.defs.ingest.sensors import inbox_sensor
    from vintage_ai_assets.defs.platform.partitions import start_date

    (tmp_path / "auctions").mkdir()
    (tmp_path / "auctions" / "history.csv").write_text(
        "lot_id,sold_at,make,model,year,mileage,price,currency,sold,title,description,url,"
        "auction_house\n"
        "H-1,2019-06-01,Ferrari,F40,1990,9000,900000,USD,true,1990 Ferrari F40,,,X\n"
        "H-2,2026-02-03,Ferrari,F40,1991,7000,2500000,USD,true,1991 Ferrari F40,,,X\n"
    )
    with dg.instance_for_test() as instance:
        result = inbox_sensor(_inbox_context(instance, tmp_path))
    ranges = sorted(
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in result.run_requests
    )
    assert ranges == [(start_date(), start_date()), ("2026-02-03", "2026-02-03")]


def test_automation_runs_on_a_fresh_deployment():
    """The daily refresh, the weekly retrain and every sensor start without a click."""
    from vintage_ai_assets.definitions import build_definitions

    defs = build_definitions()

    for name in ("daily_refresh_schedule", "weekly_retrain_schedule"):
        assert defs.resolve_schedule_def(name).default_status == dg.DefaultScheduleStatus.RUNNING
    for name in ("per_car_after_daily", "catalog_sensor"):
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


def test_instance_settings_come_from_the_package_and_spare_hand_edits(tmp_path):
    from vintage_ai_assets.cli import install_instance_settings, instance_settings

    shipped = instance_settings()
    assert b"max_concurrent_runs: 1" in shipped and b"warehouse" in shipped
    home = tmp_path / "home"
    target = install_instance_settings(home)
    assert target == home / "dagster.yaml" and target.read_bytes() == shipped
    target.write_bytes(shipped.replace(b"max_concurrent_runs: 1", b"max_concurrent_runs: 3"))
    install_instance_settings(home)  # an older managed copy: replaced
    assert target.read_bytes() == shipped
    own = b"# my Postgres instance\nrun_storage: {}\n"
    target.write_bytes(own)
    install_instance_settings(home)  # edited by hand (no mark): left alone
    assert target.read_bytes() == own


def _covered_days(result) -> set[str]:
    """Every day the run requests of a sensor result cover (ISO dates)."""
    from datetime import date, timedelta

    days = set()
    for request in result.run_requests:
        first = date.fromisoformat(request.tags["dagster/asset_partition_range_start"])
        last = date.fromisoformat(request.tags["dagster/asset_partition_range_end"])
        days |= {(first + timedelta(n)).isoformat() for n in range((last - first).days + 1)}
    return days


def _reddit_archive(days: list[str], per_day: int, seed: int = 1) -> tuple[bytes, list[datetime]]:
    """Time-ordered submissions on ``days``, their dates written as JSON numbers (int and
    float) and as strings, with a few lines without a date among them; and the times."""
    import json
    import random

    rng = random.Random(seed)
    lines, times = [], []
    for day in days:
        midnight = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
        for n in sorted(rng.randrange(86_400) for _ in range(per_day)):
            form = rng.choice([int, float, str, float])
            moment = midnight + n + (0 if form is int else rng.choice([0, 0.25, 0.999]))
            created = int(moment) if form is int else form(moment)
            times.append(datetime.fromtimestamp(moment, UTC).replace(tzinfo=None))
            record = {
                "id": f"s{len(lines)}",
                "subreddit": "classiccars",
                "title": f"F40 #{len(lines)} " + "lorem ipsum " * rng.randint(5, 60),
                "created_utc": created,
                "score": rng.randint(0, 99),
            }
            lines.append(json.dumps(record))
            if rng.random() < 0.02:
                lines.append(json.dumps({"id": "no-date", "title": "?", "created_utc": None}))
    return ("\n".join(lines) + "\n").encode(), times


def test_inbox_sensor_runs_cover_exactly_the_days_of_a_multi_mb_archive(tmp_path):
    """A multi-MB archive, plain and .zst: one tick, runs over exactly its days (not the
    span between them), and its span written where the raw assets look for it."""
    import random
    from datetime import date, timedelta

    import zstandard

    from vintage_ai_assets.defs.ingest.sensors import inbox_sensor
    from vintage_ai_assets.defs.platform.partitions import start_date
    from vintage_ai_assets.defs.platform.resources import InboxResource

    first = date.fromisoformat(start_date())
    rng = random.Random(5)
    days = sorted({(first + timedelta(days=rng.randrange(2, 250))).isoformat() for _ in range(45)})
    data, times = _reddit_archive(days, per_day=200)
    assert len(data) > 3 * 2**20
    for name, payload in (
        ("archive.ndjson", data),
        ("archive.ndjson.zst", zstandard.ZstdCompressor().compress(data)),
    ):
        root = tmp_path / name / "data" / "inbox"
        (root / "reddit").mkdir(parents=True)
        (root / "reddit" / name).write_bytes(payload)
        with dg.instance_for_test() as instance:
            result = inbox_sensor(_inbox_context(instance, root))
        assert _covered_days(result) == set(days)
        assert len(result.run_requests) < len(days)  # ranges of consecutive days
        span = InboxResource(root=str(root)).spans("reddit").entries[str(root / "reddit" / name)]
        assert span["first"] == min(times).isoformat()
        assert span["last"] == max(times).isoformat()


def test_inbox_sensor_scans_a_bounded_amount_per_tick(tmp_path, monkeypatch):
    """Files past the tick's budget wait for the next tick; each file is still read once."""
    import json

    from vintage_ai_assets.defs.ingest import sensors

    monkeypatch.setattr(sensors, "TICK_SCAN_BYTES", 300_000)
    (tmp_path / "reddit").mkdir()
    for seed, (name, day) in enumerate(
        [("a.ndjson", "2026-01-05"), ("b.ndjson", "2026-01-07"), ("c.ndjson", "2026-01-09")]
    ):
        data, _ = _reddit_archive([day], per_day=500, seed=seed)
        assert 200_000 < len(data) < 300_000  # two do not fit in a tick
        (tmp_path / "reddit" / name).write_bytes(data)
    cursor, launched = None, []
    with dg.instance_for_test() as instance:
        for _ in range(3):
            result = sensors.inbox_sensor(_inbox_context(instance, tmp_path, cursor))
            cursor = result.cursor
            launched.append((sorted(json.loads(cursor)), _covered_days(result)))
        assert isinstance(
            sensors.inbox_sensor(_inbox_context(instance, tmp_path, cursor)), dg.SkipReason
        )
    assert launched == [
        (["reddit/a.ndjson"], {"2026-01-05"}),
        (["reddit/a.ndjson", "reddit/b.ndjson"], {"2026-01-07"}),
        (["reddit/a.ndjson", "reddit/b.ndjson", "reddit/c.ndjson"], {"2026-01-09"}),
    ]


def test_inbox_sensor_takes_a_dump_too_large_for_a_tick_by_the_month_its_name_gives(
    tmp_path, monkeypatch
):
    """Over a tick's budget, a pushshift monthly dump (``RS_2026-02.zst``) touches its month
    (and the days seen before the scan stopped); a file whose name gives no month is still
    scanned to its end, alone in its tick."""
    import json

    import zstandard

    from vintage_ai_assets.defs.ingest import sensors
    from vintage_ai_assets.defs.platform.resources import InboxResource
    from vintage_ai_assets.sources import inbox_scan

    monkeypatch.setattr(sensors, "TICK_SCAN_BYTES", 100_000)
    monkeypatch.setattr(inbox_scan, "CHUNK_BYTES", 2**16)  # stops after the first 64 KiB
    (tmp_path / "data" / "inbox" / "reddit").mkdir(parents=True)
    root = tmp_path / "data" / "inbox"
    dump, _ = _reddit_archive(["2026-01-31", "2026-02-03", "2026-02-04", "2026-02-05"], 300)
    assert len(dump) > 5 * sensors.TICK_SCAN_BYTES
    (root / "reddit" / "RS_2026-02.zst").write_bytes(zstandard.ZstdCompressor().compress(dump))
    plain, _ = _reddit_archive(["2026-03-01", "2026-03-03"], 300)
    (root / "reddit" / "plain.ndjson").write_bytes(plain)
    with dg.instance_for_test() as instance:
        first = sensors.inbox_sensor(_inbox_context(instance, root))
        second = sensors.inbox_sensor(_inbox_context(instance, root, first.cursor))
    february = {f"2026-02-{d:02d}" for d in range(1, 29)}
    assert _covered_days(first) == {"2026-01-31"} | february
    assert sorted(json.loads(first.cursor)) == ["reddit/RS_2026-02.zst"]
    assert _covered_days(second) == {"2026-03-01", "2026-03-03"}
    # Only the file read to its end has a span: the dump is opened by every run of its month.
    spans = InboxResource(root=str(root)).spans("reddit").entries
    assert list(spans) == [str(root / "reddit" / "plain.ndjson")]
