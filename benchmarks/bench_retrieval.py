"""Retrieval benchmark: ranking quality on Dutch ESCO, search speed, embedding cost.

Usage::

    python benchmarks/bench_retrieval.py           # full run -> benchmarks/results/retrieval.md
    python benchmarks/bench_retrieval.py --quick   # smoke run at small sizes; prints only

A quick run does not overwrite the full run's figures unless ``--output`` is
given. Sections:

1. Quality. Documents are ESCO occupations (preferred label, with or without
   the description); queries are their alternative labels, which never enter
   the documents or the lexical fit. Recall@1, recall@10 and MRR of the first
   relevant occupation, for lexical, dense and hybrid encoders.
2. Speed. Exact top-20 latency per single query on 50k vectors; IVF versus a
   flat scan on 1M clustered synthetic vectors, recall@20 and speed-up measured
   in the same run; build time and memory.
3. Embedding cost. Dense encoder throughput on Dutch texts of 60-120 words,
   and the cost of re-encoding unchanged texts through the embedding cache.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# Offline before anything imports huggingface_hub: a benchmark must never download.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np

from models import encoders
from models.embedding_cache import EmbeddingCache, ProgressCallback
from models.encoders import DenseEncoder, HybridEncoder, LexicalEncoder
from models.vector_index import (
    ExactIndex,
    FlatIndex,
    IVFIndex,
    available_cpus,
    build_index,
)

logger = logging.getLogger("bench_retrieval")

ESCO_CSV = ROOT / "matching" / "data" / "esco_occupations_nl.csv"
RESULTS = ROOT / "benchmarks" / "results" / "retrieval.md"
HYBRID_WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
LSA_DIMS = [256, 512, 1024]
SHORTLIST = 100  # depth of the first stage in two-stage retrieval
MS = 1e3

Figures = dict[str, object]


# -- helpers -----------------------------------------------------------------------


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(seconds) * MS, q))


def time_single_queries(
    search: Callable[[np.ndarray], object], queries: np.ndarray, warmup: int = 5
) -> list[float]:
    for query in queries[:warmup]:
        search(query)
    times = []
    for query in queries:
        start = time.perf_counter()
        search(query)
        times.append(time.perf_counter() - start)
    return times


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    pairs = zip(approx, exact, strict=True)
    return float(np.mean([len(set(a) & set(e)) / len(e) for a, e in pairs]))


def progress_bar(description: str) -> ProgressCallback:
    """An embedding-cache progress callback drawing one tqdm bar."""
    from tqdm import tqdm

    bar: list[tqdm] = []

    def update(done: int, total: int) -> None:
        if not bar:
            bar.append(tqdm(total=total, desc=description, unit="text"))
        bar[0].update(done - bar[0].n)
        if done >= total:
            bar[0].close()

    return update


def machine_description() -> list[str]:
    cpu = platform.processor() or "unknown"
    mem_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        pass
    import faiss
    import sentence_transformers
    import sklearn
    import torch

    return [
        (f"- CPU: {cpu}, {available_cpus()} cores available ({os.cpu_count()} online), "
        f"{mem_kb / 2**20:.0f} GiB RAM; {platform.system()} {platform.release()}"),
        (f"- Python {platform.python_version()}, numpy {np.__version__}, faiss {faiss.__version__}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"sentence-transformers {sentence_transformers.__version__}, "
        f"scikit-learn {sklearn.__version__}"),
    ]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


# -- 1. quality ----------------------------------------------------------------------


def load_esco(quick: bool, seed: int) -> tuple[list[str], list[str], list[str], list[set[int]]]:
    """Labels, descriptions, and alt-label queries with the occupations they belong to."""
    with open(ESCO_CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if quick:
        keep = np.random.default_rng(seed).choice(len(rows), size=600, replace=False)
        rows = [rows[i] for i in sorted(keep)]
    labels = [row["preferred_label"].strip() for row in rows]
    descriptions = [row["description"].strip() for row in rows]
    by_query: dict[str, tuple[str, set[int]]] = {}
    for j, row in enumerate(rows):
        for alt in row["alt_labels"].split("|"):
            alt = " ".join(alt.split())
            # An alt label equal to its own preferred label would test nothing.
            if alt and alt.casefold() != labels[j].casefold():
                by_query.setdefault(alt.casefold(), (alt, set()))[1].add(j)
    queries = [text for text, _ in by_query.values()]
    relevant = [occupations for _, occupations in by_query.values()]
    return labels, descriptions, queries, relevant


def rank_metrics(scores: np.ndarray, relevant: Sequence[set[int]]) -> dict[str, float]:
    """R@1, R@10 and MRR of the best-ranked relevant document; ties count against it."""
    ranks = np.empty(len(relevant))
    for i, docs in enumerate(relevant):
        row = scores[i].copy()
        best = row[list(docs)].max()
        row[list(docs)] = -np.inf
        ranks[i] = np.count_nonzero(row >= best) + 1
    return {
        "R@1": float(np.mean(ranks == 1)),
        "R@10": float(np.mean(ranks <= 10)),
        "MRR": float(np.mean(1.0 / ranks)),
    }


def two_stage(first: np.ndarray, second: np.ndarray, depth: int) -> np.ndarray:
    """Scores of ``second`` on each query's top-``depth`` by ``first``; -inf elsewhere."""
    top = np.argpartition(-first, depth - 1, axis=1)[:, :depth]
    out = np.full_like(second, -np.inf)
    np.put_along_axis(out, top, np.take_along_axis(second, top, axis=1), axis=1)
    return out


