"""reports: a per-car market report (plots in the materialisation, markdown in the warehouse)."""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset
from vintage_ai_assets.progress import Progress
from vintage_ai_assets.reports.car_report import CarInputs, build_reports, data_uri, with_images
from vintage_ai_assets.series.daily import load_cars_daily

# CarInputs field -> (table, columns or None for all, sort column, one row?)
TABLES = {
    "forecasts": ("forecasts.car_forecasts", None, "date", False),
    "attention": ("models.attention_models", None, None, True),
    "topics": (
        "nlp.car_topics",
        ["car", "topic_id", "label", "size", "share", "sentiment", "growing", "representatives"],
        "topic_id",
        False,
    ),
    "shares": ("nlp.topic_shares", None, "month", False),
    "index": ("series.price_index", None, "month", False),
    "direction": ("models.value_direction", None, None, True),
    "price_model": ("models.price_models", None, None, True),
    "estimates": ("forecasts.price_estimates", None, None, False),
}


def report_inputs(store, names: dict[str, str]) -> dict[str, CarInputs]:
    """Each car's rows of every table the report reads (one read per table for all cars)."""
    cars = list(names)
    parts: dict[str, dict] = {}
    for field, (table, columns, order, single) in TABLES.items():
        frame = (
            store.read_table(table, "car IN (SELECT unnest(?))", [cars], columns=columns)
            if store.table_exists(table)
            else None
        )
        groups = dict(tuple(frame.groupby("car"))) if frame is not None and len(frame) else {}
        parts[field] = {}
        for car in cars:
            group = groups.get(car, pd.DataFrame(columns=columns or ["car"]))
            group = group.sort_values(order) if order and len(group) else group
            if single:
                parts[field][car] = group.iloc[0].to_dict() if len(group) else {}
            else:
                parts[field][car] = group.reset_index(drop=True)
    daily = load_cars_daily(store, cars)
    inputs = {}
    for car in cars:
        estimates = parts["estimates"][car]
        inputs[car] = CarInputs(
            car=car,
            name=names[car],
            daily=daily[car],
            forecasts=parts["forecasts"][car],
            attention=parts["attention"][car],
            topics=parts["topics"][car],
            shares=parts["shares"][car],
            index=parts["index"][car],
            direction=parts["direction"][car],
            price_model=parts["price_model"][car],
            estimates=estimates if len(estimates) else pd.DataFrame(columns=["kind"]),
        )
    return inputs


@warehouse_asset(
    ["reports", "car_reports"],
    partitions="car",
    schema=schemas.CAR_REPORTS,
    partition_expr="car",
    kinds=("matplotlib", "markdown"),
    user_facing=True,
    daily_per_car=True,
    # The report depends on exactly the tables it reads.
    deps=[dg.AssetKey(table.split(".")) for table, *_ in TABLES.values()],
)
def car_reports(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.Output:
    """Per car: a market report for a brand manager — mentions and sentiment with the
    90-day forecast bands, theme shares over time, the price index with the 6-month
    direction probability, and a markdown summary (level and trend, sentiment and its
    change, growing themes, value direction with its back-test skill, price range). The
    plots are in each car's materialisation; the markdown is in ``reports.car_reports``
    and ``<data dir>/reports/<car>.md`` (with its PNGs beside it)."""
    store = warehouse.get()
    cat = catalog.load()
    folder = store.path.parent / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    generated = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    names = {
        car: cat.by_slug[car].name if car in cat.by_slug else car for car in context.partition_keys
    }
    inputs = report_inputs(store, names)
    rows = []
    progress = Progress("drawn", len(context.partition_keys), "reports", context.log.info)
    reports = build_reports(
        [inputs[car] for car in context.partition_keys],
        generated,
        cache=folder / ".plots",
        on_done=progress.advance,
    )
    for car, report in zip(context.partition_keys, reports, strict=True):
        files = {}
        for name, image in report.images.items():
            path = folder / f"{car}-{name}.png"
            path.write_bytes(image)
            files[name] = path.name
        path = folder / f"{car}.md"
        path.write_text(with_images(report.markdown, files), encoding="utf-8")
        context.add_asset_metadata(
            {
                "report": dg.MetadataValue.md(
                    with_images(
                        report.markdown, {k: data_uri(v) for k, v in report.thumbnails.items()}
                    )
                ),
                "path": dg.MetadataValue.path(str(path)),
            },
            partition_key=car,
        )
        rows.append(
            {
                "car": car,
                "generated_at": generated,
                "data_through": report.data_through,
                "markdown": report.markdown,
                "path": str(path),
            }
        )
    out = pd.DataFrame(rows, columns=list(schemas.CAR_REPORTS.columns))
    out["generated_at"] = pd.to_datetime(out["generated_at"]).astype("datetime64[ns]")
    out["data_through"] = pd.to_datetime(out["data_through"]).astype("datetime64[ns]")
    return dg.Output(
        out,
        metadata={
            "cars": dg.MetadataValue.int(len(out)),
            "folder": dg.MetadataValue.path(str(folder)),
        },
    )
