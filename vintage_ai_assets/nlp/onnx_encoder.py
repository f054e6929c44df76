"""A fast CPU encoder for sentence-transformers models: int8 ONNX Runtime, one text per call.

The model's transformer is exported once to ONNX (``torch.onnx.export``, TorchScript
exporter), its graph fused by ONNX Runtime's BERT optimiser (attention, layer norms, GELU
with the tanh approximation) and its weights quantised to int8 per channel (dynamic
quantisation of every MatMul, the attention's QKV projection included). The result is
cached on disk, keyed by a hash of the model's files and of the library versions, in
``<cache root>/<model name>-<key>/``::

    model.int8.onnx   the quantised graph (written last: its presence means "complete")
    tokenizer.json    the model's fast tokenizer, truncating at the model's max_seq_length
    meta.json         pooling, normalisation, dimension, inputs, and the export's check

Every file is written to a temporary name and renamed into place, and a lock file
serialises exports between processes, so no process ever reads a half-written model; a
later process only loads it. Within a process one encoder per (model, cache) is built,
under a lock.

At run time only ``onnxruntime``, ``tokenizers`` and numpy are used: texts are tokenised
in one batch by the fast tokenizer, then each text runs alone (no padding at all), longest
first, on one ONNX Runtime thread per worker (``threads``, default: the CPUs this process
may use), and its token states are mean-pooled and L2-normalised in numpy. Running texts
alone matters for int8: activations are quantised with scales computed per call, so a
batch would make a text's vector depend on its neighbours (cosine ~0.993 to itself); alone,
the same text always gets the same vector. On a 2-core AVX2 machine it was also as fast as
the best length-sorted token-budget batching (and 1.5x faster than 8192-token batches:
small calls keep the activations in the CPU caches).

Only models shaped as Transformer → Pooling (mean or CLS) → optional Normalize are
exported; anything else raises :class:`UnsupportedModel` and the caller falls back to torch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from vintage_ai_assets import settings

#: Bumped whenever the export recipe changes, so older caches are not reused.
RECIPE_VERSION = "2"
MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
#: Texts for the export's self-check: the int8 graph must agree with the torch model.
_CHECK_TEXTS = (
    "Ferrari Testarossa at the concours, absolutely stunning in rosso corsa",
    "The valve guides failed again and the engine is smoking badly",
    "Sold at auction for a record hammer price",
    "ok",
    "Anyone know a good independent shop for a 996 IMS bearing retrofit near Austin? "
    "The dealer quoted me an insane price and I'd rather keep the car original.",
)
_CHECK_MIN_COSINE = 0.95

_VERSIONED = ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime", "tokenizers")
_PROCESS_LOCK = threading.Lock()
_ENCODERS: dict[tuple[str, str], OnnxEncoder] = {}
#: How many exports this process has run (tests check that a cached model is reused).
export_count = 0


class UnsupportedModel(RuntimeError):
    """The model cannot be served by the ONNX encoder (the caller falls back to torch)."""


@dataclass(frozen=True)
class _Meta:
    dim: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    inputs: tuple[str, ...]
    max_seq_length: int


class OnnxEncoder:
    """Embeds texts with a cached int8 ONNX export of a sentence-transformers model."""

    def __init__(self, directory: Path, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.directory = Path(directory)
        raw = json.loads((self.directory / META_FILE).read_text(encoding="utf-8"))
        self.meta = _Meta(
            dim=int(raw["dim"]),
            pooling=str(raw["pooling"]),
            normalize=bool(raw["normalize"]),
            inputs=tuple(raw["inputs"]),
            max_seq_length=int(raw["max_seq_length"]),
        )
        self.tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.meta.max_seq_length)
        #: Batches run in parallel, one per worker thread, each single-threaded inside ONNX
        #: Runtime (which releases the GIL): no thread-pool synchronisation per operator.
        self.workers = threads or _default_threads()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(self.directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )

    @property
    def dim(self) -> int:
        return self.meta.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        """Float32 embeddings (L2-normalised if the model normalises), in the order given.

        Each text is its own ONNX Runtime call, longest first, spread over ``workers``
        threads (see the module's docstring): a text's vector depends on that text alone.
        """
        out = np.zeros((len(texts), self.meta.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([str(t) for t in texts], add_special_tokens=True)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        pending = iter(np.argsort(-lengths, kind="stable").tolist())
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    index = next(pending, None)
                if index is None:
                    return
                out[index] = self._embed(encodings[index].ids)

        workers = min(self.workers, len(texts))
        if workers <= 1:
            work()
            return out
        threads = [
            threading.Thread(target=work, name=f"onnx-encoder-{n}", daemon=True)
            for n in range(workers - 1)
        ]
        for thread in threads:
            thread.start()
        work()  # this thread works too
        for thread in threads:
            thread.join()
        return out

    def _embed(self, ids: list[int]) -> np.ndarray:
        if not ids:  # a tokenizer without special tokens, on an empty text
            return np.zeros(self.meta.dim, dtype=np.float32)
        input_ids = np.asarray(ids, dtype=np.int64)[None, :]
        feeds = {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)}
        if "token_type_ids" in self.meta.inputs:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        states = self.session.run(None, feeds)[0][0]  # (tokens, dim)
        vector = states[0] if self.meta.pooling == "cls" else states.mean(axis=0)
        vector = vector.astype(np.float32, copy=False)
        if self.meta.normalize:
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return vector


def _default_threads() -> int:
    """``VINTAGE_AI_EMBEDDING_THREADS``, else the CPUs this process may use."""
    from vintage_ai_assets.parallel import cpus

    return settings.current().embedding_threads or cpus()


def local_model_dir(model: str) -> Path:
    """The local directory holding a sentence-transformers model given by path or hub name."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    from huggingface_hub import snapshot_download

    names = [model] if "/" in model else [f"sentence-transformers/{model}", model]
    for name in names:
        with contextlib.suppress(Exception):
            return Path(snapshot_download(name, local_files_only=True))
    raise UnsupportedModel(f"{model!r} is neither a directory nor a model in the local HF cache")


def cache_key(model_dir: Path) -> str:
    """A hash of the model's files (names and contents), the recipe and the library versions."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"recipe={RECIPE_VERSION}\n".encode())
    for package in _VERSIONED:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}={version}\n".encode())
    for file in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        relative = file.relative_to(model_dir).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        digest.update(f"{relative}:{file.stat().st_size}\n".encode())
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def cache_dir_for(model_dir: Path, cache_root: Path) -> Path:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", model_dir.name).strip("-") or "model"
    return cache_root / f"{name}-{cache_key(model_dir)}"


def load_encoder(model: str, cache_root: Path, threads: int | None = None) -> OnnxEncoder:
    """The encoder for ``model``, exporting it into ``cache_root`` on first use.

    Loaded once per process and (model, cache root); safe to call from several threads and
    processes at once. Raises :class:`UnsupportedModel` (or the export's error) when the
    model cannot be exported.
    """
    key = (str(model), str(Path(cache_root).resolve()))
    with _PROCESS_LOCK:
        encoder = _ENCODERS.get(key)
        if encoder is None:
            directory = cache_dir_for(local_model_dir(model), Path(cache_root))
            if not (directory / MODEL_FILE).is_file():
                with _file_lock(directory.parent / f".{directory.name}.lock"):
                    if not (directory / MODEL_FILE).is_file():
                        export(local_model_dir(model), directory)
            encoder = OnnxEncoder(directory, threads=threads)
            _ENCODERS[key] = encoder
        return encoder


def clear_loaded() -> None:
    """Forget the encoders loaded in this process (the disk cache stays)."""
    with _PROCESS_LOCK:
        _ENCODERS.clear()


@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive lock between processes (fcntl; a no-op where fcntl is missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: the atomic renames still keep readers safe
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class _QuietRoot(logging.Filter):
    """Drops the quantiser's advice to pre-process (logged on the root logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def export(model_dir: Path, directory: Path) -> dict:
    """Export, fuse, quantise and check ``model_dir`` into ``directory`` (atomically).

    Returns the model's metadata (also written to ``meta.json``); raises
    :class:`UnsupportedModel` or the exporter's error when the model cannot be served.
    """
    global export_count
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers

    transformers.logging.disable_progress_bar()
    quiet = _QuietRoot()
    logging.getLogger().addFilter(quiet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and deprecation chatter of the exporter
            meta = _export(model_dir, directory)
    finally:
        logging.getLogger().removeFilter(quiet)
    export_count += 1
    return meta


def _export(model_dir: Path, directory: Path) -> dict:
    started = time.perf_counter()
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu")
    transformer, pooling, normalize = _parts(st)
    hf_model = transformer.auto_model
    with contextlib.suppress(Exception):  # eager attention traces into fusable ops
        hf_model.set_attn_implementation("eager")
    hf_model.eval()
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise UnsupportedModel("the model has no fast tokenizer")
    max_seq_length = int(
        transformer.max_seq_length
        or min(tokenizer.model_max_length, hf_model.config.max_position_embeddings)
    )
    import inspect

    accepted = inspect.signature(hf_model.forward).parameters
    inputs = tuple(
        name for name in ("input_ids", "attention_mask", "token_type_ids") if name in accepted
    )

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args):
            return self.inner(**dict(zip(inputs, args, strict=True))).last_hidden_state

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent, prefix=f".{directory.name}.") as work:
        work = Path(work)
        dummy = tuple(torch.ones(2, 16, dtype=torch.long) for _ in inputs)
        axes = {name: {0: "batch", 1: "sequence"} for name in (*inputs, "last_hidden_state")}
        with torch.no_grad():
            torch.onnx.export(
                _Wrapper(hf_model),
                dummy,
                str(work / "model.onnx"),
                input_names=list(inputs),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                do_constant_folding=True,
                dynamo=False,
            )
        fused = _fuse(work / "model.onnx", work / "model.fused.onnx", hf_model.config)
        _quantise(fused, work / MODEL_FILE)

        backend = tokenizer.backend_tokenizer
        backend.no_padding()
        backend.enable_truncation(max_seq_length)
        meta = {
            "dim": int(st.get_sentence_embedding_dimension()),
            "pooling": pooling,
            "normalize": normalize,
            "inputs": list(inputs),
            "max_seq_length": max_seq_length,
            "model_dir": str(model_dir),
            "versions": {p: _version(p) for p in _VERSIONED},
            "recipe": RECIPE_VERSION,
            "fused": fused.name == "model.fused.onnx",
        }
        (work / TOKENIZER_FILE).write_text(backend.to_str(), encoding="utf-8")
        (work / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

        # The self-check: the int8 graph must agree with the torch model on a few texts.
        reference = st.encode(list(_CHECK_TEXTS), convert_to_numpy=True, show_progress_bar=False)
        candidate = OnnxEncoder(work, threads=1).encode(list(_CHECK_TEXTS))
        cosine = _cosine(reference, candidate)
        if float(cosine.min()) < _CHECK_MIN_COSINE:
            raise UnsupportedModel(
                f"the int8 export disagrees with the torch model (min cosine {cosine.min():.3f})"
            )
        meta["check_min_cosine"] = round(float(cosine.min()), 5)
        meta["export_seconds"] = round(time.perf_counter() - started, 2)
        (work / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

        # Atomic renames from the work directory (same file system); the model goes last,
        # since its presence is what marks the export complete.
        for name in (TOKENIZER_FILE, META_FILE, MODEL_FILE):
            os.replace(work / name, directory / name)
    return meta


def _parts(st) -> tuple:
    """(transformer module, pooling mode, normalises?) of a plain sentence-transformers model."""
    modules = list(st)
    kinds = [type(m).__name__ for m in modules]
    if len(modules) not in (2, 3) or kinds[0] != "Transformer" or kinds[1] != "Pooling":
        raise UnsupportedModel(f"unsupported module layout {kinds}")
    if len(modules) == 3 and kinds[2] != "Normalize":
        raise UnsupportedModel(f"unsupported module layout {kinds}")
    pooling = modules[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None:  # sentence-transformers < 6
        config = pooling.get_config_dict()
        active = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
        mode = active[0].removeprefix("pooling_mode_") if len(active) == 1 else tuple(active)
    mode = {"mean_tokens": "mean", "cls_token": "cls"}.get(mode, mode)
    if mode not in ("mean", "cls"):
        raise UnsupportedModel(f"unsupported pooling {mode!r}")
    if getattr(pooling, "include_prompt", True) is False:
        raise UnsupportedModel("pooling that excludes prompts is not supported")
    return modules[0], mode, len(modules) == 3


def _fuse(source: Path, target: Path, config) -> Path:
    """ONNX Runtime's transformer fusions for BERT-like graphs; the plain graph otherwise."""
    if getattr(config, "model_type", "") not in ("bert", "roberta", "xlm-roberta"):
        return source
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    options = FusionOptions("bert")
    options.enable_gelu_approximation = True  # tanh GELU: ~5% faster, cosine unchanged
    try:
        optimised = optimizer.optimize_model(
            str(source),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
            opt_level=1,
            optimization_options=options,
        )
        optimised.save_model_to_file(str(target))
    except Exception:  # noqa: BLE001 - an unfused graph is still correct, only slower
        return source
    return target


def _quantise(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"
