"""nlp: embeddings (cached by content hash), sentiment per mention, themes per car."""

import contextlib
import json

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import (
    all_days,
    window_of,
)
from vintage_ai_assets.defs.platform.resources import (
    CatalogResource,
    EmbeddingModelResource,
    WarehouseResource,
)
from vintage_ai_assets.defs.platform.warehouse_asset import (
    warehouse_asset,
    warehouse_multi_asset,
    warehouse_out,
)
from vintage_ai_assets.nlp.embedding_store import known_hashes, new_embeddings, vectors_for
from vintage_ai_assets.nlp.themes import fit_car_themes, growing_themes, monthly_shares
from vintage_ai_assets.parallel import map_in_processes, worker_pool
from vintage_ai_assets.progress import Progress

MENTIONS = dg.AssetKey(["clean", "mentions"])


@warehouse_asset(
    ["nlp", "text_embeddings"],
    partitions="day",
    schema=schemas.EMBEDDINGS,
    partition_expr="first_seen",
    ins={
        "mentions": dg.AssetIn(
            key=MENTIONS, metadata={"columns": ["text_hash", "text", "created_at"]}
        )
    },
)
def text_embeddings(
    context: dg.AssetExecutionContext,
    mentions: pd.DataFrame,
    embedding_model: EmbeddingModelResource,
    warehouse: WarehouseResource,
) -> dg.Output:
    """Sentence embeddings of the distinct texts first seen in the window (reused thereafter)."""
    hashes = mentions["text_hash"].unique().tolist()
    known = known_hashes(warehouse.get(), hashes, embedding_model.model, window_of(context))

    progress = Progress("embedded", len(hashes) - len(known), "texts", context.log.info)
    out = new_embeddings(
        mentions, known, embedding_model.model, progress=lambda done, _: progress.set(done)
    )
    return dg.Output(
        out,
        metadata={
            "distinct_texts": dg.MetadataValue.int(len(hashes)),
            "embedded_now": dg.MetadataValue.int(len(out)),
            "reused": dg.MetadataValue.int(len(known)),
            "model": embedding_model.model,
        },
    )


SENTIMENT_CHUNK = 20_000  # distinct texts scored per step: bounds the vectors held in memory


@warehouse_asset(
    ["nlp", "mention_sentiment"],
    partitions="day",
    schema=schemas.MENTION_SENTIMENT,
    partition_expr="created_at",
    user_facing=True,
    ins={
        "mentions": dg.AssetIn(
            key=MENTIONS,
            metadata={"columns": ["mention_id", "car", "created_at", "text", "text_hash", "lang"]},
        ),
    },
    deps=[dg.AssetKey(["nlp", "text_embeddings"])],
)
def mention_sentiment(
    context: dg.AssetExecutionContext,
    mentions: pd.DataFrame,
    embedding_model: EmbeddingModelResource,
    warehouse: WarehouseResource,
) -> dg.Output:
    """Sentiment on −1..+1 per mention (car-sentiment-4: rules + the cached embedding + word n-grams);
    texts in unsupported languages stay unscored (null)."""
    # The scorers compile the car lexicon's patterns on import: here, not when Dagster loads
    # the definitions.
    from vintage_ai_assets.nlp import scoring, sentiment_classifier
    from vintage_ai_assets.nlp import sentiment as sentiment_lib

    use_head = sentiment_classifier.head_applies(embedding_model.model)
    method = sentiment_classifier.METHOD if use_head else sentiment_lib.METHOD
    if not use_head:
        context.log.warning(
            f"the sentiment classifier was trained on other embeddings than "
            f"{embedding_model.model!r}: scoring with the rules ({method}) only"
        )
    store = warehouse.get()
    # Each distinct text is scored once (its language and vector follow from the text).
    codes, _ = pd.factorize(mentions["text_hash"])
    distinct = mentions.iloc[np.unique(codes, return_index=True)[1]]
    scores = np.full(len(distinct), np.nan)
    embedded_now = 0
    progress = Progress("scored", len(distinct), "texts", context.log.info)
    for start in range(0, len(distinct), SENTIMENT_CHUNK):
        part = distinct.iloc[start : start + SENTIMENT_CHUNK]
        english = np.flatnonzero(part["lang"].isin(sentiment_lib.SCORED_LANGUAGES).to_numpy())
        texts = part["text"].tolist()
        vectors = None
        if use_head and len(english):
            found, computed = vectors_for(
                store,
                part["text_hash"].iloc[english].tolist(),
                [texts[i] for i in english],
                embedding_model.model,
            )
            vectors = np.zeros((len(part), found.shape[1]), dtype=np.float32)
            vectors[english] = found
            embedded_now += computed
        scores[start : start + len(part)] = scoring.score_mentions(
            texts, part["lang"].tolist(), vectors
        )
        progress.advance(len(part))
    out = pd.DataFrame(
        {
            "mention_id": mentions["mention_id"],
            "car": mentions["car"],
            "created_at": mentions["created_at"],
            "sentiment": scores[codes],
            "method": method,
        }
    )
    scored = out["sentiment"].notna()
    labels = pd.Series(sentiment_lib.labels(out["sentiment"].to_numpy())).value_counts()
    return dg.Output(
        out,
        metadata={
            "method": method,
            "mentions": dg.MetadataValue.int(len(out)),
            "scored": dg.MetadataValue.int(int(scored.sum())),
            "unscored_language": dg.MetadataValue.int(int((~scored).sum())),
            "embedded_now": dg.MetadataValue.int(embedded_now),
            **{
                f"{label}_share": round(float(labels.get(label, 0) / max(1, len(out))), 4)
                for label in ("negative", "neutral", "positive")
            },
            "mean_sentiment": dg.MetadataValue.float(float(out.loc[scored, "sentiment"].mean()))
            if scored.any()
            else 0.0,
        },
    )