def quality_variant(
    variant: str,
    docs: list[str],
    queries: list[str],
    relevant: list[set[int]],
    dense: EmbeddingCache,
    dense_queries: np.ndarray,
    figures: Figures,
) -> list[str]:
    dense_docs = dense.encode(docs, batch_size=32, progress=progress_bar(f"docs: {variant}"))
    s_dense = dense_queries @ dense_docs.T

    def cells(scores: np.ndarray, key: str) -> list[str]:
        result = rank_metrics(scores, relevant)
        figures[f"{variant}|{key}"] = result
        return [f"{result[m]:.3f}" for m in ("R@1", "R@10", "MRR")]

    start = time.perf_counter()
    lexical = LexicalEncoder().fit(docs)
    fit_seconds = time.perf_counter() - start
    s_exact = lexical.similarity(queries, docs)
    rows: list[list[object]] = [["lexical, exact sparse TF-IDF cosine", *cells(s_exact, "exact")]]
    lsa: dict[int, np.ndarray] = {}
    for dim in [*LSA_DIMS, len(docs)]:
        if dim == lexical.n_components:
            other = lexical
        else:
            other = LexicalEncoder(n_components=dim).fit(docs)
        lsa[dim] = other.encode(queries) @ other.encode(docs).T
        name = "full rank" if dim == len(docs) else str(dim)
        rows.append([f"lexical, LSA {name} (dim {other.dim})", *cells(lsa[dim], f"lsa {dim}")])
    rows.append([f"dense ({encoders.DEFAULT_MODEL_LABEL})", *cells(s_dense, "dense")])
    s_lsa = lsa[lexical.n_components]
    del lsa

    hybrid_rows: list[list[object]] = []
    best: dict[str, tuple[float, float]] = {}
    for weight in HYBRID_WEIGHTS:
        one = weight * s_dense + (1 - weight) * s_lsa
        exact = weight * s_dense + (1 - weight) * s_exact
        row = [f"{weight:.1f}", *cells(one, f"hybrid {weight} one-stage")]
        row += cells(two_stage(one, exact, SHORTLIST), f"hybrid {weight} two-stage")
        row += cells(exact, f"hybrid {weight} exact")
        hybrid_rows.append(row)
        for stage in ("one-stage", "two-stage"):
            mrr = figures[f"{variant}|hybrid {weight} {stage}"]["MRR"]  # type: ignore[index]
            if mrr > best.get(stage, (0.0, -1.0))[1]:
                best[stage] = (weight, mrr)
    figures[f"{variant}|best"] = best

    # The real code path once, at the chosen defaults: HybridEncoder vectors in
    # the index build_index picks, top-10 per query.
    weight = encoders.DEFAULT_HYBRID_WEIGHT
    hybrid = HybridEncoder(dense, lexical, weight=weight)
    index = build_index([str(i) for i in range(len(docs))], hybrid.encode(docs))
    _, top = index.search(hybrid.encode(queries), k=10)
    pairs = zip(top, relevant, strict=True)
    hits = [[x != "" and int(x) in rel for x in row] for row, rel in pairs]
    e2e = {"R@1": np.mean([row[0] for row in hits]), "R@10": np.mean([any(row) for row in hits])}
    figures[f"{variant}|e2e"] = e2e

    lines = [f"### Documents: {variant}", ""]
    lines += markdown_table(["encoder", "R@1", "R@10", "MRR"], rows)
    lines += [
        "",
        (f"Hybrid = `w * cos_dense + (1 - w) * cos_lexical`. *1-stage*: LSA-{lexical.dim} lexical "
        f"vectors, i.e. what the vector index serves. *2-stage*: the 1-stage top-{SHORTLIST} "
        "re-scored with the exact lexical cosine (`HybridEncoder.similarity`). *Exact*: the exact "
        "fused score over all documents (the ceiling)."),
        "",
    ]
    header = ["w", "1-stage R@1", "R@10", "MRR", "2-stage R@1", "R@10", "MRR"]
    lines += markdown_table([*header, "exact R@1", "R@10", "MRR"], hybrid_rows)
    lines += [
        "",
        (f"Best w by MRR: 1-stage {best['one-stage'][0]:.1f} ({best['one-stage'][1]:.3f}), "
        f"2-stage {best['two-stage'][0]:.1f} ({best['two-stage'][1]:.3f}). "
        f"Fitting the default lexical encoder took {fit_seconds:.1f} s. End-to-end check at the "
        f"defaults, `HybridEncoder(w={weight})` -> `build_index` ({type(index).__name__}) -> "
        "top-10: "
        f"R@1 {e2e['R@1']:.3f}, R@10 {e2e['R@10']:.3f}."),
        "",
    ]
    return lines


