"""The `vintage-ai` command: demo, backfill, refresh, retrain, status, price, serve, publish,
generate-demo.

Runs go through the Dagster instance of the data directory (so they show in the UI's run
history); a range of days is always one run, not one process per day.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

from vintage_ai_assets.log_file import send_library_output_to
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.progress import duration

#: First lines of shipped instance settings (now, and before the mark): a copy that
#: starts with one may be replaced.
MANAGED_MARKS = (
    b"# vintage-ai managed instance settings",
    b"# Dagster instance settings for Vintage AI.",
)
#: The demo's auction results and valuation points also cover 5 years before its texts:
#: market history for the value-direction model (loaded with the first day).
DEMO_PRICE_HISTORY_MONTHS = 60


#: After a run, a process holding more than this gives its freed heap back to the system.
RELEASE_ABOVE_BYTES = 1 << 30

#: Commands that print one answer and run no pipeline: their library output stays as it is.
QUIET_COMMANDS = ("home", "status", "serve")


class CliError(Exception):
    """An error reported to the user as one line."""


def instance_settings() -> bytes:
    """The instance settings shipped in the package (``vintage_ai_assets/dagster.yaml``)."""
    return resources.files("vintage_ai_assets").joinpath("dagster.yaml").read_bytes()


def install_instance_settings(home: Path) -> Path:
    """Create ``home`` and put the shipped settings in ``home/dagster.yaml``: written when
    missing, replaced when it is an older managed copy, left alone when edited by hand."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    shipped = instance_settings()
    current = target.read_bytes() if target.exists() else None
    if current is None or (current.startswith(MANAGED_MARKS) and current != shipped):
        target.write_bytes(shipped)
    return target


def _prepare_instance(paths: DataPaths):
    os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home))
    # A range run logs one "planned" event per asset instead of one per day and asset.
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "1")
    # ...and hands a step's per-partition events to the storage as one batch (Postgres
    # instance storage writes them at once; sqlite one by one).
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    install_instance_settings(Path(os.environ["DAGSTER_HOME"]))
    import dagster as dg

    return dg.DagsterInstance.get()


def _root_cause(error) -> str:
    while getattr(error, "cause", None) is not None:
        error = error.cause
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return lines[0] if lines else error.cls_name


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{what} must be a date like 2026-01-31, got {text!r}") from None


