"""Theme discovery on BANKING77 test (3,080 texts, 77 intents): ours vs BERTopic 0.17, same embeddings.

Embeddings: MiniLM on the runtime ``voc discover`` runs (int8 through ONNX; ``--theme-backends``
compares runtimes over several seeds). Scores: NMI and ARI against the gold intents (unassigned
contacts counted as one class), coverage (share assigned to a theme) and wall time of the
clustering step (embeddings are precomputed and cached for both). ``--scale`` adds time and peak
memory of discovery at 10k, 50k and 200k contacts built from BANKING77 embeddings perturbed by
small random noise (each size in a fresh process).

Our parameters are the ``ThemeModel`` defaults, chosen on random 3,080-text samples of the *train*
split (see ``--tune``); the test labels are only used for scoring.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from nlp.embed import Backend

SCALE_SIZES = (10_000, 50_000, 200_000)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("themes")
    group.add_argument("--scale", action="store_true", help="themes: also time 10k/50k/200k contacts")
    group.add_argument("--tune", action="store_true", help="themes: parameter grid on train samples")
    group.add_argument("--cache-speedup", action="store_true", help="themes: time 1,000 texts cold vs cached")
    group.add_argument("--no-bertopic", action="store_true", help="themes: skip the BERTopic peer")
    group.add_argument("--cache", type=Path, default=None, help="embedding cache (default: workspace)")
    group.add_argument(
        "--theme-backends",
        nargs="+",
        choices=("torch", "onnx", "onnx-int8"),
        default=None,
        help="themes: also ours on each MiniLM runtime's embeddings, over --theme-seeds (discovery's choice)",
    )
    group.add_argument(
        "--theme-seeds", type=int, default=4, help="themes: seeds per runtime (--theme-backends)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.cluster import KMeans

    from nlp.themes import ThemeModel

    test = _read(args.banking77, "test")
    embedder, X = _embed(test["text"].tolist(), args)
    gold = test["category"].to_numpy()

    _warm_up()  # numba compiles UMAP's kernels once per process: bill neither method for it
    rows = []
    started = time.perf_counter()
    ours = ThemeModel().fit(X, test["text"].tolist())
    rows.append(_score("ours (ThemeModel defaults)", gold, ours.labels_, time.perf_counter() - started))
    if not getattr(args, "no_bertopic", False):
        rows.append(_bertopic(test["text"].tolist(), X, embedder, gold))
    started = time.perf_counter()
    kmeans = KMeans(n_clusters=77, n_init=3, random_state=0).fit_predict(X)
    rows.append(_score("k-means, true k=77 (reference)", gold, kmeans, time.perf_counter() - started))
    if len(rows) > 2:
        ratio = {"method": "ours / BERTopic"}
        for key in ("nmi", "ari", "coverage", "seconds"):
            ratio[key] = rows[0][key] / rows[1][key] if rows[1][key] else float("nan")
        rows.insert(2, ratio)
    result: dict[str, Any] = {
        "title": "themes: BANKING77 test, 3,080 texts, 77 intents",
        "rows": rows,
        "notes": [
            "unassigned contacts count as one class in NMI/ARI; time = clustering only, embeddings cached",
            "targets: NMI >= 0.84, ARI >= 0.55, coverage >= 95%, time < 0.5 x BERTopic",
        ],
        "extra_tables": {},
    }
    backends = getattr(args, "theme_backends", None)
    if backends:
        seeds = range(max(1, int(getattr(args, "theme_seeds", 4))))
        result["extra_tables"][f"ours per MiniLM runtime (mean over seeds 0-{seeds[-1]})"] = [
            _by_backend(backend, test["text"].tolist(), gold, seeds, args) for backend in backends
        ]
    if getattr(args, "tune", False):
        result["extra_tables"]["tuning on train samples (3 x 3,080 texts)"] = tune(args)
    if getattr(args, "cache_speedup", False):
        result["extra_tables"]["embedding cache (1,000 test texts, fresh cache)"] = [
            _cache_speedup(test["text"].tolist()[:1000])
        ]
    if getattr(args, "scale", False):
        train = _read(args.banking77, "train")
        _, X_train = _embed(train["text"].tolist(), args)
        base = np.concatenate([X, X_train])
        texts = test["text"].tolist() + train["text"].tolist()
        result["extra_tables"]["scale (fit on a 20k sample, nearest-centroid for the rest)"] = [
            _scale_in_subprocess(base, texts, n) for n in SCALE_SIZES
        ]
    return result


def tune(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Grid over the HDBSCAN settings on 3 random 3,080-text samples of the train split."""
    import itertools

    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from nlp.themes import ThemeModel

    train = _read(args.banking77, "train")
    _, X = _embed(train["text"].tolist(), args)
    gold = train["category"].to_numpy()
    rng = np.random.default_rng(123)
    samples = [rng.choice(len(X), 3080, replace=False) for _ in range(3)]
    rows = []
    grid = itertools.product((15, 25), (10, 15), (None, 5), ("eom", "leaf"))
    for n_neighbors, min_theme_size, min_samples, selection in grid:
        scores = []
        for seed, rows_ in enumerate(samples):
            model = ThemeModel(
                n_neighbors=n_neighbors,
                min_theme_size=min_theme_size,
                min_samples=min_samples,
                selection=selection,  # type: ignore[arg-type]
                random_state=seed,
            )
            labels = model.fit_predict(X[rows_])
            scores.append(
                (normalized_mutual_info_score(gold[rows_], labels), adjusted_rand_score(gold[rows_], labels))
            )
        nmi, ari = np.mean(scores, axis=0)
        rows.append(
            {
                "n_neighbors": n_neighbors,
                "min_theme_size": min_theme_size,
                "min_samples": min_samples,
                "selection": selection,
                "nmi": nmi,
                "ari": ari,
            }
        )
    return rows


