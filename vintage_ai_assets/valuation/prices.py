"""Sold-price estimates with a p10–p50–p90 range, from make, model, year, mileage and text.

LightGBM on log(price). The features are:

- make and model as smoothed target encodings (mean log price of make; of model, shrunk to
  its make; of model × model year, shrunk to the model), computed on the training lots only
  and out-of-fold for the training rows themselves, plus how many lots back each encoding;
- the model's recent level: how far its sales of the half-year before the lot sat from its
  all-time encoding (shrunk; only earlier sales, so a training lot sees what was known when
  it sold). The trees are fitted on log price minus this level and it is added back, so a
  market that moved lately moves the estimate (the demo's ranges: RM Sotheby's 0.67 → 0.77
  inside p10–p90, prices above p90 14% → 12%; Cars & Bids' unchanged within 0.01);
- model year, the year relative to the model's typical year, age at sale, log mileage and
  miles per year, and the sale month (months since 2000-01, so the market level moves);
- words of the title and description: flags for words that move prices ("project",
  "replica", "modified", "manual", "one owner", "restored", "salvage" …) and a text score,
  an out-of-fold ridge regression of log price on hashed word 1–2-grams, which also carries
  what models share ("GT3", "AMG", "M3") to a model never seen in training;
- whether the lot has a description: every described training lot is also trained on as
  a bare copy (title only, same price, same fold), so lots without a description — as a
  notebook user's own lots often are — are not priced low (18 months of demo lots: RMSLE
  0.19 bare vs 0.15 described; 0.55 before, a median 33% low);
- listing attributes when present: columns such as transmission, body style, seller type,
  colour, location, and the keys of the raw layer's ``attributes`` JSON (0/1 flags become
  numbers, short text becomes a category).

The median is an L2 model on log price (what RMSLE rewards). The range comes from two
quantile models (0.1, 0.9) calibrated on time: a first fit on the earlier 85% of the
training lots is checked on the latest 15%, and the shift that makes 10% fall below p10
and 10% above p90 there is applied to the models refitted on everything (conformalised
quantile regression), so the range is widened when the market drifted out of sample.
Everything is seeded and single-threaded by default, so a fit is reproducible.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # imported where a model is fitted (scikit-learn, lightgbm, scipy: ~0.7 s)
    import lightgbm as lgb
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import Ridge

REQUIRED_COLUMNS = ("make", "model", "year", "mileage", "sold_at", "title")
OPTIONAL_COLUMNS = (
    "transmission",
    "body_style",
    "seller_type",
    "colour",
    "color",
    "exterior_color",
    "interior_color",
    "location",
    "drivetrain",
    "engine",
    "fuel",
)
EPOCH = pd.Timestamp("2000-01-01")
QUANTILES = (0.1, 0.5, 0.9)
CALIBRATION_MONTHS = 12  # the range is checked on the last year, as it is used: ahead
CALIBRATION_SHARE = (0.15, 0.35)  # but on no less than 15% and no more than 35% of lots
MIN_CALIBRATION_LOTS = 50
FOLDS = 5
SMOOTHING = 5.0  # pseudo-lots pulling an encoding to its parent's value
RECENT_DAYS = 180  # a model's recent level: its lots of the half-year before a sale
MIN_CATEGORY_LOTS = 10
MAX_CATEGORIES = 100
SEED = 0

# Words that move a car's price, as (feature, pattern); matched in title + description.
KEYWORDS: tuple[tuple[str, str], ...] = (
    (
        "kw_project",
        r"\bprojects?\b|\bbarn find\b|\bnon[- ]?running\b|\bnot running\b|\bneeds work\b",
    ),
    ("kw_replica", r"\breplicas?\b|\btribute\b|\brecreation\b|\bclone\b|\bkit car\b|\bre-?body\b"),
    ("kw_modified", r"\bmodifi\w*|\bmodded\b|\bmods\b|\bcustom\b|\brestomod\b|\bswap(?:ped)?\b"),
    ("kw_manual", r"\bmanual\b|\bstick\b|\b[3-7][- ]speed\b|\bsix[- ]speed\b|\bfive[- ]speed\b"),
    ("kw_automatic", r"\bautomatic\b|\btiptronic\b|\bpdk\b|\bsmg\b|\bdct\b|\bauto\b"),
    ("kw_one_owner", r"\b(?:one|1|single)[- ]owner\b"),
    ("kw_restored", r"\brestor(?:ed|ation)\b|\brebuilt engine\b|\bfrom the ground up\b"),
    (
        "kw_original",
        r"\boriginal\b|\bunrestored\b|\bsurvivor\b|\bnumbers[- ]matching\b|\bmatching numbers\b",
    ),
    ("kw_salvage", r"\bsalvage\b|\brebuilt title\b|\bbranded title\b|\bflood\b|\blemon\b"),
    ("kw_low_miles", r"\blow[- ]mile(?:age|s)?\b|\bdelivery miles\b"),
    ("kw_high_miles", r"\bhigh[- ]mile(?:age|s)?\b"),
    ("kw_no_reserve", r"\bno[- ]reserve\b"),
    ("kw_rhd", r"\bright[- ]hand drive\b|\brhd\b"),
)
_KEYWORD_RE = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in KEYWORDS]
_TRUE_FALSE = {"0": 0.0, "1": 1.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}

LGB_PARAMS: dict[str, object] = {
    "n_estimators": 400,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "random_state": SEED,
    "deterministic": True,
    "force_col_wise": True,
    "n_jobs": 1,
    "verbose": -1,
}


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _check_columns(lots: pd.DataFrame, training: bool) -> None:
    needed = [*REQUIRED_COLUMNS, *(["price"] if training else [])]
    missing = [c for c in needed if c not in lots.columns]
    if missing:
        raise ValueError(f"lots are missing required column(s) {missing}; need {needed}")


def _text(lots: pd.DataFrame) -> pd.Series:
    title = lots["title"].fillna("").astype(str)
    if "description" in lots.columns:
        return title + " " + lots["description"].fillna("").astype(str)
    return title


def _extras(lots: pd.DataFrame) -> pd.DataFrame:
    """The optional listing fields: named columns, then the keys of ``attributes`` JSON."""
    extras = pd.DataFrame(index=lots.index)
    if "attributes" in lots.columns:

        def parse(value: object) -> dict:
            if isinstance(value, dict):
                return value
            if isinstance(value, str) and value.strip().startswith("{"):
                try:
                    parsed = json.loads(value)
                except json.JSONDecodeError:
                    return {}
                return parsed if isinstance(parsed, dict) else {}
            return {}

        parsed = pd.DataFrame(list(lots["attributes"].map(parse)), index=lots.index)
        parsed.columns = [_snake(c) for c in parsed.columns]
        parsed = parsed.loc[:, ~parsed.columns.duplicated()]
        extras = parsed
    for column in OPTIONAL_COLUMNS:
        if column in lots.columns:
            extras[column] = lots[column]
    return extras


@dataclass
class _Encoding:
    """Smoothed mean log price per key, with the counts behind it."""

    means: dict
    counts: dict

    @classmethod
    def fit(cls, keys: pd.Series, y: np.ndarray, prior: np.ndarray) -> _Encoding:
        frame = pd.DataFrame({"key": keys.to_numpy(), "y": y, "prior": prior})
        grouped = frame.groupby("key", sort=False).agg(
            total=("y", "sum"), n=("y", "size"), prior=("prior", "mean")
        )
        means = (grouped["total"] + SMOOTHING * grouped["prior"]) / (grouped["n"] + SMOOTHING)
        return cls(means.to_dict(), grouped["n"].to_dict())

    def transform(self, keys: pd.Series, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means = keys.map(self.means).to_numpy(float)
        counts = keys.map(self.counts).fillna(0).to_numpy(float)
        return np.where(np.isnan(means), prior, means), counts


@dataclass
class _Encoder:
    """Make → model → model × year encodings, each shrunk towards its parent."""

    global_mean: float
    make: _Encoding
    model: _Encoding
    model_year: _Encoding
    model_year_median: dict

    @staticmethod
    def keys(lots: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        make = lots["make"].fillna("").astype(str).str.strip().str.lower()
        model = make + "|" + lots["model"].fillna("").astype(str).str.strip().str.lower()
        year = pd.to_numeric(lots["year"], errors="coerce")
        model_year = model + "|" + year.map(lambda v: "" if pd.isna(v) else str(int(v)))
        return make, model, model_year

    @classmethod
    def fit(cls, lots: pd.DataFrame, y: np.ndarray) -> _Encoder:
        make, model, model_year = cls.keys(lots)
        global_mean = float(y.mean())
        enc_make = _Encoding.fit(make, y, np.full(len(y), global_mean))
        prior_model, _ = enc_make.transform(make, np.full(len(y), global_mean))
        enc_model = _Encoding.fit(model, y, prior_model)
        prior_year, _ = enc_model.transform(model, prior_model)
        enc_year = _Encoding.fit(model_year, y, prior_year)
        year = pd.to_numeric(lots["year"], errors="coerce")
        medians = year.groupby(model.to_numpy()).median().dropna().to_dict()
        return cls(global_mean, enc_make, enc_model, enc_year, medians)

    def transform(self, lots: pd.DataFrame) -> pd.DataFrame:
        make, model, model_year = self.keys(lots)
        te_make, n_make = self.make.transform(make, np.full(len(lots), self.global_mean))
        te_model, n_model = self.model.transform(model, te_make)
        te_year, n_year = self.model_year.transform(model_year, te_model)
        year = pd.to_numeric(lots["year"], errors="coerce").to_numpy(float)
        typical = model.map(self.model_year_median).to_numpy(float)
        return pd.DataFrame(
            {
                "te_make": te_make,
                "te_model": te_model,
                "te_model_year": te_year,
                "n_make": np.log1p(n_make),
                "n_model": np.log1p(n_model),
                "n_model_year": np.log1p(n_year),
                "year_vs_model": year - typical,
            },
            index=lots.index,
        )


@dataclass
class _RecentLevel:
    """How far a model's latest sales sit from its all-time level, as of a sale.

    For a lot sold on day ``d``: the mean residual (log price minus the model × year
    encoding) of the model's lots sold in the :data:`RECENT_DAYS` before ``d``, shrunk
    towards 0 by :data:`SMOOTHING` pseudo-lots. A sale after the last lot the model knows
    takes its latest :data:`RECENT_DAYS`. Only earlier sales count, so a training lot's
    value is what was known when it sold; the tree learns how much a drift carries.
    """

    days: dict[str, np.ndarray]  # model key -> its lots' sale days, ascending
    sums: dict[str, np.ndarray]  # model key -> cumulative residuals, a leading 0
    last_day: float

    @staticmethod
    def sale_days(lots: pd.DataFrame) -> np.ndarray:
        sold_at = pd.to_datetime(lots["sold_at"], errors="coerce")
        return ((sold_at - EPOCH).dt.days).to_numpy(float)

    @classmethod
    def fit(cls, keys: pd.Series, days: np.ndarray, residuals: np.ndarray) -> _RecentLevel:
        frame = pd.DataFrame({"key": keys.to_numpy(), "day": days, "r": residuals}).dropna()
        frame = frame.sort_values(["key", "day"], kind="stable")
        by_days, by_sums = {}, {}
        for key, group in frame.groupby("key", sort=False):
            by_days[key] = group["day"].to_numpy(float)
            by_sums[key] = np.concatenate([[0.0], np.cumsum(group["r"].to_numpy(float))])
        last = float(frame["day"].max()) if len(frame) else 0.0
        return cls(by_days, by_sums, last)

    def transform(self, keys: pd.Series, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(shrunk recent residual, lots behind it) per lot."""
        end = np.minimum(np.nan_to_num(days, nan=self.last_day + 1), self.last_day + 1)
        level, count = np.zeros(len(keys)), np.zeros(len(keys))
        for key, rows in pd.Series(np.arange(len(keys))).groupby(keys.to_numpy()).groups.items():
            if key not in self.days:
                continue
            rows = np.asarray(rows)
            hi = np.searchsorted(self.days[key], end[rows], side="left")
            lo = np.searchsorted(self.days[key], end[rows] - RECENT_DAYS, side="left")
            n = hi - lo
            level[rows] = (self.sums[key][hi] - self.sums[key][lo]) / (n + SMOOTHING)
            count[rows] = n
        return level, np.log1p(count)