class Platform:
    """The definitions and instance of one data directory, and the runs the CLI launches."""

    def __init__(self, paths: DataPaths, log_level: str | None = None) -> None:
        self.log_level = log_level
        self.paths = paths.ensure()
        self.instance = _prepare_instance(paths)
        from vintage_ai_assets.definitions import definitions_for

        self.defs = definitions_for(str(self.paths.root))

    def sync_cars(self) -> list[str]:
        from vintage_ai_assets.catalog import load_catalog
        from vintage_ai_assets.defs.platform.partitions import CAR_PARTITIONS_NAME

        slugs = load_catalog().slugs
        existing = set(self.instance.get_dynamic_partitions(CAR_PARTITIONS_NAME))
        missing = [s for s in slugs if s not in existing]
        if missing:
            self.instance.add_dynamic_partitions(CAR_PARTITIONS_NAME, missing)
        return slugs

    def catalog_current(self) -> bool:
        """Whether the warehouse's catalog table was written from the catalog as it is now
        (its last materialisation's data version is the catalog's hash)."""
        import dagster as dg

        from vintage_ai_assets.catalog import load_catalog
        from vintage_ai_assets.defs.ingest.catalog import catalog_frame, catalog_version
        from vintage_ai_assets.warehouse import Warehouse

        event = self.instance.get_latest_materialization_event(dg.AssetKey(["catalog", "cars"]))
        if event is None or event.asset_materialization is None:
            return False
        recorded = (event.asset_materialization.tags or {}).get("dagster/data_version")
        return (
            recorded == catalog_version(catalog_frame(load_catalog()))
            and self.paths.warehouse.exists()
            and Warehouse(self.paths.warehouse).table_exists("catalog.cars")
        )

    def steps(self, job: str) -> int:
        """The asset steps a run of ``job`` executes (a multi-asset is one step)."""
        keys = self.defs.resolve_job_def(job).asset_layer.executable_asset_keys
        return len({self.defs.resolve_assets_def(key).node_def.name for key in keys})

    def loggers(self, job: str, partitions: int, unit: str) -> dict:
        """The run's loggers: the progress printer, and Dagster's console at ``log_level``."""
        progress = {"steps": self.steps(job), "partitions": partitions, "unit": unit}
        loggers: dict = {"progress": {"config": progress}}
        if self.log_level:
            loggers["console"] = {"config": {"log_level": self.log_level}}
        return loggers

    def run(
        self,
        job: str,
        tags: dict[str, str] | None = None,
        partition_key: str | None = None,
        partitions: int = 0,
        unit: str = "partitions",
    ):
        """Execute one run of ``job`` in this process; raise :class:`CliError` if it fails.

        ``dg.execute_job`` with the definitions' in-process executor: the steps run here, and
        no step's output is kept in memory after it is written (``execute_in_process`` would
        hold all of a run's frames until the run ends). The terminal shows one line per step
        (``partitions`` of ``unit`` each) and the progress of long steps.
        """
        import dagster as dg

        from vintage_ai_assets.definitions import reconstructable_job
        from vintage_ai_assets.defs.platform.recovery import release_dead_runs, worker_tags
        from vintage_ai_assets.memory import release_memory, resident_bytes

        # A killed earlier run would keep the warehouse pool's slot: fail it and free it.
        release_dead_runs(self.instance)
        partition = {"dagster/partition": partition_key} if partition_key else {}
        result = dg.execute_job(
            reconstructable_job(job, self.paths),
            instance=self.instance,
            run_config={"loggers": self.loggers(job, partitions, unit)},
            tags={**worker_tags(), **partition, **(tags or {})},
            raise_on_error=False,
        )
        if resident_bytes() > RELEASE_ABOVE_BYTES:  # (collecting costs ~0.2 s; small heaps stay)
            release_memory()  # the next run in this process starts from a smaller heap
        if not result.success:
            failures = [
                f"{event.step_key}: {_root_cause(event.event_specific_data.error)}"
                for event in result.all_events
                if event.is_step_failure
                and event.event_specific_data
                and event.event_specific_data.error
            ]
            raise CliError(
                f"run {result.run_id[:8]} of {job} failed: {failures[0] if failures else 'see the Dagster UI'}"
            )
        return result

    def last_day(self) -> date:
        return datetime.now(UTC).date() - timedelta(days=1)

    def untrained_cars(self, cars: list[str]) -> list[str]:
        """Catalog cars without a trained forecaster in the warehouse yet."""
        from vintage_ai_assets.warehouse import Warehouse

        if not self.paths.warehouse.exists():
            return list(cars)
        store = Warehouse(self.paths.warehouse)
        if not store.table_exists("models.attention_models"):
            return list(cars)
        trained = set(store.query("SELECT DISTINCT car FROM models.attention_models")["car"])
        return [c for c in cars if c not in trained]

    def build(
        self, start: date, end: date, say=print, retrain: bool = True, with_cars: bool = True
    ) -> list:
        """The catalog, days start..end (one run, or a few for a large inbox: see
        :mod:`vintage_ai_assets.run_plan`), then every car (one run).

        ``retrain``: the per-car run refits themes and every model (``per_car_refresh``);
        otherwise it only re-forecasts from the trained models (``per_car_forecasts``), unless
        a car has none yet. ``with_cars=False`` stops after the days.
        """
        from vintage_ai_assets.defs.platform.jobs import (
            CATALOG_JOB,
            DAILY_JOB,
            PER_CAR_DAILY_JOB,
            PER_CAR_JOB,
            range_tags,
        )
        from vintage_ai_assets.defs.platform.partitions import start_date
        from vintage_ai_assets.run_plan import day_ranges, inbox_text_bytes, run_inbox_bytes

        first = max(start, date.fromisoformat(start_date()))
        last = min(end, self.last_day())
        if last < first:
            raise CliError(
                f"no day partitions between {start} and {end} (partitions run {start_date()}..{self.last_day()})"
            )
        cars = self.sync_cars()
        if self.catalog_current():
            say(f"catalog: {len(cars)} cars, unchanged")
            results = []
        else:
            say(f"catalog: {len(cars)} cars")
            results = [self.run(CATALOG_JOB)]
        started = time.monotonic()
        ranges = day_ranges(first, last, inbox_text_bytes(self.paths.inbox), run_inbox_bytes())
        runs = "one run" if len(ranges) == 1 else f"{len(ranges)} runs (a large inbox)"
        say(f"days {first}..{last} ({(last - first).days + 1} days): {runs}")
        for number, (begin, end) in enumerate(ranges, start=1):
            if len(ranges) > 1:
                say(f"days {begin}..{end}: run {number} of {len(ranges)}")
            days = (end - begin).days + 1
            tags = range_tags(begin.isoformat(), end.isoformat())
            results.append(self.run(DAILY_JOB, tags=tags, partitions=days, unit="days"))
        say(f"days done in {duration(time.monotonic() - started)}")
        if not with_cars:
            return results
        started = time.monotonic()
        untrained = [] if retrain else self.untrained_cars(cars)
        if untrained:
            say(f"{len(untrained)} cars have no trained model yet: retraining every car")
        job = PER_CAR_JOB if retrain or untrained else PER_CAR_DAILY_JOB
        say(f"cars ({len(cars)}, {job}): one run")
        tags = range_tags(cars[0], cars[-1])
        results.append(self.run(job, tags=tags, partitions=len(cars), unit="cars"))
        say(f"cars done in {duration(time.monotonic() - started)}")
        say(self.publish())
        return results

    def publish(self) -> str:
        """Publish a snapshot of the public tables for the API and the app (recorded as a
        materialisation of serving/snapshot); returns a line saying so."""
        import dagster as dg

        from vintage_ai_assets.defs.serving.snapshot import SNAPSHOT_KEY, snapshot_metadata
        from vintage_ai_assets.serving.snapshot import publish

        published = publish(self.paths.warehouse, self.paths.serving)
        self.instance.report_runless_asset_event(
            dg.AssetMaterialization(SNAPSHOT_KEY, metadata=snapshot_metadata(published.manifest))
        )
        return f"published {published.path.name} for the API and the app"


