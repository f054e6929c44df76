"""The embedding backends: the int8 ONNX encoder against plain torch, its disk cache, threads.

The shipped MiniLM is exported once per test session (into the session's data directory,
or ``VINTAGE_AI_MODEL_CACHE``); the cache and concurrency tests use a tiny random BERT
built here, whose export takes a second or two.
"""

from __future__ import annotations

import json
import shutil
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from vintage_ai_assets import settings
from vintage_ai_assets.nlp import embeddings, onnx_encoder
from vintage_ai_assets.nlp.embeddings import embed_texts

LONG = (
    "Picked up my 1987 Testarossa last week after a long search. The seller had every "
    "receipt since new, the major service with the engine-out belt change was done two "
    "years ago, and the paint is mostly original apart from the front bumper. I drove it "
    "home three hundred miles and it never missed a beat; the flat twelve pulls hard above "
    "four thousand rpm and sounds incredible through the tunnels. The gated shifter is stiff "
    "when cold, the brakes need a firm push, and the air conditioning is more of a "
    "suggestion than a feature. Still, I have wanted one of these since I had the poster on "
    "my wall as a kid, and it is everything I hoped. Next steps: a proper detail, new tyres "
    "because the current ones are nine years old, and maybe a cars and coffee or two. "
) * 3

TEXTS = [
    "ok",
    "lol",
    "F40",
    "What a beast 🔥🔥",
    "Total money pit, avoid.",
    "Ferrari Testarossa at the concours, absolutely stunning in rosso corsa",
    "The valve guides failed again and the engine is smoking badly",
    "Sold at auction for a record hammer price last weekend",
    "no rust, zero problems, drives like new",
    "Is the 996 IMS bearing really a ticking time bomb or is it overblown?",
    "Just got my Model 3 delivered! Autopilot is amazing on the highway.",
    "Bring a Trailer result: $142,000 for a 1989 911 Carrera with 60k miles",
    "Che bella macchina, la Ferrari 308 GTS è un sogno",
    "Der Porsche 930 Turbo ist ein echter Klassiker mit viel Charakter",
    "ランボルギーニ・カウンタックは最高です",
    "E30 M3 prices have gone insane, $80k for a driver-quality car?",
    "Anyone know a good independent shop for a Countach near Modena?",
    "Restoration cost me more than the car is worth but I don't regret it",
    "Parts availability for the Delta Integrale is getting worse every year",
    "Cracked exhaust manifold on my F355 again. Third time this year.",
    "The new Supra is just a BMW Z4 in a costume",
    "Manual transmission or nothing.",
    "[removed]",
    "https://www.reddit.com/r/cars/comments/abc123/",
    "Miata is always the answer",
    "Does anyone have experience with the Mercedes R107 SL fuel injection? Mine idles rough "
    "when warm and the shop says it's the warm-up regulator.",
    "I think EVs will make classic cars even more valuable as weekend toys.",
    "Sunday drive through the mountains in the Dino 246, perfect weather.",
    "Hagerty says values for air-cooled 911s have flattened since last year.",
    "My dad's old Lancia Fulvia finally runs again after 20 years in the barn!!!",
    "Tesla service center experience was terrible, waited 3 hours for a wiper blade.",
    "Honestly the Diablo VT is the most underrated Lamborghini.",
    "Warning: do NOT buy a Maserati Biturbo unless you love pain.",
    "Carfax shows one owner, recent major service, new tires — seems like a good deal",
    "12345 67890",
    "??? !!!",
    "The 250 GTO is the holy grail; nothing else comes close.",
    "Stupid fast and rock solid reliable, best purchase I ever made",
    "needs a rebuild, priced accordingly",
    "Mileage: 23k. Paint: original. Interior: tan leather. Price: reasonable offers only.",
    "Why do people still buy Range Rovers knowing the air suspension will fail?",
    "Best sounding engine ever: the Lexus LFA V10. Change my mind.",
    "It is blue.",
    LONG,
    LONG[:400],
    "Porsche " * 300,
    "Question about insurance for a classic car used as a daily driver in winter",
    "Went to Pebble Beach this year, the pre-war Bugattis stole the show",
    "the clutch on my NSX slips in third gear, any ideas?",
    "",
]


@pytest.fixture(scope="module")
def fast_and_plain():
    fast = embed_texts(TEXTS, backend="onnx-int8")
    plain = embed_texts(TEXTS, backend="torch")
    return fast, plain


def test_fast_backend_is_the_default_and_in_use():

    settings.use(settings.current().but(embedding_backend="onnx-int8"))
    assert embeddings.resolve_backend() == "onnx-int8"
    assert isinstance(embeddings.load_encoder(), onnx_encoder.OnnxEncoder)
    settings.use(settings.Settings.from_env({"VINTAGE_AI_EMBEDDING_BACKEND": "Torch"}))
    assert not isinstance(embeddings.load_encoder(), onnx_encoder.OnnxEncoder)
    with pytest.raises(ValueError, match="VINTAGE_AI_EMBEDDING_BACKEND must be one of"):
        settings.Settings.from_env({"VINTAGE_AI_EMBEDDING_BACKEND": "tensorflow"})
    with pytest.raises(ValueError, match="unknown embedding backend"):
        embeddings.resolve_backend("tensorflow")