@dataclass
class _TextScore:
    """Ridge regression of log price on hashed word 1–2-grams of title and description."""

    ridge: Ridge
    offset: float

    @staticmethod
    @functools.cache
    def vectorizer() -> HashingVectorizer:
        """The hashing of words and word pairs (stateless: one for every model)."""
        from sklearn.feature_extraction.text import HashingVectorizer

        return HashingVectorizer(
            n_features=2**16,
            ngram_range=(1, 2),
            alternate_sign=False,
            norm="l2",
            token_pattern=r"(?u)\b[\w][\w\-]*\b",
            lowercase=True,
        )

    @classmethod
    def fit(cls, texts: pd.Series, y: np.ndarray) -> _TextScore:
        from sklearn.linear_model import Ridge

        offset = float(y.mean())
        ridge = Ridge(alpha=1.0, solver="sag", fit_intercept=False, random_state=SEED)
        ridge.fit(cls.vectorizer().transform(texts), y - offset)
        return cls(ridge, offset)

    def transform(self, texts: pd.Series) -> np.ndarray:
        return self.ridge.predict(self.vectorizer().transform(texts)) + self.offset


def _has_description(lots: pd.DataFrame) -> pd.Series:
    if "description" not in lots.columns:
        return pd.Series(False, index=lots.index)
    return lots["description"].fillna("").astype(str).str.strip().ne("")


