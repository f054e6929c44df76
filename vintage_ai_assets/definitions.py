"""The Dagster definitions of Vintage AI: everything in the ``defs`` folder, by domain, with
the resources of one data directory.

``defs/`` holds one folder per domain (ingest, clean, nlp, series, forecasting, valuation,
reports) and ``platform`` (resources, partitions, the warehouse asset factory, jobs,
schedules, freshness). Dagster loads every module there (``dg.load_from_defs_folder``; the
project is described by ``[tool.dg]`` in pyproject.toml, and by ``dg.toml`` beside this
file where the package is installed without its pyproject.toml).

Importing this module reads no setting and loads nothing: Dagster calls :func:`defs` (the
``@dg.definitions`` entry point named in ``[tool.dagster]``) when it loads the code
location; code that wants the objects calls :func:`build_definitions`.
"""

import functools
from pathlib import Path

import dagster as dg

from vintage_ai_assets import settings
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.settings import Settings


def build_definitions(config: Settings | None = None) -> dg.Definitions:
    """All assets, checks, jobs, schedules and sensors, with the resources of ``config``
    (the process's settings by default)."""
    from vintage_ai_assets.defs.platform.progress_printer import progress_logger
    from vintage_ai_assets.defs.platform.resources import build_resources

    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(
            resources=build_resources(config),
            # Every asset is in the one-slot "warehouse" pool, so steps never run in
            # parallel: a launched run executes its steps in its own process instead of
            # starting a process (and importing the platform) per step.
            executor=dg.in_process_executor,
            # Runs launched from the UI log to Dagster's console logger as ever; the CLI's
            # runs choose "progress" (one line per step) in their run config.
            loggers={"console": dg.colored_console_logger, "progress": progress_logger},
        ),
    )


@functools.cache
def definitions_for(data_dir: str) -> dg.Definitions:
    """The definitions of one data directory (the process's other settings), built once."""
    return build_definitions(settings.current().but(data_dir=Path(data_dir)))


def job_for(job_name: str, data_dir: str) -> dg.JobDefinition:
    """One job of a data directory's definitions (what :func:`reconstructable_job` rebuilds)."""
    return definitions_for(data_dir).resolve_job_def(job_name)


def reconstructable_job(job_name: str, paths: DataPaths):
    """A job Dagster can rebuild from its name and data directory, for ``dg.execute_job``."""
    return dg.build_reconstructable_job(
        __name__, job_for.__name__, reconstructable_args=(job_name, str(paths.root))
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location Dagster loads (webserver, daemon, runs, ``dg``): the definitions
    with the process's settings."""
    return build_definitions()
