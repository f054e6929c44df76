"""The CLI's terminal view of a run: one line per asset step, progress inside long steps,
warnings and failures — nothing else (the full log stays in the Dagster instance).

A Dagster logger (``progress``) that the ``vintage-ai`` command configures for its runs;
runs launched from the UI keep Dagster's console logger. Lines look like::

    [10/12] nlp/text_embeddings · 549/549 days · 75,571 rows · 1,843 rows/s · 41s
            nlp/text_embeddings  embedded 40,000/75,571 texts · 1,150/s · ~31s left
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field

import dagster as dg

from vintage_ai_assets.progress import PREFIX, duration


@dataclass
class StepState:
    """What one step has done so far."""

    started: float
    partitions: set[str] = field(default_factory=set)
    assets: list[str] = field(default_factory=list)
    rows: int = 0


class ProgressHandler(logging.Handler):
    """Turns a run's log records (and the Dagster events they carry) into terminal lines."""

    def __init__(self, steps: int, partitions: int, unit: str, stream=None) -> None:
        super().__init__(logging.DEBUG)
        self.steps, self.partitions, self.unit = steps, partitions, unit
        self.stream = stream or sys.stdout
        self.running: dict[str, StepState] = {}
        self.done = 0

    def say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.handle_record(record)
        except Exception:  # a display problem never fails a run
            self.handleError(record)

    def handle_record(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        if event is None:
            if message.startswith(PREFIX):
                self.say(f"        {self.name_of(step)}  {message[len(PREFIX) :]}")
            elif record.levelno >= logging.WARNING:
                self.say(f"      ! {self.name_of(step)}: {message}")
            return
        if event.is_step_start:
            self.running[step] = StepState(started=time.monotonic())
        elif event.is_step_materialization:
            self.materialized(step, event)
        elif event.is_step_success:
            self.finished(step)
        elif event.is_step_failure:
            self.running.pop(step, None)
            self.say(f"      ✗ {step} failed")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed:
                name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                self.say(f"      ! check failed: {name}")

    def materialized(self, step: str, event: dg.DagsterEvent) -> None:
        state = self.running.get(step)
        if state is None:
            return
        if event.partition:
            state.partitions.add(event.partition)
        name = event.asset_key.to_user_string() if event.asset_key else step
        if name not in state.assets:
            state.assets.append(name)
            rows = event.materialization.metadata.get("rows")
            state.rows += int(getattr(rows, "value", 0) or 0)

    def finished(self, step: str) -> None:
        state = self.running.pop(step, None)
        if state is None or not state.assets:
            return  # an asset check's step: failures are reported as they happen
        self.done += 1
        elapsed = time.monotonic() - state.started
        parts = [", ".join(state.assets)]
        if state.partitions:
            parts.append(f"{len(state.partitions):,}/{self.partitions:,} {self.unit}")
        parts.append(f"{state.rows:,} rows")
        if elapsed >= 1 and state.rows:
            parts.append(f"{state.rows / elapsed:,.0f} rows/s")
        parts.append(duration(elapsed))
        width = len(str(self.steps))
        self.say(f"[{self.done:>{width}}/{self.steps}] " + " · ".join(parts))

    @staticmethod
    def name_of(step: str) -> str:
        return step.replace("__", "/")


@dg.logger(
    config_schema={
        "steps": dg.Field(int, default_value=0, description="asset steps in the run"),
        "partitions": dg.Field(int, default_value=0, description="partitions in the run"),
        "unit": dg.Field(str, default_value="partitions", description="what a partition is"),
    },
    description="One line per asset step, progress of long steps, warnings (the CLI's view).",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger("vintage_ai.progress", level=logging.DEBUG)
    logger.addHandler(ProgressHandler(config["steps"], config["partitions"], config["unit"]))
    return logger
