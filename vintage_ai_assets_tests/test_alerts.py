"""Business alerts: the rules on synthetic series (a fall, a growing theme, a spike, and a
quiet car that raises nothing), the webhook against a local HTTP server, and the alerts
of the built demo slice (its planted fault raises one; a quiet car none)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from vintage_ai_assets.demo.generator import FAULT_CAR
from vintage_ai_assets.reports.alerts import AlertRules, find_alerts
from vintage_ai_assets.reports.webhook import WebhookError, post_alerts
from vintage_ai_assets_tests.demo_platform import END, START, environment

LAST = pd.Timestamp("2026-06-30")


def _mentions(
    days: int = 180,
    per_day: int = 8,
    change_day: int | None = None,
    after: float = -0.5,
    spike_day: int | None = None,
    theme_from: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """A car's mentions: sentiment around +0.3 (after ``change_day`` around ``after``),
    themes 0–3 evenly (from ``theme_from`` half of them theme 9), and a week at 6× the
    volume from ``spike_day``."""
    rng = np.random.default_rng(seed)
    rows = []
    first = LAST - pd.Timedelta(days=days - 1)
    for d in range(days):
        n = per_day * (6 if spike_day is not None and spike_day <= d < spike_day + 7 else 1)
        mean = after if change_day is not None and d >= change_day else 0.3
        for _ in range(n):
            theme = int(rng.integers(0, 4))
            if theme_from is not None and d >= theme_from and rng.random() < 0.5:
                theme = 9
            rows.append(
                {
                    "created_at": first + pd.Timedelta(days=d, hours=int(rng.integers(0, 24))),
                    "sentiment": float(np.clip(rng.normal(mean, 0.3), -1, 1)),
                    "topic_id": theme,
                }
            )
    return pd.DataFrame(rows)


LABELS = {0: "service", 1: "prices", 2: "drive", 3: "parts", 9: "valve guides"}


def test_a_quiet_car_raises_nothing():
    assert find_alerts("quiet", _mentions(seed=1), LABELS, LAST).empty


def test_a_sentiment_fall_is_one_alert_raised_after_it_and_still_active():
    found = find_alerts("falling", _mentions(change_day=150), LABELS, LAST)
    assert list(found["kind"]) == ["sentiment_drop"]
    alert = found.iloc[0]
    onset = LAST - pd.Timedelta(days=29)
    assert onset < alert["raised_on"] <= onset + pd.Timedelta(days=10)
    assert alert["active"] and alert["until"] == LAST
    assert alert["value"] < -0.5 and alert["z"] <= -6
    assert "28-day sentiment fell by" in alert["message"]


def test_a_small_fall_or_a_fall_in_few_texts_is_not_an_alert():
    small = find_alerts("a", _mentions(change_day=150, after=0.15), LABELS, LAST)
    assert small.empty  # 0.15 < the set amount of 0.25
    few = find_alerts("b", _mentions(change_day=150, per_day=1, after=0.0, seed=3), LABELS, LAST)
    assert "sentiment_drop" not in set(few["kind"])  # 0.3 in ~28 texts: not significant
    strict = find_alerts(
        "c", _mentions(change_day=150), LABELS, LAST, AlertRules(sentiment_drop=1.2)
    )
    assert strict.empty  # the set amount is the user's


def test_a_fast_growing_theme_is_an_alert_naming_it():
    found = find_alerts("themed", _mentions(theme_from=140), LABELS, LAST)
    growth = found[found["kind"] == "theme_growth"]
    assert list(growth["topic_id"]) == [9] and list(growth["label"]) == ["valve guides"]
    assert growth.iloc[0]["value"] >= 0.15
    assert "'valve guides' grew by" in growth.iloc[0]["message"]


def test_a_volume_spike_is_an_alert_that_ends():
    found = find_alerts("busy", _mentions(spike_day=120), LABELS, LAST)
    spikes = found[found["kind"] == "volume_spike"]
    assert len(spikes) == 1
    spike = spikes.iloc[0]
    assert not spike["active"] and spike["value"] >= 3
    assert LAST - pd.Timedelta(days=60) <= spike["raised_on"] <= LAST - pd.Timedelta(days=52)


class _Hook(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.answers, _Hook.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Hook
    server.shutdown()
    server.server_close()


def test_alerts_are_posted_as_json_and_a_5xx_is_retried(webhook):
    url, hook = webhook
    alerts = find_alerts("falling", _mentions(change_day=150), LABELS, LAST)
    hook.answers = [503]
    assert post_alerts(url, alerts, backoff=0.01) == 200
    assert len(hook.received) == 2  # the 503, then the retry
    body = hook.received[-1]
    assert body["source"] == "vintage-ai" and body["count"] == 1
    assert body["alerts"][0]["car"] == "falling"
    assert body["alerts"][0]["kind"] == "sentiment_drop"
    assert body["alerts"][0]["raised_on"] <= LAST.date().isoformat()


def test_a_refusing_or_missing_webhook_is_an_error_after_bounded_attempts(webhook):
    url, hook = webhook
    alerts = find_alerts("falling", _mentions(change_day=150), LABELS, LAST)
    hook.answers = [400]
    with pytest.raises(WebhookError, match="HTTP 400"):
        post_alerts(url, alerts, backoff=0.01)
    assert len(hook.received) == 1  # a 4xx is not retried
    with pytest.raises(WebhookError, match="ConnectionError"):
        post_alerts("http://127.0.0.1:9/hook", alerts, attempts=2, backoff=0.01, timeout=2)


@pytest.fixture(scope="module")
def built(demo_platform):
    with environment(demo_platform):
        yield demo_platform


def test_the_demos_planted_fault_raises_an_alert_and_a_quiet_car_none(built):
    from vintage_ai_assets.demo.generator import DemoSpec
    from vintage_ai_assets.warehouse import Warehouse

    alerts = Warehouse(built.paths.warehouse).query("SELECT * FROM reports.car_alerts")
    fault = alerts[(alerts["car"] == FAULT_CAR) & (alerts["kind"] == "sentiment_drop")]
    onset = pd.Timestamp(DemoSpec(start=START, end=END).fault_onset)
    assert len(fault) == 1
    # raised once the 28 days after the onset stand against 28 days before it
    assert onset < fault.iloc[0]["raised_on"] <= onset + pd.Timedelta(days=42)
    assert alerts[alerts["car"] == "porsche-993"].empty


def test_new_alerts_go_to_the_webhook_once(built, webhook):
    from vintage_ai_assets.defs.platform.resources import AlertsResource, build_resources
    from vintage_ai_assets.defs.reports.alerts import car_alerts
    from vintage_ai_assets.warehouse import Warehouse

    url, hook = webhook
    resources = {**build_resources(), "alerts": AlertsResource(webhook_url=url)}
    for _ in range(2):
        result = dg.materialize(
            [car_alerts],
            partition_key=FAULT_CAR,
            resources=resources,
            instance=built.platform.instance,
        )
        assert result.success
    assert len(hook.received) == 1  # posted by the first run, not again
    posted = hook.received[0]["alerts"]
    assert {a["car"] for a in posted} == {FAULT_CAR}
    assert "sentiment_drop" in {a["kind"] for a in posted}
    stored = Warehouse(built.paths.warehouse).query(
        "SELECT notified_at FROM reports.car_alerts WHERE car = ? AND kind = 'sentiment_drop'",
        [FAULT_CAR],
    )
    assert stored["notified_at"].notna().all()
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["webhook"].value == "set; nothing new to post"
