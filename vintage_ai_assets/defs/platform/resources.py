"""Configurable resources (warehouse, inbox, catalog, models, MLflow, sources) and the I/O manager.

Every value comes from the environment through :class:`DataPaths` when ``Definitions``
are built, and each resource can be swapped in tests.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import yaml
from dagster_duckdb import DuckDBResource
from pandera import errors as pandera_errors
from pydantic import Field

from vintage_ai_assets import schemas, settings
from vintage_ai_assets.catalog import Catalog, load_catalog
from vintage_ai_assets.defs.platform.partitions import HISTORY_BEFORE_START, with_history
from vintage_ai_assets.defs.platform.warehouse_asset import SCHEMA_KEY
from vintage_ai_assets.settings import Settings
from vintage_ai_assets.sources.file_spans import FileSpans
from vintage_ai_assets.sources.forum import ForumSite
from vintage_ai_assets.sources.polite_http import DEFAULT_USER_AGENT as DEFAULT_FORUM_USER_AGENT
from vintage_ai_assets.sources.polite_http import PoliteSession, crawler_user_agent
from vintage_ai_assets.sources.reddit_access import DEFAULT_USER_AGENT as DEFAULT_REDDIT_USER_AGENT
from vintage_ai_assets.sources.reddit_access import (
    MORE_PER_RUN,
    MORE_PER_SUBMISSION,
    RedditCredentials,
)
from vintage_ai_assets.warehouse import Warehouse


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file, as dagster-duckdb's resource (``database``; plain
    connections from ``get_connection()``); :meth:`get` is the platform's view of it:
    writes as short transactions that replace whole partitions, reads that wait out a
    writer."""

    wait_seconds: float = 300.0

    def get(self) -> Warehouse:
        return Warehouse(Path(self.database), self.wait_seconds)


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Stores each asset as the table ``<schema>.<name>`` of its key, one partition at a time.

    A partitioned output replaces exactly its partitions' rows in one transaction (so a
    rerun of a day is idempotent), and rows outside the partitions are refused rather than
    left behind. Inputs load only the partitions (and ``columns`` metadata) they need.
    """

    warehouse: WarehouseResource

    def _warehouse(self) -> Warehouse:
        return self.warehouse.get()

    @staticmethod
    def _table(asset_key: dg.AssetKey) -> str:
        if len(asset_key.path) != 2:
            raise ValueError(f"asset key {asset_key.to_user_string()} must be [schema, table]")
        return ".".join(asset_key.path)

    @staticmethod
    def _partition_filter(
        context, expr: str | None, frame: pd.DataFrame | None = None, history: bool = False
    ):
        if not context.has_asset_partitions:
            return None, []
        if not expr:
            raise ValueError(
                f"{context.asset_key.to_user_string()}: partitioned assets need partition_expr metadata"
            )
        quoted = f'"{expr}"'
        partitions_def = context.asset_partitions_def
        if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
            window = context.asset_partitions_time_window
            start, end = _naive_utc(window.start), _naive_utc(window.end)
            if history:  # the first day also holds everything dated before it
                start, end = with_history(start, end)
            if frame is not None and len(frame):
                values = pd.to_datetime(frame[expr])
                outside = (values < start) | (values >= end)
                if outside.any():
                    raise ValueError(
                        f"{context.asset_key.to_user_string()}: {int(outside.sum())} rows fall outside "
                        f"the partition window {start:%Y-%m-%d}..{end:%Y-%m-%d} (e.g. {values[outside].iloc[0]})"
                    )
            return f"{quoted} >= ? AND {quoted} < ?", [start, end]
        keys = list(context.asset_partition_keys)
        if frame is not None and len(frame):
            outside = ~frame[expr].isin(keys)
            if outside.any():
                raise ValueError(
                    f"{context.asset_key.to_user_string()}: rows for partitions outside {keys[:5]}: "
                    f"{sorted(frame.loc[outside, expr].astype(str).unique())[:5]}"
                )
        return f"{quoted} IN (SELECT unnest(?))", [keys]

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | None) -> None:
        if obj is None:
            return
        table = self._table(context.asset_key)
        metadata = context.definition_metadata or {}
        obj = validated(context.asset_key, obj, metadata.get(SCHEMA_KEY))
        where, params = self._partition_filter(
            context,
            metadata.get("partition_expr"),
            obj,
            history=bool(metadata.get(HISTORY_BEFORE_START)),
        )
        replaced = self._warehouse().replace(table, obj, where, params)
        context.add_output_metadata(
            {
                "table": table,
                "rows": dg.MetadataValue.int(len(obj)),
                "rows_replaced": dg.MetadataValue.int(replaced),
            }
        )

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        upstream = context.upstream_output
        table = self._table(context.asset_key)
        metadata = (upstream.definition_metadata or {}) if upstream else {}
        where, params = self._partition_filter(
            context,
            metadata.get("partition_expr"),
            history=bool(metadata.get(HISTORY_BEFORE_START)),
        )
        columns = (context.definition_metadata or {}).get("columns")
        frame = self._warehouse().read_table(table, where or "", params, columns=columns)
        if frame is None:
            raise dg.Failure(
                f"table {table} does not exist yet: materialise {context.asset_key.to_user_string()} first"
            )
        return frame


def validated(key: dg.AssetKey, frame: pd.DataFrame, schema: str | None) -> pd.DataFrame:
    """``frame`` validated against the named schema (with its coercions): what is stored."""
    if schema is None:
        return frame
    try:
        return getattr(schemas, schema).validate(frame, lazy=True)
    except pandera_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        raise dg.Failure(
            f"{key.to_user_string()} breaks its schema {schema}: {len(cases)} failure cases",
            metadata={"failure_cases": dg.MetadataValue.md(cases.head(20).to_markdown())},
        ) from None


class CatalogResource(dg.ConfigurableResource):
    """The car catalog (``VINTAGE_AI_CATALOG`` or the shipped one)."""

    path: str | None = None

    def load(self) -> Catalog:
        return load_catalog(self.path)


class InboxResource(dg.ConfigurableResource):
    """The inbox folder that file sources read: ``<data>/inbox/<kind>/``."""

    root: str

    def folder(self, kind: str) -> Path:
        return Path(self.root) / kind

    def spans(self, kind: str) -> FileSpans:
        """What days each file of ``folder(kind)`` holds, kept beside the inbox in ``state/``."""
        return FileSpans.load(Path(self.root).parent / "state" / f"inbox-spans-{kind}.json")


class EmbeddingModelResource(dg.ConfigurableResource):
    """The sentence-transformers model: a name or a local path (the shipped MiniLM by default)."""

    model: str = "all-MiniLM-L6-v2"
    batch_size: int = 64


class MLflowResource(dg.ConfigurableResource):
    """Where training runs are tracked (sqlite store and artifacts under the data directory)."""

    tracking_uri: str
    artifacts: str

    def artifacts_dir(self) -> Path:
        return Path(self.artifacts)


class AlertsResource(dg.ConfigurableResource):
    """The alert rules' set amounts (:class:`vintage_ai_assets.reports.alerts.AlertRules`)
    and where alerts are posted: ``webhook_url`` from ``VINTAGE_AI_ALERT_WEBHOOK`` (a
    ``dg.EnvVar``: a URL may hold a token, so it is never shown), none by default."""

    sentiment_drop: float = 0.25
    theme_growth: float = 0.15
    volume_ratio: float = 3.0
    min_z: float = 6.0
    webhook_url: str | None = None

    def rules(self):
        from vintage_ai_assets.reports.alerts import AlertRules

        return AlertRules(
            sentiment_drop=self.sentiment_drop,
            theme_growth=self.theme_growth,
            volume_ratio=self.volume_ratio,
            min_z=self.min_z,
        )


class RedditResource(dg.ConfigurableResource):
    """Reddit API access through praw (read-only, application-only OAuth).

    Credentials come from the environment (``REDDIT_CLIENT_ID``, ``REDDIT_CLIENT_SECRET``,
    ``REDDIT_USER_AGENT``) as ``dg.EnvVar`` fields, resolved when a run starts, so their
    values are never part of the resource's config, the UI or the event log; without them
    (a resource built by hand) they are read from the environment when the source runs.
    """

    client_id: str | None = None
    client_secret: str | None = None
    user_agent: str | None = None

    oauth_url: str | None = None  # API endpoint override (tests: a fake server on 127.0.0.1)
    reddit_url: str | None = None  # token endpoint override
    max_submissions: int = 2000
    more_comments_per_submission: int = Field(
        default=MORE_PER_SUBMISSION,
        description="How many 'load more comments' stubs to expand per submission, largest "
        "first; each is one API request returning up to about 100 comments. 8 fetches all of "
        "an ordinary thread and some 800 more comments of a big one, while a viral thread "
        "costs at most 9 requests instead of hundreds. 0 expands none (they are counted).",
    )
    more_comments_per_run: int = Field(
        default=MORE_PER_RUN,
        description="How many 'load more comments' stubs to expand in all per run of the "
        "asset (one fetch); 300 requests take about 3 minutes at Reddit's free-tier rate of "
        "100 a minute, so a busy day cannot hold the run for long. What is left is reported "
        "as comments_not_expanded in the materialisation metadata.",
    )
    timeout_seconds: float = 16.0
    retries: int = 3  # on 429 (honouring Retry-After), 5xx, timeouts and malformed JSON
    backoff_seconds: float = 2.0

    def credentials(self) -> RedditCredentials | None:
        if self.client_id and self.client_secret:
            return RedditCredentials(
                self.client_id.strip(),
                self.client_secret.strip(),
                (self.user_agent or "").strip() or DEFAULT_REDDIT_USER_AGENT,
            )
        return RedditCredentials.from_env()

    def client(self):  # -> praw.Reddit
        from vintage_ai_assets.sources.reddit_live import make_reddit

        credentials = self.credentials()
        if credentials is None:
            raise dg.Failure(
                "Reddit live is not configured: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
            )
        return make_reddit(
            credentials,
            oauth_url=self.oauth_url,
            reddit_url=self.reddit_url,
            timeout=self.timeout_seconds,
            retries=self.retries,
            backoff=self.backoff_seconds,
        )


class ForumResource(dg.ConfigurableResource):
    """Owner forums to crawl (XenForo-style), listed in a YAML file (``VINTAGE_AI_FORUMS``).

    The file holds ``sites: [{name, base_url, tags?, threads?}]``; a site without ``tags``
    crawls the catalog's ``forum_tags``. None are configured by default.
    """

    sites_file: str | None = None
    user_agent: str = DEFAULT_FORUM_USER_AGENT
    delay_seconds: float = 2.0
    timeout_seconds: float = 20.0
    max_retries: int = 4
    backoff_seconds: float = 2.0
    max_pages: int = 200

    @property
    def configured(self) -> bool:
        return bool(self.sites_file)

    def sites(self, catalog: Catalog) -> list[ForumSite]:
        """The configured sites; raises ``dg.Failure`` with the reason for a bad file."""
        path = Path(self.sites_file or "")
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            entries = document["sites"]
            default_tags = tuple(sorted({t for car in catalog.cars for t in car.forum_tags}))
            return [
                ForumSite(
                    name=str(entry["name"]),
                    base_url=str(entry["base_url"]),
                    tags=tuple(str(t) for t in entry.get("tags", default_tags)),
                    threads=tuple(str(t) for t in entry.get("threads", ())),
                )
                for entry in entries
            ]
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise dg.Failure(f"forum sites file {path}: {type(exc).__name__}: {exc}") from None

    def session(self) -> PoliteSession:
        return PoliteSession(
            user_agent=self.user_agent,
            delay_seconds=self.delay_seconds,
            timeout_seconds=self.timeout_seconds,
            max_retries=self.max_retries,
            backoff_seconds=self.backoff_seconds,
        )


def _secret(name: str) -> dg.EnvVar | None:
    """A secret as ``dg.EnvVar`` (read when a run starts, never shown) when it is set."""
    return dg.EnvVar(name) if os.environ.get(name, "").strip() else None


def build_resources(config: Settings | None = None) -> dict[str, object]:
    """The resources of the platform's settings (the process's, by default)."""
    config = config or settings.current()
    paths = config.paths
    warehouse = WarehouseResource(database=str(paths.warehouse))
    return {
        "warehouse": warehouse,
        "warehouse_io": WarehouseIOManager(warehouse=warehouse),
        "inbox": InboxResource(root=str(paths.inbox)),
        "catalog": CatalogResource(path=str(config.catalog) if config.catalog else None),
        "embedding_model": EmbeddingModelResource(model=config.embedding_model),
        "mlflow_store": MLflowResource(
            tracking_uri=paths.mlflow_tracking_uri, artifacts=str(paths.mlflow_artifacts)
        ),
        "reddit": RedditResource(
            client_id=_secret("REDDIT_CLIENT_ID"),
            client_secret=_secret("REDDIT_CLIENT_SECRET"),
            user_agent=_secret("REDDIT_USER_AGENT"),
        ),
        "alerts": AlertsResource(webhook_url=_secret("VINTAGE_AI_ALERT_WEBHOOK")),
        "forums": ForumResource(
            sites_file=str(config.forums_file) if config.forums_file else None,
            user_agent=crawler_user_agent(config.contact),
        ),
    }