def _with_bare_copies(
    lots: pd.DataFrame, y: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The training lots plus a copy of each described lot without its description.

    A model that only ever saw described lots priced bare ones (title only, as a notebook
    user's own lots often are) ~35% low; with the copies it learns both. Returns (lots, y,
    the original row of each row, whether a row is an original).
    """
    described = np.flatnonzero(_has_description(lots).to_numpy())
    origin = np.concatenate([np.arange(len(lots)), described])
    if not len(described):
        return lots, y, origin, np.ones(len(lots), dtype=bool)
    copies = lots.iloc[described].assign(description="")
    both = pd.concat([lots, copies], ignore_index=True)
    original = np.arange(len(both)) < len(lots)
    return both, y[origin], origin, original


def _out_of_fold(
    lots: pd.DataFrame, texts: pd.Series, y: np.ndarray, origin: np.ndarray, original: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Encodings and text scores of the training rows, each from folds that exclude the lot
    (a lot and its bare copy share a fold; encodings are fitted on original lots only)."""
    from sklearn.model_selection import KFold

    if original.sum() < 2 * FOLDS:
        encoder = _Encoder.fit(lots[original], y[original])
        return encoder.transform(lots), _TextScore.fit(texts, y).transform(texts)
    parts = []
    scores = np.zeros(len(lots))
    folds = KFold(FOLDS, shuffle=True, random_state=SEED).split(np.arange(original.sum()))
    for fit_lots, _ in folds:
        fit_rows = np.isin(origin, fit_lots)
        out_rows = np.flatnonzero(~fit_rows)
        encoder = _Encoder.fit(lots[fit_rows & original], y[fit_rows & original])
        parts.append(encoder.transform(lots.iloc[out_rows]))
        text_model = _TextScore.fit(texts[fit_rows], y[fit_rows])
        scores[out_rows] = text_model.transform(texts.iloc[out_rows])
    encoded = pd.concat(parts).loc[lots.index]
    return encoded, scores


@dataclass
class _ExtraSpec:
    """How each optional listing field becomes a feature (decided on the training lots)."""

    flags: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    categories: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def fit(cls, extras: pd.DataFrame) -> _ExtraSpec:
        spec = cls()
        for column in sorted(extras.columns):
            values = extras[column].dropna()
            if values.empty:
                continue
            text = values.astype(str).str.strip().str.lower()
            if text.isin(list(_TRUE_FALSE)).all():
                spec.flags.append(column)
            elif pd.to_numeric(values, errors="coerce").notna().mean() > 0.95:
                spec.numbers.append(column)
            else:
                counts = text.value_counts()
                kept = sorted(counts[counts >= MIN_CATEGORY_LOTS].index[:MAX_CATEGORIES])
                if kept:
                    spec.categories[column] = kept
        return spec

    def transform(self, extras: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=extras.index)
        for column in self.flags:
            values = extras.get(column, pd.Series(np.nan, index=extras.index))
            out[f"x_{column}"] = values.astype(str).str.strip().str.lower().map(_TRUE_FALSE)
        for column in self.numbers:
            values = extras.get(column, pd.Series(np.nan, index=extras.index))
            out[f"x_{column}"] = pd.to_numeric(values, errors="coerce").astype(float)
        for column, kept in self.categories.items():
            values = extras.get(column, pd.Series(np.nan, index=extras.index))
            text = values.astype("string").str.strip().str.lower()
            text = text.where(text.isin(kept) | text.isna(), "other")
            out[f"c_{column}"] = pd.Categorical(text, categories=[*kept, "other"])
        return out


def _base_features(lots: pd.DataFrame, texts: pd.Series) -> pd.DataFrame:
    year = pd.to_numeric(lots["year"], errors="coerce").astype(float)
    mileage = pd.to_numeric(lots["mileage"], errors="coerce").astype(float)
    mileage = mileage.where(mileage >= 0)
    sold_at = pd.to_datetime(lots["sold_at"], errors="coerce")
    sale_year = sold_at.dt.year + (sold_at.dt.month - 1) / 12
    age = (sale_year - year).clip(lower=0)
    months = (sold_at.dt.year - EPOCH.year) * 12 + (sold_at.dt.month - EPOCH.month)
    frame = pd.DataFrame(
        {
            "year": year,
            "age": age,
            "log_mileage": np.log1p(mileage),
            "log_miles_per_year": np.log1p(mileage / age.clip(lower=0.5)),
            "sale_month": months.astype(float),
        },
        index=lots.index,
    )
    for name, pattern in _KEYWORD_RE:
        frame[name] = texts.str.contains(pattern).astype(float)
    frame["has_description"] = _has_description(lots).astype(float)
    return frame


@dataclass
class PriceModel:
    """A fitted sold-price model; :meth:`predict` gives p10, p50, p90 per lot."""

    encoder: _Encoder
    text_score: _TextScore
    extra_spec: _ExtraSpec
    makes: list[str]
    feature_names: list[str]
    models: dict[float, lgb.LGBMRegressor]
    adjustments: dict[float, float]  # added to the log-price quantiles (calibration)
    training_lots: int
    calibration: dict = field(default_factory=dict)
    recent: _RecentLevel | None = None

    def features(self, lots: pd.DataFrame) -> pd.DataFrame:
        """The model's feature table for ``lots`` (same index)."""
        texts = _text(lots)
        return self._assemble(
            lots, texts, self.encoder.transform(lots), self.text_score.transform(texts)
        )

    def _recent_features(self, lots: pd.DataFrame) -> pd.DataFrame:
        _, model_key, _ = _Encoder.keys(lots)
        if self.recent is None:
            level, count = np.zeros(len(lots)), np.zeros(len(lots))
        else:
            level, count = self.recent.transform(model_key, _RecentLevel.sale_days(lots))
        return pd.DataFrame({"recent_level": level, "n_recent": count}, index=lots.index)

    def _assemble(
        self,
        lots: pd.DataFrame,
        texts: pd.Series,
        encoded: pd.DataFrame,
        text_scores: np.ndarray,
    ) -> pd.DataFrame:
        make = lots["make"].fillna("").astype(str).str.strip().str.lower()
        frame = pd.concat(
            [
                _base_features(lots, texts),
                encoded,
                pd.DataFrame({"text_score": text_scores}, index=lots.index),
                self._recent_features(lots),
                self.extra_spec.transform(_extras(lots)),
            ],
            axis=1,
        )
        frame["c_make"] = pd.Categorical(make.where(make.isin(self.makes)), categories=self.makes)
        return frame[self.feature_names] if self.feature_names else frame

    def predict_log(self, lots: pd.DataFrame) -> pd.DataFrame:
        """Log-price quantiles (columns 0.1, 0.5, 0.9), calibrated and ordered."""
        _check_columns(lots, training=False)
        if lots.empty:
            return pd.DataFrame(columns=list(QUANTILES), index=lots.index, dtype=float)
        original_index = lots.index
        features = self.features(lots.reset_index(drop=True))
        # models stored before the recent level was added have no such column
        level = features["recent_level"].to_numpy() if "recent_level" in features else 0.0
        raw = np.column_stack(
            [
                self.models[q].predict(features) + level + self.adjustments.get(q, 0.0)
                for q in QUANTILES
            ]
        )
        ordered = np.sort(raw, axis=1)
        # The median stays the median model's; the range is forced around it.
        ordered[:, 1] = raw[:, 1]
        ordered[:, 0] = np.minimum(raw[:, 0], raw[:, 1])
        ordered[:, 2] = np.maximum(raw[:, 2], raw[:, 1])
        return pd.DataFrame(ordered, columns=list(QUANTILES), index=original_index)

    def predict(self, lots: pd.DataFrame) -> pd.DataFrame:
        """Prices p10, p50, p90 (the training currency), one row per lot, same index and order."""
        logs = self.predict_log(lots)
        return pd.DataFrame(
            {"p10": np.exp(logs[0.1]), "p50": np.exp(logs[0.5]), "p90": np.exp(logs[0.9])},
            index=lots.index,
        )


def _fit_models(features: pd.DataFrame, y: np.ndarray) -> dict[float, lgb.LGBMRegressor]:
    import lightgbm as lgb

    models = {}
    for q in QUANTILES:
        if q == 0.5:
            model = lgb.LGBMRegressor(objective="regression", **LGB_PARAMS)
        else:
            model = lgb.LGBMRegressor(objective="quantile", alpha=q, **LGB_PARAMS)
        model.fit(features, y - features["recent_level"].to_numpy())
        models[q] = model
    return models


def _fit_stage(lots: pd.DataFrame, y: np.ndarray) -> PriceModel:
    lots = lots.reset_index(drop=True)
    lots, y, origin, original = _with_bare_copies(lots, y)
    texts = _text(lots)
    encoded, text_scores = _out_of_fold(lots, texts, y, origin, original)
    make = lots.loc[original, "make"].fillna("").astype(str).str.strip().str.lower()
    counts = make.value_counts()
    encoder = _Encoder.fit(lots[original], y[original])
    originals = lots[original]
    residuals = y[original] - encoder.transform(originals)["te_model_year"].to_numpy()
    model = PriceModel(
        encoder=encoder,
        text_score=_TextScore.fit(texts, y),
        extra_spec=_ExtraSpec.fit(_extras(lots[original])),
        makes=sorted(counts[counts >= MIN_CATEGORY_LOTS].index),
        feature_names=[],
        models={},
        adjustments={},
        training_lots=int(original.sum()),
        recent=_RecentLevel.fit(
            _Encoder.keys(originals)[1], _RecentLevel.sale_days(originals), residuals
        ),
    )
    features = model._assemble(lots, texts, encoded, text_scores)
    if original.all():  # no described lots: the flag would be a constant
        features = features.drop(columns="has_description")
    model.feature_names = list(features.columns)
    model.models = _fit_models(features, y)
    return model


def fit_price_model(lots: pd.DataFrame) -> PriceModel:
    """Fit the sold-price model on lots with make, model, year, mileage, sold_at, title, price.

    Lots without a positive price are ignored. Raises ``ValueError`` when a required
    column is missing or fewer than 20 priced lots remain.
    """
    _check_columns(lots, training=True)
    price = pd.to_numeric(lots["price"], errors="coerce")
    lots = lots[price.gt(0).to_numpy()].reset_index(drop=True)
    if len(lots) < 20:
        raise ValueError(f"need at least 20 lots with a positive price, got {len(lots)}")
    y = np.log(pd.to_numeric(lots["price"]).to_numpy(float))
    sold_at = pd.to_datetime(lots["sold_at"], errors="coerce")
    order = np.argsort(sold_at.to_numpy(), kind="stable")
    recent = int((sold_at > sold_at.max() - pd.DateOffset(months=CALIBRATION_MONTHS)).sum())
    n_cal = int(np.clip(recent, CALIBRATION_SHARE[0] * len(lots), CALIBRATION_SHARE[1] * len(lots)))
    adjustments = {0.1: 0.0, 0.5: 0.0, 0.9: 0.0}
    calibration: dict = {"lots": 0}
    if n_cal >= MIN_CALIBRATION_LOTS:
        early, late = order[:-n_cal], order[-n_cal:]
        first = _fit_stage(lots.iloc[early], y[early])
        predicted = first.predict_log(lots.iloc[late])
        actual = y[late]
        adjustments[0.1] = float(np.quantile(actual - predicted[0.1].to_numpy(), 0.1))
        adjustments[0.9] = float(np.quantile(actual - predicted[0.9].to_numpy(), 0.9))
        calibration = {
            "lots": int(n_cal),
            "raw_coverage": float(
                np.mean(
                    (actual >= predicted[0.1].to_numpy()) & (actual <= predicted[0.9].to_numpy())
                )
            ),
            "adjust_p10": adjustments[0.1],
            "adjust_p90": adjustments[0.9],
        }
    model = _fit_stage(lots, y)
    model.adjustments = adjustments
    model.calibration = calibration
    return model


def baseline_predictions(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, np.ndarray]:
    """The two baselines' prices for ``test``: global median and per-(make, model) median."""
    global_median = float(train["price"].median())
    per_model = train.groupby(["make", "model"])["price"].median()
    keys = pd.MultiIndex.from_frame(test[["make", "model"]])
    model_median = per_model.reindex(keys).to_numpy(float)
    return {
        "global_median": np.full(len(test), global_median),
        "model_median": np.where(np.isnan(model_median), global_median, model_median),
    }
