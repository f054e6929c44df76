"""The definitions in a real ``dagster-webserver`` (127.0.0.1, free port, temporary Dagster
home), checked over its GraphQL API; the freshness policies as a real ``dagster-daemon``
evaluates them (read back over GraphQL); and a headless Chromium screenshot of the lineage.

The screenshots are kept in ``$VINTAGE_AI_SCREENSHOT_DIR`` (default ``data/ci/`` in the
repository, which git ignores): ``lineage.png`` (the global asset lineage, by group) and
``lineage-forecasts.png`` (every asset upstream of the forecasts). Without Chromium on PATH
the screenshot test skips; ``.ci/run`` installs Debian's ``chromium``.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import dagster as dg
import pytest
import yaml

from vintage_ai_assets.cli import install_instance_settings
from vintage_ai_assets_tests.processes import free_port, stop_group

REPO = Path(__file__).resolve().parents[1]
START_SECONDS = 240  # the code location imports the whole platform; generous on a busy machine
SHOT_DIR = Path(os.environ.get("VINTAGE_AI_SCREENSHOT_DIR", REPO / "data" / "ci"))


def graphql(url: str, query: str, timeout: float = 60) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


LOCATION = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _location_loaded(url: str) -> bool:
    try:
        entries = graphql(url, LOCATION, timeout=10)["workspaceOrError"]["locationEntries"]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
    [entry] = entries
    if entry["loadStatus"] != "LOADED":
        return False
    loaded = entry["locationOrLoadError"]
    assert loaded["__typename"] == "RepositoryLocation", loaded.get("message")
    return True


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    root = tmp_path_factory.mktemp("webserver")
    home = root / "dagster_home"
    home.mkdir()
    settings = yaml.safe_load(install_instance_settings(home).read_text())
    # The daemon started by the freshness test would launch the sensors' runs: none here.
    settings["concurrency"]["runs"]["max_concurrent_runs"] = 0
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "VINTAGE_AI_DATA_DIR": str(root / "data"),
        "PYTHONWARNINGS": "ignore",
    }
    log = (root / "webserver.log").open("w")
    binary = Path(sys.executable).parent / "dagster-webserver"
    proc = subprocess.Popen(
        [str(binary), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
        + ["--suppress-warnings"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the code server goes with it
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _location_loaded(url):
            tail = (root / "webserver.log").read_text()[-2000:]
            assert proc.poll() is None, f"dagster-webserver exited: {tail}"
            assert time.monotonic() < deadline, f"not up within {START_SECONDS}s: {tail}"
            time.sleep(1)
        yield url, env
    finally:
        stop_group(proc)
        log.close()


REPOSITORY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  name jobs { name } schedules { name } sensors { name }
  assetNodes { assetKey { path } pools
    internalFreshnessPolicy { __typename }
    assetChecksOrError { ... on AssetChecks { checks { name } } } } } } } }"""


def test_every_asset_check_schedule_and_sensor_is_served(webserver):
    from vintage_ai_assets.definitions import build_definitions

    defs = build_definitions()

    webserver, _ = webserver
    [repository] = graphql(webserver, REPOSITORY)["repositoriesOrError"]["nodes"]
    graph = defs.resolve_asset_graph()
    nodes = {dg.AssetKey(n["assetKey"]["path"]): n for n in repository["assetNodes"]}
    assert set(nodes) == set(graph.get_all_asset_keys())
    served_checks = {
        dg.AssetCheckKey(key, check["name"])
        for key, node in nodes.items()
        for check in node["assetChecksOrError"]["checks"]
    }
    assert served_checks == set(graph.asset_check_keys)
    assert {s["name"] for s in repository["schedules"]} == {s.name for s in defs.schedules}
    assert {s["name"] for s in repository["sensors"]} == {s.name for s in defs.sensors}
    assert {"daily_refresh", "per_car_refresh", "catalog_refresh"} <= {
        j["name"] for j in repository["jobs"]
    }
    # Every asset is in the warehouse pool; the user-facing layers carry freshness policies.
    assert all(node["pools"] == ["warehouse"] for node in nodes.values())
    with_policy = {k for k, n in nodes.items() if n["internalFreshnessPolicy"]}
    assert with_policy == {k for k in graph.get_all_asset_keys() if graph.get(k).freshness_policy}
    assert dg.AssetKey(["forecasts", "car_forecasts"]) in with_policy


FRESHNESS = """{ assetNodes(assetKeys: [%s]) { assetKey { path }
  freshnessStatusInfo { freshnessStatus } } }"""
FRESHNESS_SECONDS = 180  # the daemon loads the code location, then evaluates every second


