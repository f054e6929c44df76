"""Every setting of the platform in one frozen object, read from the environment once.

:func:`current` is the process's settings: read from the environment the first time it is
asked for (never when a module is imported), then kept. The CLI, Dagster's code server and
notebooks all start that way; tests and tools that work on another data directory call
:func:`use` with settings they built (``Settings.for_directory(tmp_path)``) instead of
editing ``os.environ``. Secrets (the Reddit credentials) are not settings: the Reddit
resource reads them through ``dg.EnvVar`` when a run starts.

=================================  ==========================================================
``VINTAGE_AI_DATA_DIR``            the data directory (default ``./data``): inbox, warehouse,
                                   MLflow store, Dagster home, models, reports
``VINTAGE_AI_START_DATE``          first day partition (else the one recorded in
                                   ``<data>/settings.json``, else 2025-05-01)
``VINTAGE_AI_CATALOG``             the car catalog file (else the shipped one)
``VINTAGE_AI_EMBEDDING_MODEL``     sentence-transformers model name or path
``VINTAGE_AI_EMBEDDING_BACKEND``   ``onnx-int8`` (default) or ``torch``
``VINTAGE_AI_EMBEDDING_THREADS``   texts embedded at once by the ONNX backend
``VINTAGE_AI_MODEL_CACHE``         where ONNX exports are cached (``<data>/models``)
``VINTAGE_AI_WORKERS``             worker processes for per-car fits and plots
``VINTAGE_AI_RUN_INBOX_MB``        inbox text one backfill run may read (128)
``VINTAGE_AI_BACKFILL_DAYS``       days one run of a backfill launched from the UI covers
                                   at most (92): bounds its memory as the CLI's are
``VINTAGE_AI_FORUMS``              YAML list of owner forums to crawl
``VINTAGE_AI_AUTHOR_KEY``          key of the author pseudonymisation hash
                                   (else ``<data>/.author_key``)
``VINTAGE_AI_CONTACT``             how site operators reach you (e-mail or URL), sent
                                   in the crawler's User-Agent
=================================  ==========================================================
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from vintage_ai_assets.paths import DataPaths

DEFAULT_START_DATE = date(2025, 5, 1)
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BACKEND = "onnx-int8"
BACKENDS = ("onnx-int8", "torch")
DEFAULT_RUN_INBOX_MB = 128.0
#: A quarter: at a million mentions in 18 months (~2,000 a day) a run holds ~180,000.
DEFAULT_BACKFILL_DAYS = 92


class SettingsError(ValueError):
    """A setting that cannot be used, named with its variable."""


def _positive_int(environ: Mapping[str, str], name: str) -> int | None:
    text = environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {value}")
    return value


def _path(environ: Mapping[str, str], name: str) -> Path | None:
    text = environ.get(name, "").strip()
    return Path(text).expanduser() if text else None


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SettingsError(f"{name} must be YYYY-MM-DD, got {text!r}") from None


@dataclass(frozen=True)
class Settings:
    """The platform's settings (see the module docstring for each variable)."""

    data_dir: Path
    start_date: date | None = None  # None: as recorded in the data directory, else default
    catalog: Path | None = None
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = DEFAULT_BACKEND
    embedding_threads: int | None = None
    model_cache: Path | None = None
    workers: int | None = None
    run_inbox_mb: float = DEFAULT_RUN_INBOX_MB
    backfill_days: int = DEFAULT_BACKFILL_DAYS
    forums_file: Path | None = None
    author_key: str | None = field(default=None, repr=False)
    contact: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser().resolve())
        if self.embedding_backend not in BACKENDS:
            raise SettingsError(
                f"VINTAGE_AI_EMBEDDING_BACKEND must be one of {BACKENDS}, "
                f"not {self.embedding_backend!r}"
            )
        if not self.run_inbox_mb > 0:  # also NaN
            raise SettingsError(
                "VINTAGE_AI_RUN_INBOX_MB must be a positive number of megabytes, "
                f"not {self.run_inbox_mb!r}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives (``os.environ`` by default), checked."""
        env = os.environ if environ is None else environ
        start = env.get("VINTAGE_AI_START_DATE", "").strip()
        run_mb = env.get("VINTAGE_AI_RUN_INBOX_MB", "").strip()
        try:
            run_inbox_mb = float(run_mb) if run_mb else DEFAULT_RUN_INBOX_MB
        except ValueError:
            raise SettingsError(
                f"VINTAGE_AI_RUN_INBOX_MB must be a positive number of megabytes, not {run_mb!r}"
            ) from None
        return cls(
            data_dir=Path(env.get("VINTAGE_AI_DATA_DIR", "").strip() or "data"),
            start_date=_day(start, "VINTAGE_AI_START_DATE") if start else None,
            catalog=_path(env, "VINTAGE_AI_CATALOG"),
            embedding_model=env.get("VINTAGE_AI_EMBEDDING_MODEL", "").strip() or DEFAULT_MODEL,
            embedding_backend=(
                env.get("VINTAGE_AI_EMBEDDING_BACKEND", "").strip().lower() or DEFAULT_BACKEND
            ),
            embedding_threads=_positive_int(env, "VINTAGE_AI_EMBEDDING_THREADS"),
            model_cache=_path(env, "VINTAGE_AI_MODEL_CACHE"),
            workers=_positive_int(env, "VINTAGE_AI_WORKERS"),
            run_inbox_mb=run_inbox_mb,
            backfill_days=_positive_int(env, "VINTAGE_AI_BACKFILL_DAYS") or DEFAULT_BACKFILL_DAYS,
            forums_file=_path(env, "VINTAGE_AI_FORUMS"),
            author_key=env.get("VINTAGE_AI_AUTHOR_KEY", "").strip() or None,
            contact=env.get("VINTAGE_AI_CONTACT", "").strip() or None,
        )

    @classmethod
    def for_directory(cls, data_dir: Path | str, **values) -> Settings:
        """Settings for another data directory (defaults for everything not given)."""
        return cls(data_dir=Path(data_dir), **values)

    def but(self, **values) -> Settings:
        """A copy with ``values`` changed."""
        return replace(self, **values)

    @property
    def paths(self) -> DataPaths:
        """Where everything lives under the data directory."""
        return DataPaths(self.data_dir)

    @property
    def first_day(self) -> date:
        """The first day partition: the setting, else the data directory's recorded one,
        else 2025-05-01 (the start of the reference demo)."""
        if self.start_date is not None:
            return self.start_date
        recorded = self.paths.recorded_settings().get("start_date")
        if recorded:
            return _day(recorded, f"start_date in {self.paths.settings_file}")
        return DEFAULT_START_DATE

    @property
    def model_cache_dir(self) -> Path:
        """Where ONNX exports are cached."""
        return (self.model_cache or self.data_dir / "models").expanduser().resolve()

    @property
    def run_inbox_bytes(self) -> int:
        """The inbox text one backfill run may read, in bytes."""
        return int(self.run_inbox_mb * 1024 * 1024)


_current: Settings | None = None


def current() -> Settings:
    """The process's settings: read from the environment when first asked for."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def use(settings: Settings | None) -> None:
    """Make ``settings`` the process's settings (None: read the environment again)."""
    global _current
    _current = settings


@contextlib.contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """``settings`` for the duration of a ``with`` block, then the previous ones again."""
    previous = _current
    use(settings)
    try:
        yield settings
    finally:
        use(previous)