def quality_section(dense: EmbeddingCache, quick: bool, seed: int) -> tuple[list[str], Figures]:
    labels, descriptions, queries, relevant = load_esco(quick, seed)
    logger.info("quality: %d occupations, %d alt-label queries", len(labels), len(queries))
    dense_queries = dense.encode(queries, batch_size=64, progress=progress_bar("queries"))
    lines = [
        "## 1. Quality: Dutch ESCO alternative label -> occupation",
        "",
        (f"{len(labels):,} occupations are the documents; the {len(queries):,} distinct alternative "
        "labels that differ from the preferred label are the queries, each relevant to the "
        "occupation(s) listing it. The lexical encoder is fitted on the documents only. Every "
        "document is ranked; ties count against the relevant one."),
        "",
    ]
    figures: Figures = {}
    with_descriptions = [f"{a}. {b}" for a, b in zip(labels, descriptions, strict=True)]
    variants = (("label", labels), ("label + description", with_descriptions))
    for variant, docs in variants:
        lines += quality_variant(variant, docs, queries, relevant, dense, dense_queries, figures)
    lines += defaults_summary(figures, [name for name, _ in variants])
    return lines, figures


def defaults_summary(figures: Figures, variants: list[str]) -> list[str]:
    """How the shipped defaults score against the best settings measured above."""
    weight = encoders.DEFAULT_HYBRID_WEIGHT
    dim = LexicalEncoder().n_components

    def mrr(variant: str, key: str) -> float:
        return figures[f"{variant}|{key}"]["MRR"]  # type: ignore[index]

    lines = ["### Defaults", ""]
    for variant in variants:
        best = figures[f"{variant}|best"]
        two_w, two_best = best["two-stage"]  # type: ignore[index]
        one_w, one_best = best["one-stage"]  # type: ignore[index]
        lines.append(
            f"- {variant}: at w={weight} the 2-stage MRR is "
            f"{mrr(variant, f'hybrid {weight} two-stage'):.3f} (best {two_best:.3f} at "
            f"w={two_w}; exact ceiling {mrr(variant, f'hybrid {weight} exact'):.3f}) and the "
            f"1-stage MRR {mrr(variant, f'hybrid {weight} one-stage'):.3f} (best {one_best:.3f} at "
            f"w={one_w}); lexical LSA-{dim} alone {mrr(variant, f'lsa {dim}'):.3f} against "
            f"{mrr(variant, 'exact'):.3f} exact, dense alone {mrr(variant, 'dense'):.3f}."
        )
    lines += [
        (f"- Chosen: `DEFAULT_HYBRID_WEIGHT = {weight}`, `LexicalEncoder(n_components={dim})`, "
        f"and retrieval in two stages: top-{SHORTLIST} from the index, re-scored with "
        "`HybridEncoder.similarity`. Index label + description, not the label alone."),
        "",
    ]
    return lines


# -- 2. speed ------------------------------------------------------------------------