# -------------------------------------------------------------------------------------------
def _warm_up() -> None:
    import warnings

    import hdbscan
    from umap import UMAP

    X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        UMAP(n_neighbors=10, n_components=5, metric="cosine", n_epochs=20, random_state=0).fit_transform(X)
        UMAP(n_neighbors=10, n_components=5, metric="cosine", n_epochs=20).fit_transform(X)
        hdbscan.HDBSCAN(min_cluster_size=10).fit(X[:, :5])


def _read(folder: Path, split: str) -> pd.DataFrame:
    path = Path(folder) / f"{split}.csv"
    if not path.is_file():
        raise SystemExit(f"{path}: not found; pass --banking77 DIR (a folder with train.csv and test.csv)")
    return pd.read_csv(path)


def _embed(
    texts: list[str], args: argparse.Namespace, backend: Backend | None = None
) -> tuple[Any, np.ndarray]:
    """``texts`` embedded by MiniLM on ``backend`` (default: the one ``voc discover`` runs)."""
    from nlp.discovery import DiscoveryConfig
    from nlp.embed import EmbedConfig, Embedder
    from voc.workspace import Workspace

    backend = backend or DiscoveryConfig().runtime
    workspace = Workspace.resolve()
    cache = getattr(args, "cache", None) or workspace.embedding_cache
    config = EmbedConfig(cache_dir=cache, backend=backend, onnx_cache_dir=workspace.onnx_cache)
    embedder = Embedder(config)
    return embedder, embedder.encode(texts)


def _by_backend(
    backend: Backend, texts: list[str], gold: np.ndarray, seeds: range, args: argparse.Namespace
) -> dict[str, Any]:
    """Ours on one runtime's embeddings: NMI, ARI and coverage averaged over ``seeds``, with the range."""
    from nlp.themes import ThemeModel

    _, X = _embed(texts, args, backend)
    scores = []
    for seed in seeds:
        started = time.perf_counter()
        labels = ThemeModel(random_state=seed).fit(X, texts).labels_
        scores.append(_score(backend, gold, labels, time.perf_counter() - started))
    frame = pd.DataFrame(scores)
    return {
        "runtime": backend,
        "nmi": float(frame["nmi"].mean()),
        "nmi range": f"{frame['nmi'].min():.3f}-{frame['nmi'].max():.3f}",
        "ari": float(frame["ari"].mean()),
        "ari range": f"{frame['ari'].min():.3f}-{frame['ari'].max():.3f}",
        "coverage": float(frame["coverage"].mean()),
        "themes": float(frame["themes"].mean()),
        "seeds": len(scores),
    }


def _score(method: str, gold: np.ndarray, labels: np.ndarray, seconds: float) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = np.asarray(labels)
    return {
        "method": method,
        "themes": len(np.unique(labels[labels >= 0])),
        "nmi": float(normalized_mutual_info_score(gold, labels)),
        "ari": float(adjusted_rand_score(gold, labels)),
        "coverage": float((labels >= 0).mean()),
        "seconds": seconds,
    }


def _bertopic(texts: list[str], X: np.ndarray, embedder: Any, gold: np.ndarray) -> dict[str, Any]:
    from bertopic import BERTopic
    from bertopic.backend import BaseEmbedder

    class Ours(BaseEmbedder):  # BERTopic's plug for a custom encoder: ours, on any runtime
        def embed(self, documents: Any, verbose: bool = False) -> np.ndarray:
            return embedder.encode(list(documents))

    started = time.perf_counter()
    topics, _ = BERTopic(embedding_model=Ours()).fit_transform(texts, embeddings=X)
    return _score("BERTopic 0.17 defaults", gold, np.asarray(topics), time.perf_counter() - started)


def _cache_speedup(texts: list[str]) -> dict[str, Any]:
    import tempfile

    from nlp.embed import EmbedConfig, Embedder

    with tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(EmbedConfig(cache_dir=Path(tmp), show_progress=False))
        _ = embedder.model  # loading the weights is not part of either timing
        started = time.perf_counter()
        first = embedder.encode(texts)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        second = Embedder(EmbedConfig(cache_dir=Path(tmp), show_progress=False)).encode(texts)
        warm = time.perf_counter() - started
    assert np.array_equal(first, second)
    return {"texts": len(texts), "cold_s": cold, "cached_s": warm, "speedup": cold / warm}


def _scale_in_subprocess(base: np.ndarray, texts: list[str], n: int) -> dict[str, Any]:
    """Run :func:`_scale_one` in a fresh process so its peak memory is its own."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_scale_one, (base, texts, n))


def _scale_one(base: np.ndarray, texts: list[str], n: int) -> dict[str, Any]:
    from nlp.themes import ThemeModel

    rng = np.random.default_rng(n)
    rows = rng.integers(0, len(base), n)
    # Perturbed copies: cosine ~0.9 to their source, so no two contacts are identical.
    X = base[rows] + rng.normal(0, 0.017, (n, base.shape[1])).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    contact_texts = [texts[i] for i in rows]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    model = ThemeModel().fit(X, contact_texts)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "contacts": n,
        "themes": len(model.themes_),
        "coverage": float((model.labels_ >= 0).mean()),
        "seconds": seconds,
        "peak_rss_mib": round(peak),
        "rss_before_fit_mib": round(before),
    }
