"""The settings object: read from the environment once, checked, frozen; built by hand for
another data directory."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from vintage_ai_assets import settings
from vintage_ai_assets.settings import Settings, SettingsError


def test_every_setting_is_read_from_the_environment(tmp_path):
    config = Settings.from_env(
        {
            "VINTAGE_AI_DATA_DIR": str(tmp_path / "d"),
            "VINTAGE_AI_START_DATE": "2019-10-01",
            "VINTAGE_AI_CATALOG": str(tmp_path / "cars.yaml"),
            "VINTAGE_AI_EMBEDDING_MODEL": "/models/mini",
            "VINTAGE_AI_EMBEDDING_BACKEND": " TORCH ",
            "VINTAGE_AI_EMBEDDING_THREADS": "3",
            "VINTAGE_AI_MODEL_CACHE": str(tmp_path / "cache"),
            "VINTAGE_AI_WORKERS": "2",
            "VINTAGE_AI_RUN_INBOX_MB": "64.5",
            "VINTAGE_AI_BACKFILL_DAYS": "31",
            "VINTAGE_AI_FORUMS": str(tmp_path / "forums.yaml"),
            "VINTAGE_AI_AUTHOR_KEY": "s3cret-key",
            "VINTAGE_AI_CONTACT": "ops@example.org",
        }
    )
    assert config.data_dir == (tmp_path / "d").resolve() and config.paths.root == config.data_dir
    assert config.first_day == date(2019, 10, 1)
    assert config.catalog == tmp_path / "cars.yaml"
    assert (config.embedding_model, config.embedding_backend) == ("/models/mini", "torch")
    assert (config.embedding_threads, config.workers) == (3, 2)
    assert config.model_cache_dir == (tmp_path / "cache").resolve()
    assert config.run_inbox_bytes == int(64.5 * 1024 * 1024) and config.backfill_days == 31
    assert config.forums_file == tmp_path / "forums.yaml" and config.author_key == "s3cret-key"
    assert "s3cret" not in repr(config)  # the author key is not shown
    assert config.contact == "ops@example.org"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.workers = 5  # type: ignore[misc]


def test_defaults_and_the_recorded_first_day(tmp_path):
    config = Settings.from_env({"VINTAGE_AI_DATA_DIR": str(tmp_path)})
    assert config.first_day == date(2025, 5, 1)
    assert config.embedding_backend == "onnx-int8" and config.run_inbox_mb == 128
    assert config.backfill_days == 92
    assert config.model_cache_dir == tmp_path.resolve() / "models"
    config.paths.record_settings(start_date="2025-06-03")  # as `vintage-ai demo` does
    assert config.first_day == date(2025, 6, 3)
    assert config.but(start_date=date(2024, 1, 1)).first_day == date(2024, 1, 1)  # set wins
    assert Settings.for_directory(tmp_path / "x", workers=1).workers == 1


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VINTAGE_AI_START_DATE", "01/10/2019", "must be YYYY-MM-DD"),
        ("VINTAGE_AI_EMBEDDING_THREADS", "many", "must be a whole number"),
        ("VINTAGE_AI_WORKERS", "0", "must be at least 1"),
        ("VINTAGE_AI_BACKFILL_DAYS", "a quarter", "must be a whole number"),
        ("VINTAGE_AI_RUN_INBOX_MB", "-1", "must be a positive number of megabytes"),
        ("VINTAGE_AI_EMBEDDING_BACKEND", "tensorflow", "must be one of"),
    ],
)
def test_a_bad_setting_is_named_in_one_clear_error(name, value, message):
    with pytest.raises(SettingsError, match=f"{name} {message}"):
        Settings.from_env({name: value})


def test_the_process_settings_are_read_once_and_can_be_replaced(tmp_path, monkeypatch):
    first = settings.current()
    monkeypatch.setenv("VINTAGE_AI_WORKERS", "7")
    assert settings.current() is first  # read once: a later change of the environment is ignored
    with settings.using(first.but(data_dir=tmp_path)) as other:
        assert settings.current() is other and settings.current().data_dir == tmp_path.resolve()
    assert settings.current() is first
    settings.use(None)  # read again
    assert settings.current().workers == 7


def test_the_settings_are_read_in_one_place():
    """No module but ``settings.py`` reads a ``VINTAGE_AI_*`` variable (the CLI's
    ``VINTAGE_AI_DEBUG`` aside: it decides how errors are shown, before any setting)."""
    root = Path(settings.__file__).parent
    offenders = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if 'os.environ.get("VINTAGE_AI' in path.read_text().replace('"VINTAGE_AI_DEBUG"', "")
        and path.name != "settings.py"
    ]
    assert offenders == []


def test_importing_the_definitions_reads_no_setting():
    """Import the code location's module with a bad setting in the environment: nothing is
    read (no error) and no defs module is loaded until Dagster asks for the definitions."""
    probe = (
        "import sys, vintage_ai_assets.definitions as d; "
        "print(d.settings._current is None, "
        "any(m.startswith('vintage_ai_assets.defs') for m in sys.modules))"
    )
    env = {**os.environ, "VINTAGE_AI_WORKERS": "none", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False"]
    with pytest.raises(SettingsError, match="VINTAGE_AI_WORKERS must be a whole number"):
        Settings.from_env({"VINTAGE_AI_WORKERS": "none"})


def test_reddit_secrets_reach_the_resource_as_env_vars(tmp_path, monkeypatch):
    """Set in the environment, the Reddit credentials become ``dg.EnvVar`` fields: resolved
    when the resource is built for a run, shown nowhere in its config."""
    import dagster as dg

    from vintage_ai_assets.defs.platform.resources import build_resources

    monkeypatch.setenv("REDDIT_CLIENT_ID", "client-id-1234")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "very-secret")
    reddit = build_resources(Settings.for_directory(tmp_path))["reddit"]
    assert isinstance(reddit.client_secret, dg.EnvVar)
    with dg.build_resources({"reddit": reddit}) as built:
        credentials = built.reddit.credentials()
    assert (credentials.client_id, credentials.client_secret) == ("client-id-1234", "very-secret")
    assert "very-secret" not in repr(credentials)
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    assert build_resources(Settings.for_directory(tmp_path))["reddit"].client_secret is None


def test_backfills_from_the_ui_run_a_bounded_number_of_days_per_run(tmp_path):
    """The day assets' backfill policy: runs of at most ``VINTAGE_AI_BACKFILL_DAYS`` days
    (the daemon cuts a UI backfill so); the car assets: every car in one run."""
    script = """
import dagster as dg
from vintage_ai_assets.definitions import build_definitions
graph = build_definitions().resolve_asset_graph()
for key in sorted(graph.get_all_asset_keys()):
    node = graph.get(key)
    if node.partitions_def is not None:
        policy = node.backfill_policy
        print(key.to_user_string(), policy.policy_type.value, policy.max_partitions_per_run)
"""
    env = {**os.environ, "VINTAGE_AI_DATA_DIR": str(tmp_path), "VINTAGE_AI_BACKFILL_DAYS": "31"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    policies = dict(
        (line.split(" ", 1)[0], line.split(" ", 1)[1]) for line in done.stdout.splitlines()
    )
    assert policies["clean/mentions"] == "MULTI_RUN 31"
    assert policies["raw/reddit_archive"] == "MULTI_RUN 31"
    assert policies["reports/car_reports"] == "SINGLE_RUN None"
    days = [k for k, v in policies.items() if v.startswith("MULTI_RUN")]
    assert len(days) == 13 and all(policies[k] == "MULTI_RUN 31" for k in days)
