"""``write_world``: the importable CSV folder plus ``truth/`` with the hidden ground truth.

Everything is written deterministically: fixed row order, fixed float formatting, and
gzip with ``mtime=0`` and no file name in the header, so the same world gives the same
bytes.

``truth/`` holds

* ``p_good.csv.gz`` - candidate_id, work_need_id, p_good, p_good_expected for every pair
  (``p_good_expected`` = E[p_good | the exported records], see ``posterior.py``);
* ``p_base.csv`` - monthly chance of finding work without events, caseload months, the
  chance over the period, comparison and treated flags;
* ``effect.json`` - the true programme effect on the treated (see ``effect.py``);
* ``families.csv`` - the hidden families, their ISCO groups and affinities;
* ``candidates_latent.csv`` / ``work_needs_latent.csv`` - hidden per-record traits;
* ``model.json`` - coefficients, hidden sds and variance decomposition.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from matching.records.csv_io import write_folder
from models.atomic_write import atomic_write
from training.simulator.families import FAMILIES, FAMILY_CODES
from training.simulator.occupations import load_catalogue
from training.simulator.world import SimulatedWorld

TRUTH_DIR = "truth"


def _csv_bytes(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _digits(values: np.ndarray) -> np.ndarray:
    """Probabilities as fixed-width ASCII "d.dddddd" (uint8 matrix, one row per value)."""
    scaled = np.rint(np.clip(values, 0.0, 1.0) * 1e6).astype(np.int64)
    out = np.empty((scaled.size, 8), dtype=np.uint8)
    out[:, 1] = ord(".")
    out[:, 0] = scaled // 1_000_000 + ord("0")
    rest = scaled % 1_000_000
    for k in range(6):
        out[:, 7 - k] = rest % 10 + ord("0")
        rest //= 10
    return out


def _ascii_matrix(ids: list[str]) -> np.ndarray | None:
    """Equal-width ids as a uint8 matrix; None when the widths differ."""
    width = len(ids[0]) if ids else 0
    if not ids or any(len(x) != width for x in ids):
        return None
    return np.frombuffer("".join(ids).encode("ascii"), dtype=np.uint8).reshape(len(ids), width)


def _pair_lines(
    cand: np.ndarray, work: np.ndarray, p: np.ndarray, q: np.ndarray
) -> bytes:
    """Rows "candidate,work,p,q\n" for a block of candidates (all work needs each)."""
    n_c, n_w = cand.shape[0], work.shape[0]
    pieces = [
        np.repeat(cand, n_w, axis=0),
        np.full((n_c * n_w, 1), ord(","), dtype=np.uint8),
        np.tile(work, (n_c, 1)),
        np.full((n_c * n_w, 1), ord(","), dtype=np.uint8),
        _digits(p.ravel()),
        np.full((n_c * n_w, 1), ord(","), dtype=np.uint8),
        _digits(q.ravel()),
        np.full((n_c * n_w, 1), ord("\n"), dtype=np.uint8),
    ]
    return np.hstack(pieces).tobytes()


def _p_good_bytes(world: SimulatedWorld, chunk: int = 256) -> bytes:
    """gzip of the every-pair truth table (level 1: the table is large, speed matters)."""
    t = world.truth
    n_c = t.p_good.shape[0]
    cand_ascii = _ascii_matrix(t.candidate_ids)
    work_ascii = _ascii_matrix(t.work_need_ids)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) as gz:
        gz.write(b"candidate_id,work_need_id,p_good,p_good_expected\n")
        for start in range(0, n_c, chunk):
            stop = min(start + chunk, n_c)
            p, q = t.p_good[start:stop], t.p_good_expected[start:stop]
            if cand_ascii is not None and work_ascii is not None:
                gz.write(_pair_lines(cand_ascii[start:stop], work_ascii, p, q))
                continue
            rows = [
                f"{t.candidate_ids[i]},{wid},{a:.6f},{b:.6f}\n"
                for i in range(start, stop)
                for wid, a, b in zip(t.work_need_ids, p[i - start].tolist(), q[i - start].tolist(), strict=False)
            ]
            gz.write("".join(rows).encode("utf-8"))
    return raw.getvalue()


def _families_rows(world: SimulatedWorld) -> tuple[list[str], list[list[object]]]:
    catalogue = load_catalogue()
    counts = [len(members) for members in catalogue.by_family]
    header = ["family", "label", "supergroups", "isco_groups", "n_occupations",
              "candidate_share", "work_need_share"] + [f"affinity_{c}" for c in FAMILY_CODES]
    t = world.truth
    cand_share = np.bincount(t.candidate_family, minlength=len(FAMILIES)) / max(
        t.candidate_family.size, 1
    )
    work_share = np.bincount(t.work_family, minlength=len(FAMILIES)) / max(t.work_family.size, 1)
    rows: list[list[object]] = []
    for f, fam in enumerate(FAMILIES):
        rows.append(
            [fam.code, fam.label, "|".join(fam.supergroups), "|".join(fam.isco_groups),
             counts[f], f"{cand_share[f]:.6f}", f"{work_share[f]:.6f}"]
            + [f"{a:.6f}" for a in t.affinity[f]]
        )
    return header, rows


def _code(f: int) -> str:
    return FAMILY_CODES[f] if f >= 0 else ""


def write_world(
    world: SimulatedWorld,
    out_dir: Path | str,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, int]:
    """Write the CSV folder (importable with ``matching.records.csv_io.read_folder``) and ``truth/``.

    Returns the number of rows written per file: the record entities (``candidates`` ...)
    and the truth files (``truth/p_good.csv.gz`` ...). ``progress(stage, fraction)`` is
    called as in :func:`training.simulator.simulate`.
    """
    out = Path(out_dir)

    def report(done: int) -> None:
        if progress is not None:
            progress("schrijven", done / 4)

    report(0)
    counts = dict(write_folder(out, world.records()))
    report(1)
    truth = write_truth(world, out / TRUTH_DIR, lambda done: report(1 + done))
    counts.update({f"{TRUTH_DIR}/{name}": n for name, n in truth.items()})
    return counts


def write_truth(
    world: SimulatedWorld, truth_dir: Path, report: Callable[[int], None] = lambda _done: None
) -> dict[str, int]:
    """Write the hidden truth files into ``truth_dir``; returns the rows written per file.

    ``report(done)`` is called after each of three steps.
    """
    truth_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    t = world.truth
    atomic_write(truth_dir / "p_good.csv.gz", _p_good_bytes(world))
    counts["p_good.csv.gz"] = int(t.p_good.size)
    report(1)

    period = 1.0 - (1.0 - t.p_base) ** t.caseload_months
    base_rows = [
        [cid, f"{t.p_base[i]:.6f}", int(t.caseload_months[i]), f"{period[i]:.6f}",
         "true" if t.comparison[i] else "false", "true" if t.treated[i] else "false"]
        for i, cid in enumerate(t.candidate_ids)
    ]
    atomic_write(
        truth_dir / "p_base.csv",
        _csv_bytes(["candidate_id", "p_base_monthly", "caseload_months", "p_base_period",
                    "comparison_group", "treated"], base_rows),
    )
    counts["p_base.csv"] = len(base_rows)

    header, fam_rows = _families_rows(world)
    atomic_write(truth_dir / "families.csv", _csv_bytes(header, fam_rows))
    counts["families.csv"] = len(fam_rows)

    cand_rows = [
        [cid, _code(int(t.candidate_family[i])), _code(int(t.candidate_second_family[i])),
         f"{t.candidate_second_weight[i]:.6f}", f"{t.candidate_motivation[i]:.6f}",
         f"{t.circumstances[i]:.6f}", _code(int(t.candidate_rm_belief[i])),
         _code(int(t.candidate_revealed_family[i]))]
        for i, cid in enumerate(t.candidate_ids)
    ]
    atomic_write(
        truth_dir / "candidates_latent.csv",
        _csv_bytes(["candidate_id", "family", "second_family", "second_family_weight",
                    "motivation", "circumstances", "rm_belief_family", "text_family"],
                   cand_rows),
    )
    counts["candidates_latent.csv"] = len(cand_rows)
    work_rows = [
        [wid, _code(int(t.work_family[j])), t.work_occupation_uri[j], int(t.work_skill[j])]
        for j, wid in enumerate(t.work_need_ids)
    ]
    atomic_write(
        truth_dir / "work_needs_latent.csv",
        _csv_bytes(["work_need_id", "family", "occupation_uri", "skill_level"], work_rows),
    )
    counts["work_needs_latent.csv"] = len(work_rows)
    report(2)

    atomic_write(
        truth_dir / "effect.json",
        (json.dumps(t.effect, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(),
    )
    counts["effect.json"] = 1
    atomic_write(
        truth_dir / "model.json",
        (json.dumps(t.model, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(),
    )
    counts["model.json"] = 1
    report(3)
    return counts