def _freshness(url: str, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, str | None]:
    asked = ", ".join("{path: " + json.dumps(list(key.path)) + "}" for key in keys)
    nodes = graphql(url, FRESHNESS % asked)["assetNodes"]
    return {
        dg.AssetKey(n["assetKey"]["path"]): (n["freshnessStatusInfo"] or {}).get("freshnessStatus")
        for n in nodes
    }


def test_the_daemon_evaluates_the_freshness_policies(webserver, tmp_path):
    """A real ``dagster-daemon`` over the same instance: a layer just materialised passes its
    policy, one never materialised is unknown, an asset without a policy has no status."""
    url, env = webserver
    mentions = dg.AssetKey(["clean", "mentions"])
    forecasts = dg.AssetKey(["forecasts", "car_forecasts"])
    raw = dg.AssetKey(["raw", "reddit_archive"])
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=mentions, partition="2025-11-20")
        )
    assert _freshness(url, [mentions])[mentions] == "UNKNOWN"  # nothing evaluated yet
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        cwd=REPO,
        env={**env, "FRESHNESS_DAEMON_INTERVAL_SECONDS": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + FRESHNESS_SECONDS
        states = _freshness(url, [mentions, forecasts, raw])
        while states[mentions] != "HEALTHY":
            tail = (tmp_path / "daemon.log").read_text()[-2000:]
            assert daemon.poll() is None, f"dagster-daemon exited: {tail}"
            assert time.monotonic() < deadline, f"{states} after {FRESHNESS_SECONDS}s: {tail}"
            time.sleep(2)
            states = _freshness(url, [mentions, forecasts, raw])
    finally:
        stop_group(daemon)
        log.close()
    assert states[forecasts] == "UNKNOWN"  # has a policy, never materialised
    assert states[raw] is None  # no policy on the raw layer


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(url: str, png: Path, profile: Path) -> str:
    """A headless Chromium screenshot of ``url``; returns the rendered DOM."""
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=1600,1000",
            "--virtual-time-budget=20000",
            f"--screenshot={png}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert png.exists(), done.stderr[-2000:]
    return done.stdout


def _image_stats(png: Path) -> tuple[tuple[int, int], int, float]:
    """Size, distinct colours, and the share of dark pixels (lines, boxes, text) in the
    graph pane (right of the navigation and the asset tree, below the header)."""
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        pane = rgb.crop((int(width * 0.36), int(height * 0.12), width - 80, height)).convert("L")
        histogram = pane.histogram()
        dark = sum(histogram[:200]) / (pane.size[0] * pane.size[1])
        return rgb.size, len(rgb.getcolors(maxcolors=1 << 24)), dark


def _graph_part(dom: str) -> str:
    """The rendered page from the lineage graph's SVG on (the asset tree comes before it)."""
    found = re.search(r'<svg class="[^"]*Graph[^"]*"', dom, re.IGNORECASE)
    assert found, "no lineage graph in the rendered page"
    return dom[found.start() :]


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (.ci/run installs it)")
def test_lineage_page_screenshot_shows_the_graph(webserver, tmp_path):
    webserver, _ = webserver
    # The UI greets a new instance with a sign-up dialog; mark it seen, as a user would.
    assert graphql(webserver, "mutation { setNuxSeen }")["setNuxSeen"] is True
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    pages = {
        # The global asset lineage: one box per group (layer) and the edges between them.
        "lineage.png": (
            "/asset-groups",
            ["catalog", "raw", "clean", "nlp", "series", "models", "forecasts"],
        ),
        # Every asset upstream of the forecasts, asset by asset.
        "lineage-forecasts.png": (
            "/assets/forecasts/car_forecasts?view=lineage&lineageScope=upstream&lineageDepth=10",
            ["reddit_archive", "mentions", "mention_sentiment", "car_daily", "attention_models"],
        ),
    }
    for name, (path, names) in pages.items():
        png = tmp_path / name
        dom = _screenshot(f"{webserver}{path}", png, tmp_path / "chromium-profile")
        size, colours, dark = _image_stats(png)
        assert size == (1600, 1000)
        assert colours > 300, f"{name} looks blank ({colours} colours)"
        assert dark > 0.0005, f"{name}: nothing drawn in the graph pane ({dark:.2%} dark)"
        graph = _graph_part(dom)
        missing = [n for n in names if f">{n}<" not in graph]
        assert not missing, f"{name}: the graph lacks {missing}"
        assert graph.count("<foreignObject") >= len(names)  # one node per box drawn
        assert "Join the Dagster community" not in dom
        shutil.copy(png, SHOT_DIR / name)
        print(f"screenshot: {SHOT_DIR / name} ({colours} colours)")