def demo_spec(paths: DataPaths, end: date, texts_per_car_month: float | None = None):
    """The demo for a data directory, ending on ``end``: 18 months the first time (the first
    day is then recorded in the data directory, where it fixes the day partitions); from the
    recorded first day after that, so the days already built never move."""
    from vintage_ai_assets.demo.generator import DemoSpec

    spec = DemoSpec.ending(end, price_history_months=DEMO_PRICE_HISTORY_MONTHS)
    recorded = paths.recorded_settings().get("start_date")
    if recorded:
        first = _parse_day(recorded, f"start_date in {paths.settings_file}")
        if end < first:
            raise CliError(f"--end {end} is before this data directory's first day {first}")
        spec = replace(spec, start=first)
    if texts_per_car_month:
        spec = replace(spec, texts_per_car_month=texts_per_car_month)
    return spec


def _demo_end(args) -> date:
    return (
        _parse_day(args.end, "--end") if args.end else datetime.now(UTC).date() - timedelta(days=1)
    )


def cmd_generate_demo(args, paths: DataPaths):
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.demo.generator import write_demo_inbox

    spec = demo_spec(paths.ensure(), _demo_end(args), args.texts_per_car_month)
    summary = write_demo_inbox(paths.inbox, load_catalog(), spec)
    paths.record_settings(start_date=spec.start.isoformat())
    print(
        f"demo data (synthetic, {spec.start}..{spec.end}): {summary.texts:,} texts, "
        f"{summary.auction_lots:,} auction lots, {summary.valuation_points:,} valuation points "
        f"in {len(summary.files)} files under {paths.inbox}"
    )
    return spec


