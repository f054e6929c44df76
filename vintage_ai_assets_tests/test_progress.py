"""Progress lines: their wording, how often they come, and the log file the CLI keeps."""

import subprocess
import sys
import warnings

import pytest

from vintage_ai_assets.progress import PREFIX, Progress, duration, progress_line


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (42.4, "42s"), (59.6, "1m00s"), (185, "3m05s"), (3720, "1h02m")],
)
def test_durations_read_as_people_write_them(seconds, text):
    assert duration(seconds) == text


def test_a_progress_line_gives_done_total_rate_and_time_left():
    assert progress_line("embedding", 4_000, 76_630, "texts", 4.0) == (
        "embedding 4,000/76,630 texts · 1,000/s · ~1m13s left"
    )
    # Slow work keeps a decimal; finished work has no time left; nothing before a second.
    assert (
        progress_line("fitting", 3, 40, "cars", 10.0) == "fitting 3/40 cars · 0.3/s · ~2m03s left"
    )
    assert progress_line("fitting", 40, 40, "cars", 80.0) == "fitting 40/40 cars · 0.5/s"
    assert progress_line("fitting", 1, 40, "cars", 0.2) == "fitting 1/40 cars"


def test_progress_reports_at_most_every_interval_and_once_at_the_end():
    lines: list[str] = []
    progress = Progress("fitting", 5, "cars", lines.append, every=3600)
    for _ in range(5):
        progress.advance()
    assert lines == [PREFIX + "fitting 5/5 cars"]
    every_time: list[str] = []
    progress = Progress("drawing", 3, "cars", every_time.append, every=0)
    for _ in range(3):
        progress.advance()
    assert [line.split(" · ")[0] for line in every_time] == [
        PREFIX + "drawing 1/3 cars",
        PREFIX + "drawing 2/3 cars",
        PREFIX + "drawing 3/3 cars",
    ]


def test_the_cli_sends_library_warnings_and_logs_to_the_log_file(tmp_path):
    script = f"""
import logging, warnings
from pathlib import Path
from vintage_ai_assets.log_file import send_library_output_to
send_library_output_to(Path({str(tmp_path / "logs" / "run.log")!r}))
warnings.warn("a library's advice", UserWarning)
logging.getLogger("mlflow.pyfunc").warning("a library's log line")
logging.getLogger("sqlalchemy.engine").info("SELECT 1")
print("progress only")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "progress only\n"
    assert done.stderr == ""
    log = (tmp_path / "logs" / "run.log").read_text()
    assert "a library's advice" in log and "a library's log line" in log
    assert "SELECT 1" not in log  # query logging stays off


def test_progress_handler_prints_step_lines_from_dagster_events(tmp_path, capsys):
    import dagster as dg

    from vintage_ai_assets.defs.platform.progress_printer import progress_logger

    @dg.asset(
        partitions_def=dg.StaticPartitionsDefinition(["a", "b", "c"]),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def letters(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        context.log.info(PREFIX + "counting 3/3 letters")
        context.log.warning("one letter was odd")
        return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.int(7)})

    @dg.asset_check(asset=letters)
    def letters_are_few() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False)

    job = dg.define_asset_job(
        "letters_job", selection=[letters], partitions_def=letters.partitions_def
    )
    defs = dg.Definitions(
        assets=[letters],
        asset_checks=[letters_are_few],
        jobs=[job],
        loggers={"progress": progress_logger},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = defs.resolve_job_def("letters_job").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            tags={
                "dagster/asset_partition_range_start": "a",
                "dagster/asset_partition_range_end": "c",
            },
            run_config={
                "loggers": {
                    "progress": {"config": {"steps": 1, "partitions": 3, "unit": "letters"}}
                }
            },
            raise_on_error=False,
        )
    out = capsys.readouterr().out.splitlines()
    assert "        letters  counting 3/3 letters" in out
    assert "      ! letters: one letter was odd" in out
    assert "      ! check failed: letters letters_are_few" in out
    step_lines = [line for line in out if line.startswith("[")]
    assert len(step_lines) == 1
    assert step_lines[0].startswith("[1/1] letters · 3/3 letters · 7 rows")
    assert result.run_id