def previous_themes(store, car: str) -> pd.DataFrame | None:
    """The car's themes from the last run (ids and centroids), if any."""
    try:
        return store.read_table(
            "nlp.car_topics", "car = ?", [car], columns=["topic_id", "centroid"]
        )
    except duckdb.BinderException:  # a warehouse from before centroids were kept
        return None


def _topic_out(name: str, schema) -> dg.AssetOut:
    return warehouse_out(
        ["nlp", name], partitions="car", schema=schema, partition_expr="car", user_facing=True
    )


#: At most this many cars, and this many of their mentions (unless one car has more), are
#: held in memory at once, with their vectors, while their themes are fitted.
THEME_BATCH_CARS = 16
THEME_BATCH_MENTIONS = 150_000
#: Fewer cars than this are fitted in the run's own process.
MIN_PARALLEL_CARS = 4


def theme_batches(store, cars: list[str]) -> list[list[str]]:
    """``cars`` in order, cut into batches of at most ``THEME_BATCH_CARS`` cars and
    ``THEME_BATCH_MENTIONS`` mentions (a car with more mentions is a batch of its own)."""
    counts = store.query(
        "SELECT car, count(*) AS n FROM clean.mentions WHERE car IN (SELECT unnest(?)) "
        "GROUP BY car",
        [list(cars)],
    )
    size = dict(zip(counts["car"], counts["n"].astype(int), strict=True))
    batches: list[list[str]] = []
    held = 0
    for car in cars:
        n = size.get(car, 0)
        if not batches or len(batches[-1]) >= THEME_BATCH_CARS or held + n > THEME_BATCH_MENTIONS:
            batches.append([])
            held = 0
        batches[-1].append(car)
        held += n
    return batches


def _fit_themes(store, cat, model: str, cars: list[str], counts: dict[str, int]):
    """Per car: (car, its mentions, labels, topics), the fits run by worker processes
    (hdbscan is CPU-bound), a batch of cars at a time to bound memory. Texts missing from
    the embedding cache are embedded on the way and counted in ``counts["embedded_now"]``."""
    # One pool of workers for every batch (starting workers costs seconds); none for a few cars.
    with worker_pool() if len(cars) >= MIN_PARALLEL_CARS else contextlib.nullcontext() as pool:
        for batch in theme_batches(store, cars):
            # One query and one vector lookup for the whole batch (each scans its table once).
            rows = store.query(
                "SELECT m.car, m.mention_id, m.text, m.text_hash, m.created_at, m.lang, s.sentiment "
                "FROM clean.mentions m LEFT JOIN nlp.mention_sentiment s USING (mention_id) "
                "WHERE m.car IN (SELECT unnest(?)) ORDER BY m.car, m.created_at, m.mention_id",
                [batch],
            )
            all_vectors, computed = vectors_for(
                store, rows["text_hash"].tolist(), rows["text"].tolist(), model
            )
            counts["embedded_now"] = counts.get("embedded_now", 0) + computed
            # Rows come sorted by car: each car's rows are one slice (views, not copies).
            cars_of_rows = rows["car"].to_numpy()
            inputs = []
            for car in batch:
                begin = int(np.searchsorted(cars_of_rows, car, side="left"))
                end = int(np.searchsorted(cars_of_rows, car, side="right"))
                data = rows.iloc[begin:end].drop(columns="car").reset_index(drop=True)
                vectors = (
                    all_vectors[begin:end] if end > begin else np.zeros((0, 0), dtype=np.float32)
                )
                entry = cat.by_slug.get(car)
                exclude = (
                    [*cat.make_words(entry.make), entry.model, *entry.aliases, *entry.weak_aliases]
                    if entry
                    else [car]
                )
                inputs.append((car, data, vectors, exclude, previous_themes(store, car)))
            fitted = map_in_processes(
                fit_car_themes,
                [i[1]["text"].tolist() for i in inputs],
                [i[2] for i in inputs],
                [i[1]["lang"].tolist() for i in inputs],
                [i[3] for i in inputs],
                [i[4] for i in inputs],
                pool=pool,
            )
            for (car, data, *_), (labels, topics) in zip(inputs, fitted, strict=True):
                yield car, data, labels, topics