def cmd_demo(args, paths: DataPaths) -> None:
    started = time.monotonic()
    # Written before the definitions are imported: they read the recorded first day.
    spec = cmd_generate_demo(args, paths)
    from vintage_ai_assets.defs.platform.partitions import start_date
    from vintage_ai_assets.reports.summary import render_summary
    from vintage_ai_assets.warehouse import Warehouse

    platform = Platform(paths)
    first = date.fromisoformat(start_date())
    if first != spec.start:
        print(f"day partitions start on {first} (VINTAGE_AI_START_DATE), the demo on {spec.start}")
    platform.build(max(first, spec.start), spec.end)
    print()
    print(render_summary(Warehouse(paths.warehouse)))
    print(f"\ndemo finished in {duration(time.monotonic() - started)}. Where to look next:")
    print(next_steps(paths))


def next_steps(paths: DataPaths) -> str:
    """Where the results of a build are, and the commands that show them."""
    return "\n".join(
        [
            f"  reports     {paths.root / 'reports'}/<car>.md (one per car, with plots)",
            "  Dagster UI  make dev → http://127.0.0.1:3000 (lineage, runs, checks, freshness)",
            f"  warehouse   {paths.warehouse} (DuckDB; `vintage-ai status` lists its tables)",
            "  notebook    notebooks/ (the warehouse from Python)",
            "  MLflow      make mlflow → http://127.0.0.1:5000 (one run per car and model)",
        ]
    )


def cmd_backfill(args, paths: DataPaths) -> None:
    start, end = _parse_day(args.start, "--start"), _parse_day(args.end, "--end")
    if end < start:
        raise CliError(f"--end {end} is before --start {start}")
    Platform(paths).build(start, end, with_cars=not args.days_only)


def cmd_refresh(args, paths: DataPaths) -> None:
    platform = Platform(paths)
    day = _parse_day(args.day, "--day") if args.day else platform.last_day()
    platform.build(day, day, retrain=args.retrain)


def cmd_retrain(args, paths: DataPaths) -> None:
    from vintage_ai_assets.defs.platform.jobs import PER_CAR_JOB, range_tags

    platform = Platform(paths)
    cars = platform.sync_cars()
    started = time.monotonic()
    print(f"cars ({len(cars)}, {PER_CAR_JOB}): one run")
    platform.run(PER_CAR_JOB, tags=range_tags(cars[0], cars[-1]), partitions=len(cars), unit="cars")
    print(f"cars done in {duration(time.monotonic() - started)}")
    print(platform.publish())


def cmd_status(args, paths: DataPaths) -> None:
    from vintage_ai_assets.reports.summary import table_status
    from vintage_ai_assets.warehouse import Warehouse

    if not paths.warehouse.exists():
        raise CliError(
            f"no warehouse at {paths.warehouse}: run `vintage-ai demo` or `vintage-ai backfill` first"
        )
    # Waits up to --wait seconds for a running writer, then says so in one line.
    status = table_status(Warehouse(paths.warehouse, wait_seconds=args.wait))
    print(f"data directory: {paths.root}")
    print(status.to_string(index=False))