def test_fast_backend_agrees_with_torch(fast_and_plain):
    fast, plain = fast_and_plain
    assert fast.shape == plain.shape == (len(TEXTS), 384)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosine = (fast * plain).sum(axis=1)
    assert cosine.mean() >= 0.98, cosine
    assert cosine.min() >= 0.9, dict(zip(TEXTS, cosine.round(3), strict=True))


def test_order_preserved_and_duplicates_identical(fast_and_plain):
    fast, _ = fast_and_plain
    texts = TEXTS[:20]
    shuffled = list(reversed(texts)) + texts[:5]
    vectors = embed_texts(shuffled)
    assert vectors.shape == (25, 384)
    for row, text in enumerate(shuffled):
        # The same vector whatever the other texts of the call: each text runs alone.
        np.testing.assert_allclose(vectors[row], fast[TEXTS.index(text)], atol=1e-6)
    for k in range(5):
        np.testing.assert_array_equal(vectors[20 + k], vectors[19 - k])
    alone = embed_texts([TEXTS[6]])
    np.testing.assert_allclose(alone[0], fast[6], atol=1e-6)


def test_concurrent_calls_agree(fast_and_plain):
    fast, _ = fast_and_plain
    results: list[np.ndarray] = [np.empty(0)] * 3

    def call(slot: int) -> None:
        results[slot] = embed_texts(TEXTS)

    threads = [threading.Thread(target=call, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_allclose(result, fast, atol=1e-6)


@pytest.mark.parametrize("backend", ["onnx-int8", "torch"])
def test_empty_input(backend):
    out = embed_texts([], backend=backend)
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_export_is_cached_and_reused():
    cache_root = embeddings.model_cache_root()
    embed_texts(["warm"])  # exported by now, by this test or an earlier one
    directory = embeddings.load_fast_encoder().directory
    assert directory.parent == cache_root
    model_file = directory / onnx_encoder.MODEL_FILE
    stamp = model_file.stat().st_mtime_ns
    before = onnx_encoder.export_count
    onnx_encoder.clear_loaded()  # as a new process would: only the disk cache is left
    again = embeddings.load_fast_encoder()
    assert onnx_encoder.export_count == before
    assert again.directory == directory and model_file.stat().st_mtime_ns == stamp
    meta = json.loads((directory / onnx_encoder.META_FILE).read_text())
    assert meta["check_min_cosine"] >= onnx_encoder._CHECK_MIN_COSINE
    assert not [p for p in cache_root.rglob("*.tmp")]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A one-layer random BERT with MiniLM's tokenizer, as a sentence-transformers folder."""
    import torch
    from transformers import BertConfig, BertModel

    source = Path(embeddings.resolve_model())
    target = tmp_path_factory.mktemp("tiny") / "tiny-bert"
    target.mkdir()
    for name in (
        "modules.json",
        "sentence_bert_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
    ):
        shutil.copy(source / name, target / name)
    (target / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    pooling["word_embedding_dimension"] = 32
    (target / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(target)
    return target


def test_concurrent_first_use_exports_once(tiny_model, tmp_path):
    before = onnx_encoder.export_count
    results, errors = [], []
    barrier = threading.Barrier(2)

    def first_use():
        try:
            barrier.wait()
            results.append(onnx_encoder.load_encoder(str(tiny_model), tmp_path))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert onnx_encoder.export_count == before + 1
    assert results[0] is results[1]
    vectors = results[0].encode(["one", "two three", "one"])
    assert vectors.shape == (3, 32)
    np.testing.assert_array_equal(vectors[0], vectors[2])

    # A later "process": the file is loaded, not exported again.
    stamp = (results[0].directory / onnx_encoder.MODEL_FILE).stat().st_mtime_ns
    onnx_encoder.clear_loaded()
    again = onnx_encoder.load_encoder(str(tiny_model), tmp_path)
    assert onnx_encoder.export_count == before + 1
    assert (again.directory / onnx_encoder.MODEL_FILE).stat().st_mtime_ns == stamp
    assert sorted(p.name for p in again.directory.iterdir()) == [
        onnx_encoder.META_FILE,
        onnx_encoder.MODEL_FILE,
        onnx_encoder.TOKENIZER_FILE,
    ]


def test_unsupported_model_falls_back_to_torch(tiny_model, tmp_path, monkeypatch):
    odd = tmp_path / "max-pooled"
    shutil.copytree(tiny_model, odd)
    config = json.loads((odd / "1_Pooling" / "config.json").read_text())
    config["pooling_mode_mean_tokens"] = False
    config["pooling_mode_max_tokens"] = True
    (odd / "1_Pooling" / "config.json").write_text(json.dumps(config))
    settings.use(settings.current().but(model_cache=tmp_path / "cache"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectors = embed_texts(["a red car", "a blue car"], model=str(odd))
    assert any("using torch" in str(w.message) for w in caught)
    expected = embed_texts(["a red car", "a blue car"], model=str(odd), backend="torch")
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.onnx"))