def embedding_like(
    n: int, dim: int = 384, *, seed: int, latent: int = 64, n_topics: int = 2000, n_sub: int = 40
) -> np.ndarray:
    """Unit vectors shaped like sentence embeddings, not uniform noise.

    Points scatter around ``n_topics * n_sub`` subtopic centres, which scatter
    around ``n_topics`` topic centres (structure at several scales, so a 1M
    pool is not easier than a small one), all in a ``latent``-dimensional
    subspace (sentence embeddings have a low intrinsic dimension). A shared
    mean direction gives their anisotropy (unrelated texts still have cosine
    ~0.3); a little isotropic noise fills the other dimensions. The structure
    is fixed; ``seed`` only draws points, so pools and query sets share it.
    """
    structure = np.random.default_rng(12345)
    mean = structure.standard_normal(dim).astype(np.float32)
    mean /= np.linalg.norm(mean)
    basis = np.linalg.qr(structure.standard_normal((dim, latent)))[0].T.astype(np.float32)
    scale = np.float32(1 / np.sqrt(latent))
    topics = structure.standard_normal((n_topics, latent)).astype(np.float32) * scale
    spread = structure.uniform(0.5, 1.5, (n_topics, 1, 1)).astype(np.float32) * 0.9 * scale
    offsets = structure.standard_normal((n_topics, n_sub, latent)).astype(np.float32)
    subtopics = (topics[:, None, :] + spread * offsets).reshape(-1, latent)
    widths = structure.uniform(0.5, 1.5, len(subtopics)).astype(np.float32) * 0.3 * scale
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(n, start + 100_000) - start
        which = rng.integers(0, len(subtopics), m)
        noise = rng.standard_normal((m, latent), dtype=np.float32)
        z = subtopics[which] + widths[which, None] * noise
        block = z @ basis + np.float32(0.9) * mean
        block += np.float32(0.15 / np.sqrt(dim)) * rng.standard_normal((m, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + m] = block
    return out


def synthetic_description(seed: int) -> str:
    # Statistics on a pool of ESCO's size, to compare with the real vectors.
    pool = embedding_like(3039, seed=seed)
    sims = pool @ pool.T
    mean_cosine = float(sims[np.triu_indices(len(sims), 1)].mean())
    np.fill_diagonal(sims, -1)
    neighbours = np.sort(sims, axis=1)
    return (
        "Synthetic 384-d unit vectors shaped like sentence embeddings: 2,000 topics x 40 "
        "subtopics in a 64-d subspace, a shared mean direction and a little isotropic noise (see "
        "`embedding_like`). Among 3,039 of "
        f"them the mean pairwise cosine is {mean_cosine:.2f} and the mean cosine of the 1st / 20th "
        f"neighbour {neighbours[:, -1].mean():.2f} / {neighbours[:, -20].mean():.2f}; for the "
        "MiniLM "
        "vectors of the 3,039 ESCO label + description texts these are 0.38 and 0.73 / 0.60. "
        "Queries are fresh draws, not pool members. faiss runs single queries on one thread and "
        "batches on all available cores."
    )


def exact_small_pool(n: int, queries: np.ndarray, seed: int, figures: Figures) -> list[str]:
    pool = embedding_like(n, seed=seed)
    ids = [f"v{i}" for i in range(n)]
    rows = []
    for cls in (ExactIndex, FlatIndex):
        index = cls()
        start = time.perf_counter()
        index.add(ids, pool)
        build = time.perf_counter() - start
        times = time_single_queries(lambda q, index=index: index.search(q, 20), queries)
        p50, p95 = percentile_ms(times, 50), percentile_ms(times, 95)
        rows.append([cls.__name__, f"{build:.2f}", f"{p50:.2f}", f"{p95:.2f}", met(p50 <= 15)])
        figures[f"exact {n}|{cls.__name__}"] = {"p50_ms": p50, "p95_ms": p95}
    title = f"### Exact top-20 over {n:,} vectors, one query at a time ({len(queries)} queries)"
    lines = [title, ""]
    lines += markdown_table(["index", "build s", "p50 ms", "p95 ms", "target p50 <= 15 ms"], rows)
    return lines + [""]


def ivf_versus_flat(n: int, queries: np.ndarray, seed: int, figures: Figures) -> list[str]:
    logger.info("speed: generating %d vectors", n)
    pool = embedding_like(n, seed=seed)
    ids = [f"v{i}" for i in range(n)]

    flat = FlatIndex()
    start = time.perf_counter()
    flat.add(ids, pool)
    flat_build = time.perf_counter() - start
    _, truth = flat.search(queries, 20)
    flat_times = time_single_queries(
        functools.partial(flat.search, k=20), queries[:60], warmup=2
    )
    flat_p50 = percentile_ms(flat_times, 50)
    logger.info("speed: flat p50 %.1f ms", flat_p50)
    del flat

    rss_before = rss_bytes()
    start = time.perf_counter()
    ivf = IVFIndex()
    ivf.add(ids, pool)
    ivf_build = time.perf_counter() - start
    rss_growth = rss_bytes() - rss_before
    auto = int(ivf.nprobe_)
    nlist = int(ivf.nlist_)
    payload = n * (pool.shape[1] * 4 + 8) + nlist * pool.shape[1] * 4
    logger.info("speed: IVF built in %.0f s, nlist=%d, nprobe=%d", ivf_build, nlist, auto)

    rows = []
    chosen: dict[str, float] = {}
    for nprobe in sorted({1, 2, 4, 8, 16, 32, 64, 128, auto} & set(range(1, nlist + 1))):
        ivf.nprobe_ = nprobe
        recall = recall_at_k(ivf.search(queries, 20)[1], truth)
        times = time_single_queries(lambda q: ivf.search(q, 20), queries)
        p50, p95 = percentile_ms(times, 50), percentile_ms(times, 95)
        label = f"{nprobe} (auto)" if nprobe == auto else str(nprobe)
        rows.append([label, f"{recall:.3f}", f"{p50:.2f}", f"{p95:.2f}", f"{flat_p50 / p50:.0f}x"])
        if nprobe == auto:
            chosen = {"recall@20": recall, "p50_ms": p50, "p95_ms": p95, "speedup": flat_p50 / p50}
    ivf.nprobe_ = auto
    figures["ivf"] = {
        **chosen, "nprobe": auto, "nlist": nlist, "build_s": ivf_build, "flat_p50_ms": flat_p50
    }
    trained = min(n, nlist * ivf.train_points_per_list)
    ok = chosen["recall@20"] >= 0.95 and chosen["speedup"] >= 20
    lines = [
        f"### IVF vs flat over {n:,} vectors, top-20, one query at a time ({len(queries)} queries)",
        "",
        (f"- Flat (exact, faiss IndexFlatIP): build {flat_build:.1f} s; p50 {flat_p50:.1f} ms, "
        f"p95 {percentile_ms(flat_times, 95):.1f} ms per query ({len(flat_times)} queries)."),
        (f"- IVF: nlist {nlist} (4 sqrt(n)), trained on {trained:,} vectors; build (train + add + "
        f"nprobe tuning) {ivf_build:.0f} s = {ivf_build * 1e6 / n:.0f} s per million vectors."),
        (f"- Memory: vectors + int64 ids + centroids {payload / 2**20:,.0f} MiB "
        f"({payload * 1e6 / n / 2**30:.2f} GiB per million vectors); the process grew by "
        f"{rss_growth / 2**20:,.0f} MiB while building the IVF index (index, training copies and "
        "the string-id maps)."),
        (f"- Auto-tuned nprobe {auto}: recall@20 {chosen['recall@20']:.3f} against the exact "
        "top-20, "
        f"p50 {chosen['p50_ms']:.2f} ms, {chosen['speedup']:.0f}x faster than flat in the same run "
        f"(target recall >= 0.95 at >= 20x: {met(ok)})."),
        "",
    ]
    header = ["nprobe", "recall@20", "p50 ms", "p95 ms", "speed-up vs flat p50"]
    lines += markdown_table(header, rows)
    lines += [
        "",
        ("How many lists a query must visit depends on the data (smaller pools from this generator "
        "need more), which is why nprobe is tuned per index; `IVFIndex.tune_nprobe` accepts a "
        "sample of real queries."),
        "",
    ]
    return lines


def speed_section(quick: bool, seed: int) -> tuple[list[str], Figures]:
    figures: Figures = {}
    queries = embedding_like(100 if quick else 300, seed=seed + 1)
    lines = ["## 2. Search speed", "", synthetic_description(seed + 9), ""]
    lines += exact_small_pool(10_000 if quick else 50_000, queries, seed, figures)
    lines += ivf_versus_flat(100_000 if quick else 1_000_000, queries, seed + 2, figures)
    return lines, figures


# -- 3. embedding cost ---------------------------------------------------------------


def dutch_texts(n: int, seed: int) -> list[str]:
    """Candidate-profile-like Dutch texts of 60-120 words built from ESCO descriptions."""
    with open(ESCO_CSV, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["description"]]
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        first, second, third = (rows[i] for i in rng.choice(len(rows), size=3, replace=False))
        words = (
            f"Ik heb eerder gewerkt als {first['preferred_label']} en zoek nu werk in die "
            f"richting. {first['description']} Daarnaast interesseert het werk als "
            f"{second['preferred_label']} mij. {second['description']} {third['description']}"
        ).split()
        texts.append(" ".join(words[: int(rng.integers(60, 121))]))
    return texts


def embedding_section(
    dense_encoder: DenseEncoder, quick: bool, seed: int
) -> tuple[list[str], Figures]:
    n = 64 if quick else 512
    texts = dutch_texts(n, seed)
    words = np.array([len(text.split()) for text in texts])
    dense_encoder.encode(texts[:8])  # warm-up
    rows = []
    figures: Figures = {}
    for batch_size in (16, 32, 64):
        start = time.perf_counter()
        dense_encoder.encode(texts, batch_size=batch_size)
        elapsed = time.perf_counter() - start
        rows.append([batch_size, f"{n / elapsed:.1f}", f"{elapsed:.1f}"])
        figures[f"texts/s at batch {batch_size}"] = n / elapsed

    changed = list(texts)
    changed[0] += " Ik ben beschikbaar voor 24 uur per week."
    passes = []
    with tempfile.TemporaryDirectory() as tmp, EmbeddingCache(dense_encoder, tmp) as cache:
        for label, batch in (
            ("cold: all texts new", texts),
            ("re-import, texts unchanged", texts),
            ("re-import, one text changed", changed),
        ):
            cache.reset_counters()
            start = time.perf_counter()
            cache.encode(batch)
            passes.append((label, time.perf_counter() - start, cache.misses, cache.hits))
    cold, warm = passes[0][1], passes[1][1]
    figures["cache"] = passes
    lines = [
        "## 3. Embedding cost",
        "",
        (f"{n} Dutch profile-like texts of {words.min()}-{words.max()} words (mean "
        f"{words.mean():.0f}), dense encoder on CPU (inputs truncated at 256 word pieces)."),
        "",
    ]
    lines += markdown_table(["batch size", "texts/s", "seconds"], rows)
    lines += ["", "The same texts through the embedding cache (SQLite, temporary directory):", ""]
    lines += markdown_table(
        ["pass", "seconds", "misses (texts embedded)", "hits"],
        [[label, f"{sec:.3f}", misses, hits] for label, sec, misses, hits in passes],
    )
    lines += [
        "",
        (f"A re-import of unchanged texts embeds nothing and takes {warm / cold:.2%} of the cold "
        f"pass ({cold / max(warm, 1e-9):,.0f}x cheaper)."),
        "",
    ]
    return lines, figures


# -- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument(
        "--output", type=Path, default=None,
        help=f"markdown file to write (default for a full run: {RESULTS.relative_to(ROOT)})",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cache-dir", type=Path, default=None,
        help="embedding cache for the ESCO vectors, kept between runs (default: temporary)",
    )
    parser.add_argument(
        "--skip", choices=["quality", "speed", "embedding"], action="append", default=[]
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    output = args.output if args.output is not None else (None if args.quick else RESULTS)

    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()[0]
    dense_encoder = DenseEncoder()
    sections: list[str] = []
    if "quality" not in args.skip:
        with (
            tempfile.TemporaryDirectory() as tmp,
            EmbeddingCache(dense_encoder, args.cache_dir or tmp) as dense,
        ):
            sections += quality_section(dense, args.quick, args.seed)[0]
    if "speed" not in args.skip:
        sections += speed_section(args.quick, args.seed)[0]
    if "embedding" not in args.skip:
        sections += embedding_section(dense_encoder, args.quick, args.seed)[0]
    minutes = (dt.datetime.now(dt.UTC) - started).total_seconds() / 60
    load_end = os.getloadavg()[0]

    command = "python benchmarks/bench_retrieval.py" + (" --quick" if args.quick else "")
    header = [
        "# Retrieval" + (" (quick smoke run, not for quoting)" if args.quick else ""),
        "",
        f"- Run: {started:%Y-%m-%d %H:%M} UTC, {minutes:.0f} min, `{command}`",
        *machine_description(),
        (f"- 1-minute load average {load_start:.1f} at the start, {load_end:.1f} at the end: the "
        "machine was shared with other work, so absolute timings are pessimistic; compare the "
        "ratios measured in the same run."),
        "",
    ]
    text = "\n".join(header + sections).rstrip() + "\n"
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp_file = output.with_name(f".{output.name}.tmp")
        tmp_file.write_text(text, encoding="utf-8")
        os.replace(tmp_file, output)
        logger.info("wrote %s", output)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