def cmd_price(args, paths: DataPaths) -> None:
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.cleaning.matching import CarMatcher
    from vintage_ai_assets.valuation.pricing import (
        Listing,
        ListingError,
        load_pricer,
        match_listing,
    )

    listing = Listing(
        make=args.make,
        model=args.model,
        year=args.year,
        mileage=args.mileage,
        title=args.title,
        sold_on=_parse_day(args.date, "--date") if args.date else None,
    )
    catalog = load_catalog()
    matcher = CarMatcher(catalog)
    try:
        match_listing(listing, catalog, matcher)  # a bad listing fails before the model loads
        pricer = load_pricer(paths.warehouse, paths.mlflow_artifacts, catalog, matcher)
        quote = pricer.quote(listing)
    except ListingError as exc:
        raise CliError(str(exc)) from None
    print(quote_text(quote))


def quote_text(quote) -> str:
    """A quote as the terminal shows it: the car, p10/p50/p90, the model, similar sales."""
    import pandas as pd

    listing = quote.listing
    miles = f" · {listing.mileage:,.0f} mi" if listing.mileage is not None else ""
    lines = [
        f"{quote.car.name} ({quote.car.slug}) · {listing.year}{miles} · sold {quote.sold_on}",
        f"  p10  ${quote.p10:>12,.0f}",
        f"  p50  ${quote.p50:>12,.0f}",
        f"  p90  ${quote.p90:>12,.0f}   (USD)",
    ]
    if quote.alternatives:
        lines.append(
            f"  also possible: {', '.join(quote.alternatives)} (a --title tells them apart)"
        )
    lines.append(f"priced as: {quote.priced_as} · model: {quote.model}")
    sales = quote.comparables
    if sales.empty:
        lines.append(f"no sales of {quote.car.slug} recorded yet")
        return "\n".join(lines)
    lines.append(f"the {len(sales)} most similar recent sales:")
    for sale in sales.itertuples(index=False):
        year = "" if pd.isna(sale.year) else f"{int(sale.year)}"
        mileage = "" if pd.isna(sale.mileage) else f"{sale.mileage:,.0f} mi"
        lines.append(
            f"  {sale.sold_at:%Y-%m-%d}  {year:>4}  {mileage:>10}  ${sale.price_usd:>11,.0f}  "
            f"{str(sale.title)[:60]}"
        )
    return "\n".join(lines)


def cmd_publish(args, paths: DataPaths) -> None:
    if not paths.warehouse.exists():
        raise CliError(f"no warehouse at {paths.warehouse}: run `vintage-ai demo` first")
    print(Platform(paths).publish())


def cmd_serve(args, paths: DataPaths) -> None:
    import logging

    import uvicorn

    from vintage_ai_assets.serving.api import create_app
    from vintage_ai_assets.serving.snapshot import current

    if current(paths.serving) is None:
        if not paths.warehouse.exists():
            raise CliError(f"no warehouse at {paths.warehouse}: run `vintage-ai demo` first")
        print(Platform(paths).publish())
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    api_log = logging.getLogger("vintage_ai.api")
    api_log.addHandler(handler)
    api_log.setLevel(logging.INFO)
    api_log.propagate = False
    print(f"serving {paths.root} on http://{args.host}:{args.port} (OpenAPI at /docs)")
    # uvicorn's access log names the client's address: the app logs requests without it.
    uvicorn.run(create_app(paths), host=args.host, port=args.port, access_log=False)