@warehouse_multi_asset(
    outs={
        "car_topics": _topic_out("car_topics", schemas.CAR_TOPICS),
        "mention_topics": _topic_out("mention_topics", schemas.MENTION_TOPICS),
        "topic_shares": _topic_out("topic_shares", schemas.TOPIC_SHARES),
    },
    deps=[
        all_days(MENTIONS),
        all_days(["nlp", "text_embeddings"]),
        all_days(["nlp", "mention_sentiment"]),
    ],
    partitions="car",
)
def car_themes(
    context: dg.AssetExecutionContext,
    catalog: CatalogResource,
    embedding_model: EmbeddingModelResource,
    warehouse: WarehouseResource,
):
    """Themes of each car's mentions: hdbscan clusters with c-TF-IDF labels, size, mean
    sentiment, representative texts, monthly shares and a growing flag."""
    store = warehouse.get()
    cat = catalog.load()
    topics_frames, labels_frames, shares_frames, summary, counts = [], [], [], {}, {}
    cars = list(context.partition_keys)
    progress = Progress("themes of", len(cars), "cars", context.log.info)
    for car, data, labels, topics in _fit_themes(store, cat, embedding_model.model, cars, counts):
        progress.advance()
        shares = monthly_shares(labels, data["created_at"])
        growing = growing_themes(shares)
        sentiment = pd.Series(data["sentiment"].to_numpy(float)).groupby(labels).mean()
        topics = topics.assign(
            car=car,
            sentiment=topics["topic_id"].map(sentiment).astype(float),
            growing=topics["topic_id"].isin(growing),
        )
        topics_frames.append(topics)
        labels_frames.append(
            pd.DataFrame({"mention_id": data["mention_id"], "car": car, "topic_id": labels})
        )
        shares_frames.append(shares.assign(car=car))
        summary[car] = {
            "mentions": len(data),
            "themes": len(topics),
            "noise": float(np.mean(labels < 0)) if len(labels) else 0.0,
            "top": topics["label"].head(3).tolist(),
        }
        context.log.info(
            f"{car}: {len(data)} mentions -> {len(topics)} themes {topics['label'].head(3).tolist()}"
        )
    car_topics_df = (
        pd.concat(topics_frames, ignore_index=True)
        if topics_frames
        else pd.DataFrame(columns=list(schemas.CAR_TOPICS.columns))
    )
    yield dg.Output(
        car_topics_df[list(schemas.CAR_TOPICS.columns)],
        output_name="car_topics",
        metadata={
            "cars": dg.MetadataValue.int(len(summary)),
            "themes": dg.MetadataValue.int(len(car_topics_df)),
            "embedded_now": dg.MetadataValue.int(counts.get("embedded_now", 0)),
            "per_car": dg.MetadataValue.md(
                "\n".join(
                    f"- **{c}** ({s['mentions']} mentions): {', '.join(s['top']) or '—'}"
                    for c, s in summary.items()
                )
            ),
        },
    )
    yield dg.Output(
        pd.concat(labels_frames, ignore_index=True)
        if labels_frames
        else pd.DataFrame(columns=["mention_id", "car", "topic_id"]),
        output_name="mention_topics",
        metadata={"summary": dg.MetadataValue.json(json.loads(json.dumps(summary, default=str)))},
    )
    yield dg.Output(
        pd.concat(shares_frames, ignore_index=True)[list(schemas.TOPIC_SHARES.columns)]
        if shares_frames
        else pd.DataFrame(columns=list(schemas.TOPIC_SHARES.columns)),
        output_name="topic_shares",
    )
