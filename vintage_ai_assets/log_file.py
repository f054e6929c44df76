"""Where the libraries' own messages go while the CLI runs: a log file, not the terminal.

The terminal shows the platform's progress lines (see ``defs/platform/progress_printer``);
Python warnings (Dagster's preview and beta notices, MLflow's advice on model logging,
scikit-learn's) and the log records of MLflow, Dagster's framework loggers and the rest are
appended to ``<data>/logs/vintage-ai.log``, where they can still be read.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def send_library_output_to(path: Path) -> Path:
    """Route warnings and library log records to ``path`` (created with its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # MLflow would otherwise give its loggers a handler of their own on stderr.
    os.environ.setdefault("MLFLOW_CONFIGURE_LOGGING", "false")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, logging.StreamHandler) and not isinstance(
            existing, logging.FileHandler
        ):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for chatty in ("sqlalchemy", "alembic", "urllib3", "filelock"):
        logging.getLogger(chatty).setLevel(logging.WARNING)  # INFO would log every query
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    return path
