"""The insights app (``vintage_ai_assets/serving/app.py``) on the demo platform: each page
under Streamlit's ``AppTest`` (the board, a car page, the price form, no snapshot yet), and
``vintage-ai app`` as a real server, screenshotted by headless Chromium.

The screenshots are kept in ``$VINTAGE_AI_SCREENSHOT_DIR`` (default ``data/ci/``, as the
lineage's): ``app-board.png`` and ``app-car.png``. Streamlit draws a page over a websocket,
which Chromium's virtual time does not wait for: Chromium is driven over its DevTools
protocol instead, and the screenshot taken once the page shows the car and its charts.
Without Chromium on PATH the screenshot test skips.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from vintage_ai_assets import settings
from vintage_ai_assets.demo.generator import FAULT_CAR
from vintage_ai_assets.serving import app_data as ad
from vintage_ai_assets.serving import read_model as rm
from vintage_ai_assets_tests.demo_platform import CARS, environment
from vintage_ai_assets_tests.processes import free_port, stop_group
from vintage_ai_assets_tests.test_webserver import SHOT_DIR, _chromium

APP = Path(ad.__file__).with_name("app.py")
CHART = "vega_lite_chart"  # the element type of st.altair_chart in AppTest
CAR = "porsche-993"


@pytest.fixture(scope="module")
def built(demo_platform):
    with environment(demo_platform):
        yield demo_platform


@pytest.fixture(scope="module")
def reader(built):
    return rm.SnapshotReader(built.paths.serving)


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_the_board_lists_every_car_with_sparklines_and_the_fault_car_falls(built, reader):
    at = run_app()
    assert at.title[0].value == "Market board"
    board = at.dataframe[0].value
    assert set(board["car"]) == set(CARS)
    assert board["mentions_90d"].map(len).eq(ad.SPARK_DAYS).all()
    assert board["sentiment_7d"].map(len).eq(ad.SPARK_DAYS).all()
    names = {s.car: s.name for s in rm.summaries(reader)}
    [fallers] = [m for m in _markdown(at) if m.startswith("**Sentiment fallers**")]
    assert ad.markdown_text(names[FAULT_CAR]) in fallers
    [risers] = [m for m in _markdown(at) if m.startswith("**Sentiment risers**")]
    assert ad.markdown_text(names[FAULT_CAR]) not in risers
    assert any(m.startswith("**Attention risers**") for m in _markdown(at))
    assert len(at.get(CHART)) == 1  # attention change against sentiment change
    # The planted fault's alert is listed on the board.
    assert any(
        m.startswith(f"- ⚠ {ad.markdown_text(FAULT_CAR)}: 28\\-day sentiment fell by")
        for m in _markdown(at)
    ), _markdown(at)

    at.selectbox(key="sort").set_value("mentions_28d").run()
    mentions = at.dataframe[0].value["mentions_28d"].tolist()
    assert mentions == sorted(mentions, reverse=True)
    at.toggle(key="descending").set_value(False).run()
    mentions = at.dataframe[0].value["mentions_28d"].tolist()
    assert mentions == sorted(mentions)


def test_a_car_page_has_forecasts_themes_with_quotes_the_index_and_recent_sales(built, reader):
    at = run_app(page="car", car=CAR)
    detail = rm.car_detail(reader, CAR)
    assert at.title[0].value == detail.summary.name
    assert len(at.get(CHART)) >= 3  # sentiment, mentions, themes, price index
    shown = "\n".join(_markdown(at))
    theme = detail.themes[0]
    assert ad.markdown_text(theme.label) in shown
    for quote in theme.quotes[:2]:
        assert ad.markdown_text(ad.short(quote)) in shown
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["P(index higher in 6 months)"].endswith("%")
    [sales] = [d.value for d in at.dataframe]
    assert 0 < len(sales) <= ad.RECENT_SALES
    assert sales["sold_at"].is_monotonic_decreasing
    assert sales.equals(ad.recent_sales(reader, CAR))
    assert dict(at.query_params) == {"page": "car", "car": CAR}
    assert not at.warning  # a quiet car: no alert

    at.selectbox(key="car").set_value(FAULT_CAR).run()
    assert at.title[0].value == rm.known(reader, FAULT_CAR).name
    assert any("sentiment fell by" in w.value for w in at.warning)  # its alert
    assert dict(at.query_params) == {"page": "car", "car": FAULT_CAR}


def test_an_unknown_car_in_the_url_is_named_and_another_shown(built):
    at = run_app(page="car", car="no-such-car")
    assert "no-such-car" in at.warning[0].value
    assert at.title


def _price(at: AppTest, make: str, model: str, year: int, mileage: float | None) -> AppTest:
    at.text_input[0].input(make)
    at.text_input[1].input(model)
    at.number_input[0].set_value(year)
    at.number_input[1].set_value(mileage)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_price_form_gives_p10_p50_p90_and_names_a_bad_listing(built):
    at = _price(run_app(page="price"), "Porsche", "993", 1996, 60000.0)
    assert not at.error
    bands = {m.label: float(m.value.strip("$").replace(",", "")) for m in at.metric}
    assert 0 < bands["p10"] <= bands["p50"] <= bands["p90"]
    assert any(f"`{CAR}`" in m and "priced as" in m for m in _markdown(at))
    similar = at.dataframe[0].value
    assert len(similar) == 5 and (similar["price_usd"] > 0).all()

    at = _price(at, "Fiat", "Dino", 1970, None)
    [error] = at.error
    assert error.value.startswith("unknown make 'Fiat'") and "\n" not in error.value
    assert not at.metric


def test_movers_rise_and_fall_by_their_change_and_the_board_sorts():
    rows = pd.DataFrame(
        {
            "car": ["a", "b", "c", "d"],
            "name": ["A", "B", "C", "D"],
            "sentiment_change": [0.2, -0.1, None, -0.3],
        }
    )
    risers, fallers = ad.movers(rows, "sentiment_change")
    assert risers["car"].tolist() == ["a"] and fallers["car"].tolist() == ["d", "b"]
    assert ad.sort_board(rows, "sentiment_change")["car"].tolist() == ["a", "b", "d", "c"]
    with pytest.raises(ValueError, match="cannot sort by 'price'"):
        ad.sort_board(rows, "price")
    assert ad.markdown_text("$126,500 *now*") == r"\$126,500 \*now\*"


def test_without_a_snapshot_the_app_says_to_run_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("VINTAGE_AI_DATA_DIR", str(tmp_path / "empty"))
    settings.use(None)
    at = run_app()
    assert "run `vintage-ai demo` first" in at.warning[0].value
    assert not at.dataframe and not at.get(CHART)


# --- `vintage-ai app`, screenshotted ------------------------------------------------------

START_SECONDS = 60
RENDER_SECONDS = 60
WINDOW = (1400, 1000)
#: What the page shows once drawn: the text asked for, the charts and tables drawn.
RENDERED = """(() => {
  const drawn = (id) => [...document.querySelectorAll(`[data-testid="${id}"]`)]
    .filter((e) => e.querySelector("canvas, svg") && e.getBoundingClientRect().height > 40).length;
  return {text: document.body ? document.body.innerText : "",
          charts: drawn("stVegaLiteChart"), tables: drawn("stDataFrame")};
})()"""


class DevTools:
    """Headless Chromium driven over its DevTools protocol (one page)."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu"]
            + ["--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}"]
            + [f"--window-size={WINDOW[0]},{WINDOW[1]}", "--remote-debugging-port=0"]
            + ["about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert self.proc.poll() is None and time.monotonic() < deadline, (
                "chromium did not start"
            )
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.calls = 0
        # The page's viewport, whatever the window's frame takes.
        width, height = WINDOW
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method: str, **params) -> dict:
        self.calls += 1
        self.ws.send(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.calls:
                assert "error" not in message, message["error"]
                return message["result"]

    def evaluate(self, expression: str):
        found = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return found["result"].get("value")

    def screenshot(self, url: str, png: Path, text: str, charts: int, tables: int) -> str:
        """Open ``url``, wait until it shows ``text`` and draws the charts and tables, save
        the window as ``png``; returns the rendered DOM."""
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + RENDER_SECONDS
        while True:
            state = self.evaluate(RENDERED) or {"text": "", "charts": 0, "tables": 0}
            if text in state["text"] and state["charts"] >= charts and state["tables"] >= tables:
                break
            assert time.monotonic() < deadline, f"{url} not drawn: {state}"
            time.sleep(0.5)
        time.sleep(1.5)  # the charts' and tables' last paint
        shot = self.call("Page.captureScreenshot", format="png")
        png.write_bytes(base64.b64decode(shot["data"]))
        return self.evaluate("document.documentElement.outerHTML")

    def close(self) -> None:
        self.ws.close()
        stop_group(self.proc, grace=10)


def _colours(png: Path) -> tuple[tuple[int, int], int]:
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        return rgb.size, len(rgb.getcolors(maxcolors=1 << 24))


@pytest.fixture(scope="module")
def app_server(built, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("app") / "app.log"
    port = free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "vintage_ai_assets.cli", "app", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **built.env},
            start_new_session=True,  # its own process group: streamlit goes with it
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                        if response.read().decode().strip() == "ok":
                            break
                except OSError:
                    pass
                tail = log_path.read_text()[-2000:]
                assert server.poll() is None, f"vintage-ai app exited: {tail}"
                assert time.monotonic() < deadline, f"not up within {START_SECONDS}s: {tail}"
                time.sleep(0.3)
            yield url, log_path
        finally:
            stop_group(server, grace=10)


def test_vintage_ai_app_serves_the_snapshot_on_loopback(app_server, built):
    url, log_path = app_server
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
        assert response.read() == b"ok"
    output = log_path.read_text()
    assert f"the insights app for {built.env['VINTAGE_AI_DATA_DIR']}" in output
    assert f"URL: {url}" in output


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (.ci/run installs it)")
def test_the_board_and_a_car_page_screenshots_show_the_cars(app_server, reader, tmp_path):
    url, _ = app_server
    names = {s.car: s.name for s in rm.summaries(reader)}
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    pages = {
        # the board: movers, the changes chart, the table with sparklines
        "app-board.png": ("/", names[FAULT_CAR], 1, 1),
        # a car page opened from its URL: its forecasts first
        "app-car.png": (f"/?page=car&car={CAR}", names[CAR], 2, 0),
    }
    chromium = DevTools(tmp_path / "chromium-profile")
    try:
        for name, (path, text, charts, tables) in pages.items():
            png = tmp_path / name
            dom = chromium.screenshot(f"{url}{path}", png, text, charts, tables)
            size, colours = _colours(png)
            assert size == WINDOW
            assert colours > 300, f"{name} looks blank ({colours} colours)"
            assert text in dom
            assert "Traceback" not in dom
            SHOT_DIR.joinpath(name).write_bytes(png.read_bytes())
            print(f"screenshot: {SHOT_DIR / name} ({colours} colours)")
    finally:
        chromium.close()
