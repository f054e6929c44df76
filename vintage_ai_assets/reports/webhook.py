"""Post alerts to a webhook (any URL that accepts a JSON POST: Slack and Teams workflows,
an incident tool, a small service of one's own), bounded in time and attempts."""

from __future__ import annotations

import time

import pandas as pd
import requests

USER_AGENT = "vintage-ai-alerts/1"


class WebhookError(RuntimeError):
    """The webhook did not accept the alerts (its last answer or error, one line)."""


def alert_payload(alerts: pd.DataFrame) -> dict:
    """The JSON body: ``{"source", "count", "alerts": [{car, kind, label, raised_on, …}]}``."""
    records = []
    for row in alerts.itertuples(index=False):
        records.append(
            {
                "car": row.car,
                "kind": row.kind,
                "topic_id": None if pd.isna(row.topic_id) else int(row.topic_id),
                "label": None if pd.isna(row.label) else row.label,
                "raised_on": pd.Timestamp(row.raised_on).date().isoformat(),
                "until": pd.Timestamp(row.until).date().isoformat(),
                "active": bool(row.active),
                "value": round(float(row.value), 4),
                "threshold": float(row.threshold),
                "z": round(float(row.z), 2),
                "message": row.message,
            }
        )
    return {"source": "vintage-ai", "count": len(records), "alerts": records}


def post_alerts(
    url: str, alerts: pd.DataFrame, timeout: float = 10.0, attempts: int = 3, backoff: float = 1.0
) -> int:
    """POST the alerts as JSON; returns the HTTP status. Retries connection errors and 5xx
    (``attempts`` in all, ``backoff`` × 2^k seconds apart); a 4xx is not retried."""
    last = ""
    for attempt in range(attempts):
        try:
            response = requests.post(
                url, json=alert_payload(alerts), timeout=timeout, headers={"User-Agent": USER_AGENT}
            )
        except requests.RequestException as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if response.ok:
                return response.status_code
            last = f"HTTP {response.status_code}"
            if response.status_code < 500:
                break
        if attempt + 1 < attempts:
            time.sleep(backoff * 2**attempt)
    raise WebhookError(f"the alert webhook did not accept {len(alerts)} alert(s): {last}")