def cmd_app(args, paths: DataPaths) -> None:
    """The insights app (Streamlit, ``serving/app.py``) over the published snapshot, in a
    child process; a snapshot is published first when there is none."""
    import subprocess

    from vintage_ai_assets.serving.snapshot import current

    if current(paths.serving) is None:
        if not paths.warehouse.exists():
            raise CliError(f"no warehouse at {paths.warehouse}: run `vintage-ai demo` first")
        print(Platform(paths).publish())
    script = Path(__file__).resolve().parent / "serving" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(script)]
    command += ["--server.address", args.host, "--server.port", str(args.port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    # the installed app, not a draft: no file watcher, no developer menu
    command += ["--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"]
    env = {**os.environ, "VINTAGE_AI_DATA_DIR": str(paths.root.resolve())}
    print(f"the insights app for {paths.root} on http://{args.host}:{args.port}", flush=True)
    code = subprocess.run(command, env=env, check=False).returncode
    if code not in (0, -15):  # -15: stopped by SIGTERM
        raise CliError(f"streamlit exited with status {code}")


def cmd_home(args, paths: DataPaths) -> None:
    home = Path(os.environ.get("DAGSTER_HOME") or paths.dagster_home)
    print(install_instance_settings(home))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vintage-ai", description="Vintage AI: classic-car market intelligence."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="write the synthetic demo data and materialise the whole graph"
    )
    gen = sub.add_parser("generate-demo", help="only write the synthetic demo data into the inbox")
    for command in (demo, gen):
        command.add_argument(
            "--texts-per-car-month", type=float, default=None, help="demo volume (default 95)"
        )
        command.add_argument(
            "--end",
            help="last day of the demo, YYYY-MM-DD (default: yesterday, UTC); the same end "
            "date always gives the same data",
        )
    demo.set_defaults(func=cmd_demo)
    gen.set_defaults(func=cmd_generate_demo)
    backfill = sub.add_parser(
        "backfill", help="materialise days START..END (one run) and then every car"
    )
    backfill.add_argument("--start", required=True)
    backfill.add_argument("--end", required=True)
    backfill.add_argument(
        "--days-only", action="store_true", help="only the days; no per-car run afterwards"
    )
    backfill.set_defaults(func=cmd_backfill)
    refresh = sub.add_parser(
        "refresh", help="the latest complete day and everything downstream of it"
    )
    refresh.add_argument("--day", help="YYYY-MM-DD instead of yesterday (UTC)")
    refresh.add_argument(
        "--retrain",
        action="store_true",
        help="also refit every car's themes and models (weekly by default)",
    )
    refresh.set_defaults(func=cmd_refresh)
    retrain = sub.add_parser(
        "retrain", help="refit every car's themes and models on all history, then forecast"
    )
    retrain.set_defaults(func=cmd_retrain)
    home = sub.add_parser(
        "home", help="create $DAGSTER_HOME with the instance settings (prints their path)"
    )
    home.set_defaults(func=cmd_home)
    status = sub.add_parser("status", help="rows and latest data per table")
    status.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for a running writer"
    )
    status.set_defaults(func=cmd_status)
    price = sub.add_parser(
        "price",
        help="price one car: p10/p50/p90 in USD, the catalog car, similar recent sales",
    )
    price.add_argument("--make", required=True, help="e.g. Porsche")
    price.add_argument("--model", required=True, help="e.g. 911")
    price.add_argument("--year", required=True, type=int, help="model year, e.g. 1989")
    price.add_argument("--mileage", type=float, help="miles (optional)")
    price.add_argument("--title", help="the listing's title (tells close models apart)")
    price.add_argument("--date", help="sale date YYYY-MM-DD (default: today, UTC)")
    price.set_defaults(func=cmd_price)
    serve = sub.add_parser("serve", help="the HTTP API (FastAPI) over the published snapshot")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    app = sub.add_parser(
        "app", help="the insights app (Streamlit): board, a page per car, a price form"
    )
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(func=cmd_app)
    publish = sub.add_parser(
        "publish", help="publish a snapshot of the public tables for the API and the app now"
    )
    publish.set_defaults(func=cmd_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from vintage_ai_assets import settings

        # The process's settings, read from the environment here, once.
        config = settings.Settings.from_env()
        settings.use(config)
        if args.command not in QUIET_COMMANDS:
            send_library_output_to(config.paths.root / "logs" / "vintage-ai.log")
        args.func(args, config.paths)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line, not a traceback
        if os.environ.get("VINTAGE_AI_DEBUG"):
            raise
        print(f"vintage-ai: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
