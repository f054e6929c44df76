"""The one place that builds the Dagster ``Definitions`` of Vintage AI."""

import dagster as dg

from vintage_ai_assets.defs import checks, freshness, instance_storage, jobs
from vintage_ai_assets.defs.assets import catalog, clean, models, nlp, raw, series
from vintage_ai_assets.defs.resources import (
    CatalogResource,
    EmbeddingModelResource,
    ForumResource,
    InboxResource,
    MLflowResource,
    RedditResource,
    WarehouseIOManager,
    WarehouseResource,
)
from vintage_ai_assets.nlp.embeddings import DEFAULT_MODEL
from vintage_ai_assets.paths import DataPaths


def build_resources(paths: DataPaths | None = None) -> dict[str, object]:
    """Resources for a data directory (``VINTAGE_AI_DATA_DIR`` by default), from the environment."""
    import os

    paths = paths or DataPaths.from_env()
    warehouse = str(paths.warehouse)
    return {
        "warehouse": WarehouseResource(path=warehouse),
        "warehouse_io": WarehouseIOManager(path=warehouse),
        "inbox": InboxResource(root=str(paths.inbox)),
        "catalog": CatalogResource(path=os.environ.get("VINTAGE_AI_CATALOG") or None),
        "embedding_model": EmbeddingModelResource(
            model=os.environ.get("VINTAGE_AI_EMBEDDING_MODEL") or DEFAULT_MODEL
        ),
        "mlflow_store": MLflowResource(
            tracking_uri=paths.mlflow_tracking_uri, artifacts=str(paths.mlflow_artifacts)
        ),
        "reddit": RedditResource(),
        "forums": ForumResource(sites_file=os.environ.get("VINTAGE_AI_FORUMS") or None),
    }


def build_definitions(paths: DataPaths | None = None) -> dg.Definitions:
    """All assets, checks, jobs, schedules, sensors and resources."""
    # Every process that runs these definitions stores a step's per-day events in one go.
    instance_storage.install()
    return dg.Definitions(
        assets=freshness.with_freshness(
            [
                *catalog.assets,
                *raw.assets,
                *clean.assets,
                *nlp.assets,
                *series.assets,
                *models.assets,
            ]
        ),
        asset_checks=[*checks.checks, *freshness.checks],
        jobs=jobs.jobs,
        schedules=jobs.schedules,
        sensors=jobs.sensors,
        resources=build_resources(paths),
        # Every asset is in the one-slot "warehouse" pool, so steps never run in parallel:
        # a launched run executes its steps in its own process instead of starting a
        # process (and importing the platform) per step.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
