"""Run every benchmark and gather their sections into BENCHMARKS.md.

Each ``bench_*.py`` writes its own section to ``benchmarks/results/<name>.md``;
this script runs them (``--only NAME`` to pick some, ``--quick`` for a smoke
run) and then writes ``BENCHMARKS.md`` from all sections present, so a
section measured earlier stays until its benchmark runs again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
#: Order of the sections in BENCHMARKS.md.
ORDER = ("shortlist_quality", "retrieval", "ranker_speed", "ranking_quality", "planner", "report", "api")


def collect() -> Path:
    sections = {p.stem: p.read_text(encoding="utf-8").strip() for p in sorted(RESULTS.glob("*.md"))}
    names = [n for n in ORDER if n in sections] + sorted(n for n in sections if n not in ORDER)
    body = "\n\n".join(sections[n] for n in names)
    text = (
        "# Benchmarks\n\n"
        "Written by `python benchmarks/run_all.py` from the sections each `benchmarks/bench_*.py` "
        "leaves in `benchmarks/results/`. Absolute timings on a shared 2-core machine are noisy; "
        "each section reports ratios measured in the same run next to them.\n\n" + body + "\n"
    )
    target = ROOT / "BENCHMARKS.md"
    target.write_text(text, encoding="utf-8")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", action="append", default=[], help="run only bench_NAME.py")
    parser.add_argument("--collect-only", action="store_true", help="only rebuild BENCHMARKS.md")
    args = parser.parse_args()
    failed = []
    if not args.collect_only:
        scripts = sorted(HERE.glob("bench_*.py"))
        if args.only:
            scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
        for script in scripts:
            start = time.perf_counter()
            print(f"== {script.name}", flush=True)
            cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
            if subprocess.run(cmd, check=False, cwd=ROOT).returncode != 0:
                failed.append(script.name)
            print(f"   {time.perf_counter() - start:.0f} s", flush=True)
    print(f"wrote {collect()}")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
