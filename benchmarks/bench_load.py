"""Load test with locust: mixed traffic against two API workers on PostgreSQL, for a region
of ten municipalities whose largest has Amsterdam's caseload.

Usage::

    python benchmarks/bench_load.py [--largest 40000] [--municipalities 10] [--users 32]
                                    [--seconds 60] [--quick]

Everything runs on 127.0.0.1 and is removed afterwards:

1. ``werkkans simulate --municipalities N`` (sizes in proportion to population, the largest
   ``--largest`` candidates) is imported into a throwaway PostgreSQL server;
2. ``werkkans batch`` embeds every profile on a 2-worker Dask cluster, trains the pooled
   ranker and precomputes every open work need's first list;
3. ``werkkans serve --workers 2`` serves it (the same app as in production); each
   municipality's user logs in once (:func:`log_in`);
4. locust, headless, runs ``benchmarks/locustfile.py`` for ``--seconds`` with ``--users``
   users: relationship managers (shortlists of their own municipality and of the region,
   work-need pages) asking as fast as the service answers (the load generator shares the
   cores with the service); then the same with colleagues writing (2 of 32 users, one
   write every 3 s each: three in four an outcome, one a candidate's profile edited);
   then, for twice as long, that mix at a working day's pace: relationship managers pause
   ``PAUSE`` seconds between requests. Statistics start once every user has started;
5. in-process on the same data, with the service stopped: lists brought up to date after
   an outcome and after a profile edit against the same lists made anew over every
   candidate, and the pool patched against read in full (:func:`brought_up_to_date`); every
   list of the largest municipality carried forward after each write (:func:`carried_forward`).

Writes ``benchmarks/results/load.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from cpu import cpu_name
from servers import free_port, postgres_server, wait_until_up

RESULTS = ROOT / "benchmarks" / "results" / "load.md"
BIN = Path(sys.executable).parent
SECRET = "load-secret-" + "k" * 40
PASSWORD = "load-test-password-1"
TARGETS = {"shortlist largest": 100.0, "shortlist region": 150.0}
#: Seconds a relationship manager pauses between requests in the paced run (reading a list).
PAUSE = (3.0, 10.0)


def werkkans(*args: str, env: dict[str, str], timeout: float = 7200) -> str:
    done = subprocess.run([str(BIN / "werkkans"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"werkkans {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def plan(folder: Path, largest_code: str, out: Path) -> dict:
    """Per municipality: its user, open work needs, and some candidates and employers."""
    def rows(name: str) -> list[dict[str, str]]:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    rng = random.Random(3)
    places = []
    candidates = rows("candidates.csv")
    employers = rows("employers.csv")
    needs = rows("work_needs.csv")
    for m in rows("municipalities.csv"):
        code = m["id"]
        own = [c["id"] for c in candidates if c["municipality"] == code]
        places.append({
            "code": code,
            "name": m["name"],
            "user": f"rm.{code.lower()}",
            "largest": code == largest_code,
            "size": len(own),
            "candidates": rng.sample(own, min(200, len(own))),
            "work_needs": [n["id"] for n in needs if n["municipality"] == code and n["open"] == "true"],
            "employers": [e["id"] for e in employers if e["municipality"] == code],
        })
    payload = {"password": PASSWORD, "municipalities": places}
    out.write_text(json.dumps(payload), encoding="utf-8")
    return payload


def locust(host: str, plan_file: Path, users: int, seconds: int, prefix: Path, *, writes: bool,
           pause: tuple[float, float] = (0.0, 0.2)) -> dict:
    """One headless run; relationship managers pause ``pause`` seconds between requests."""
    classes = ["RelationshipManager", "OutcomeRecorder"] if writes else ["RelationshipManager"]
    subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
         "-u", str(users), "-r", str(max(1, users // 4)), "-t", f"{seconds}s", "--host", host,
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
         "--reset-stats", *classes],  # measured once every user has started
        env={**os.environ, "WERKKANS_LOAD_PLAN": str(plan_file),
             "WERKKANS_LOAD_PAUSE": ",".join(map(str, pause))},
        check=False,
        capture_output=True, timeout=seconds + 120,
    )
    stats = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = row
    # what failed, kept with the figures (the run's folder is removed afterwards)
    with open(f"{prefix}_failures.csv", encoding="utf-8", newline="") as handle:
        stats["failures"] = [
            f"{row['Occurrences']} × {row['Name']}: {row['Error'][:200]}"
            for row in csv.DictReader(handle)
        ]
    return stats


class Autovacuum:
    """Samples, once a second while in use, whether PostgreSQL's autovacuum is working and on
    what: it shares the cores with the service, and the runs start soon after the import and
    the batch wrote hundreds of thousands of rows."""

    def __init__(self, db: str) -> None:
        import sqlalchemy as sa

        self._engine = sa.create_engine(db, poolclass=sa.pool.NullPool)
        self._query = sa.text(
            "SELECT query FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        )
        self.samples = 0
        self.busy = 0
        self.tables: set[str] = set()
        self._stop = threading.Event()

    def _sample(self) -> None:
        with self._engine.connect() as conn:
            while not self._stop.wait(1.0):
                working = [str(q) for q in conn.execute(self._query).scalars()]
                self.samples += 1
                self.busy += bool(working)
                self.tables.update(q.removeprefix("autovacuum: ").split(" (")[0] for q in working)

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._engine.dispose()

    def __str__(self) -> str:
        share = self.busy / self.samples if self.samples else 0.0
        where = f" ({', '.join(sorted(self.tables))})" if self.tables else ""
        return f"autovacuum working in {share:.0%} of {self.samples} one-second samples{where}"


def log_in(host: str, plan_file: Path) -> list[float]:
    """Log each municipality's user in once, before the runs, as staff do at the start of a
    day; the users of the runs share those tokens. Returns each login's seconds.

    Every locust run used to log its 32 users in at once as it started: bcrypt on the cores
    the service shares slowed the first seconds after the statistics were reset, so the tail
    of the working day's pace measured logging in more than shortlists."""
    import httpx

    payload = json.loads(plan_file.read_text(encoding="utf-8"))
    seconds = []
    with httpx.Client(base_url=host, timeout=60) as client:
        for place in payload["municipalities"]:
            started = time.perf_counter()
            r = client.post("/token", data={"username": place["user"], "password": payload["password"]})
            r.raise_for_status()
            seconds.append(time.perf_counter() - started)
            place["token"] = r.json()["access_token"]
    plan_file.write_text(json.dumps(payload), encoding="utf-8")
    return seconds


def stale_lists(db: str, since: dt.datetime) -> tuple[int, list[float]]:
    """Lists shown since ``since`` (the audit log), and the age in seconds of the history
    each one shown as it was before (while its successor was computed) predated."""
    import sqlalchemy as sa

    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            inputs = conn.execute(
                sa.text("SELECT inputs FROM audit_log WHERE action = 'shortlist_shown' AND at >= :since"),
                {"since": since},
            ).scalars().all()
    finally:
        engine.dispose()
    ages = [
        float(i["stale_seconds"]) for i in (json.loads(x) if isinstance(x, str) else x for x in inputs)
        if i and "stale_seconds" in i
    ]
    return len(inputs), ages


def carried_forward(db: str, home: Path, tracking_uri: str, municipality: str, *, needs: int = 60,
                    writes: int = 10, checked: int = 3) -> list[str]:
    """In-process on the same data: the lists of ``needs`` open work needs of ``municipality``,
    own and regional, held; after each of ``writes`` writes in it (outcomes, and every fourth a profile
    edit, as the load test writes), one pass carrying forward the lists the write cannot change
    (:meth:`~matching.shortlists.engine.ShortlistEngine.carry_forward`), timed, and
    ``checked`` of the lists carried against the list made anew over every candidate. A list
    not carried is brought up to date for the next write."""
    import numpy as np

    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome
    from matching.records.storage import Store
    from services.runtime import RuntimeConfig, open_runtime

    store = Store(db)
    engine = open_runtime(RuntimeConfig(home=home, model=None, tracking_uri=tracking_uri), store=store).engine
    rng = random.Random(11)
    try:
        pool = engine._pool(municipality)
        asked = [(n.id, region) for n in pool.needs[:needs] for region in (False, True)]
        held = {a: engine.for_work_need(a[0], k=10, region=a[1]) for a in asked}
        seconds, carried, mismatched = [], [], 0
        for step in range(writes):
            who = rng.choice(pool.candidates)
            if step % 4 == 3:
                store.upsert([who.model_copy(update={"wishes": f"{who.wishes} Liefst dichtbij ({step})."})])
            else:
                store.upsert([Outcome(
                    id=f"bench-carry-{step}", municipality=municipality, candidate_id=who.id,
                    employer_id=rng.choice(sorted(pool.employers)), kind=OutcomeKind.FOLLOW_UP,
                    recorded_on=pool.day,
                )])
            engine.keep_in_step()
            started = time.perf_counter()
            after = engine.carry_forward([(held[a], "staff", "chance", a[1]) for a in asked])
            seconds.append(time.perf_counter() - started)
            kept = {a: shortlist for a, shortlist in zip(asked, after, strict=True) if shortlist is not None}
            carried.append(len(kept) / len(asked))
            for a in rng.sample(sorted(kept), min(checked, len(kept))):
                made = engine.for_work_need(a[0], k=10, region=a[1])
                mismatched += [(m.candidate_id, m.score) for m in made.matches] != [
                    (m.candidate_id, m.score) for m in kept[a].matches]
            for a, shortlist in zip(asked, after, strict=True):
                held[a] = shortlist or engine.for_work_need(a[0], k=10, region=a[1])
    finally:
        store.dispose()
    return [(
        f"- After each of {writes} writes in the largest municipality (outcomes, and every fourth a "
        f"profile edit), in-process: of {len(asked):,} lists held ({len(asked) // 2} open work needs, own and "
        f"regional) {np.median(carried):.0%} carried forward unchanged (median; least "
        f"{min(carried):.0%}) in one pass of median {1000 * np.median(seconds):.0f} ms "
        f"({1e6 * np.median(seconds) / len(asked):.0f} us a list); {writes * checked} of those "
        f"carried checked against the list made anew: {mismatched} differed"
    )]


def brought_up_to_date(db: str, home: Path, tracking_uri: str, municipality: str, *, needs: int = 30,
                       writes: int = 10, full_reads: int = 3) -> list[str]:
    """In-process, on the same data once the runs are over: after each of ``writes`` outcomes
    (a follow-up conversation, as the load test records), and then after each of ``writes``
    profile edits (a sentence added to a candidate's wishes), lists of ``needs`` work needs
    brought up to date against the same lists made anew over every candidate, the
    municipality's own and the region's; and its pool patched against read in full (after
    the first ``full_reads`` edits: reading 40,000 profiles takes seconds)."""
    import numpy as np

    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome
    from matching.records.storage import Store
    from matching.shortlists.pool import POOL_TYPES, PROFILE_TYPES, load_pool, with_new_history
    from services.runtime import RuntimeConfig, open_runtime

    store = Store(db)
    engine = open_runtime(RuntimeConfig(home=home, model=None, tracking_uri=tracking_uri), store=store).engine
    rng = random.Random(5)
    lines = []

    def ms(xs: list[float]) -> str:
        return f"median {1000 * np.median(xs):.0f} ms, p90 {1000 * np.quantile(xs, 0.9):.0f} ms"

    try:
        for kind in ("an outcome", "a profile edit"):
            for region in (False, True):
                pool = engine._pool(municipality)
                members = engine.region_of(municipality) if region else [municipality]
                asked = [n.id for n in pool.needs[:needs]]
                held = {n: engine.for_work_need(n, k=10, region=region) for n in asked}
                since = store.version(municipalities=members, record_types=POOL_TYPES)
                updated, anew, patched, in_full, declined = [], [], [], [], 0
                for step in range(writes):
                    before = engine._pools[municipality]
                    who = rng.choice(pool.candidates)
                    if kind == "an outcome":
                        store.upsert([Outcome(
                            id=f"bench-update-{region:d}-{step}", municipality=municipality, candidate_id=who.id,
                            employer_id=rng.choice(sorted(pool.employers)), kind=OutcomeKind.FOLLOW_UP,
                            recorded_on=pool.day,
                        )])
                    else:
                        store.upsert([who.model_copy(update={"wishes": f"{who.wishes} Liefst dichtbij ({step})."})])
                    started = time.perf_counter()
                    engine._pool(municipality)  # with the index brought in step
                    patched.append(time.perf_counter() - started)
                    if not region and (kind == "an outcome" or step < full_reads):
                        version = store.version(municipalities=[municipality], record_types=POOL_TYPES)
                        started = time.perf_counter()
                        if kind == "an outcome":
                            with_new_history(before, store, engine.index.space, engine.text_models, version)
                        else:
                            load_pool(store, engine.index.space, municipality, version, pool.day, engine.text_models,
                                      engine.scored_by, store.version(municipalities=[municipality],
                                                                      record_types=PROFILE_TYPES))
                        in_full.append(time.perf_counter() - started)
                    for need in asked[step::writes]:
                        started = time.perf_counter()
                        changes = store.changed_since(since, municipalities=members, record_types=POOL_TYPES,
                                                      limit=500)
                        update = engine.update_work_need(held[need], changes or [], 10, region=region)
                        updated.append(time.perf_counter() - started)
                        started = time.perf_counter()
                        made = engine.for_work_need(need, k=10, region=region)
                        anew.append(time.perf_counter() - started)
                        if update is None:
                            declined += 1
                        elif [m.candidate_id for m in update.matches] != [m.candidate_id for m in made.matches]:
                            raise AssertionError(f"list of {need} brought up to date differs from the one made anew")

                scope = "regional lists" if region else "the largest municipality's lists"
                lines.append(
                    f"- After {kind}, {scope} ({len(updated)} lists over {writes} writes, in-process): "
                    f"brought up to date {ms(updated)}; made anew over every candidate {ms(anew)} "
                    f"({np.median(anew) / np.median(updated):.0f}x the median); {declined} had to be made anew; "
                    "every one brought up to date listed the same candidates in the same order"
                )
                if not region:
                    what = "history" if kind == "an outcome" else "candidates"
                    lines.append(
                        f"- The pool after {kind}: its {what} patched {ms(patched)}; read in full "
                        f"{ms(in_full)} ({np.median(in_full) / np.median(patched):.0f}x the median)"
                    )
    finally:
        store.dispose()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=40_000)
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--employers", type=int, default=200)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--cache", type=Path, default=None,
        help="folder to keep the embedding cache in between runs (embedding the region is the "
        "slow step; benchmarks/bench_batch.py measures it)",
    )
    args = parser.parse_args()
    if args.quick:
        args.largest, args.municipalities, args.employers, args.seconds = 1500, 3, 60, 20
    work = Path(tempfile.mkdtemp(prefix="werkkans-load-"))
    home = work / "home"
    timings: dict[str, float] = {}
    server = None
    try:
        with postgres_server(max_connections="300", shared_buffers="256MB") as admin_url:
            import sqlalchemy as sa

            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE werkkans"))
            admin.dispose()
            db = admin_url.rsplit("/", 1)[0] + "/werkkans"
            env = {
                **os.environ, "WERKKANS_DB": db, "WERKKANS_HOME": str(home),
                "WERKKANS_SECRET_KEY": SECRET, "WERKKANS_USER_PASSWORD": PASSWORD,
                "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlruns.db'}", "HF_HUB_OFFLINE": "1",
            }
            folder = work / "region"
            started = time.perf_counter()
            werkkans("simulate", "--out", str(folder), "--municipalities", str(args.municipalities),
                     "--candidates", str(args.largest), "--employers", str(args.employers),
                     "--months", str(args.months), "--seed", "17", env=env)
            timings["simulate"] = time.perf_counter() - started
            started = time.perf_counter()
            werkkans("import", str(folder), "--no-index", env=env)
            timings["import"] = time.perf_counter() - started
            print(f"imported in {timings['import']:.0f} s", flush=True)
            kept = None if args.cache is None else args.cache / "embeddings.sqlite3"
            if kept is not None and kept.exists():
                (home / "embeddings").mkdir(parents=True, exist_ok=True)
                shutil.copy(kept, home / "embeddings" / "embeddings.sqlite3")
            started = time.perf_counter()
            out = werkkans("batch", "--workers", "2", "--train", "--json", env=env)
            report = json.loads(out[out.index("{"):])
            timings["batch"] = time.perf_counter() - started
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(home / "embeddings" / "embeddings.sqlite3", kept)
            print(f"batch in {timings['batch']:.0f} s: {report}", flush=True)
            places = plan(folder, "GM0855", work / "plan.json")
            for p in places["municipalities"]:
                werkkans("users", "add", "--username", p["user"], "--role", "relationship_manager",
                         "--municipality", p["code"], env=env)
            port = free_port()
            started = time.perf_counter()
            with open(work / "serve.log", "wb") as log:  # the child keeps its own copy
                server = subprocess.Popen(
                    [str(BIN / "werkkans"), "serve", "--port", str(port), "--workers", "2",
                     "--log-level", "warning"], env=env, stdout=log, stderr=log, cwd=work,
                )
            host = f"http://127.0.0.1:{port}"
            wait_until_up(f"{host}/health", 3600, alive=lambda: server.poll() is None)
            timings["start"] = time.perf_counter() - started
            print(f"serving after {timings['start']:.0f} s", flush=True)
            logins = log_in(host, work / "plan.json")
            # reads first, on the precomputed lists; then with outcomes recorded and profiles edited
            vacuum: dict[str, Autovacuum] = {}
            with Autovacuum(db) as vacuum["reads only"]:
                reads = locust(host, work / "plan.json", args.users, args.seconds, work / "reads",
                               writes=False)
            mixed_from = dt.datetime.now(dt.UTC)
            with Autovacuum(db) as vacuum["mixed"]:
                mixed = locust(host, work / "plan.json", args.users, args.seconds, work / "mixed",
                               writes=True)
            shown, stale = stale_lists(db, mixed_from)
            # a working day's pace: staff read a list before they ask the next (twice as long a
            # run, for as many requests behind its p99)
            with Autovacuum(db) as vacuum["paced"]:
                paced = locust(host, work / "plan.json", args.users, 2 * args.seconds,
                               work / "paced", writes=True, pause=PAUSE)
            server.terminate()
            server.wait(timeout=60)
            updates = brought_up_to_date(db, home, env["MLFLOW_TRACKING_URI"], "GM0855")
            updates += carried_forward(db, home, env["MLFLOW_TRACKING_URI"], "GM0855")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)

    sizes = {p["name"]: p["size"] for p in places["municipalities"]}
    lines = [
        ("## Load test with locust: two workers on PostgreSQL, a region of "
        f"{args.municipalities} municipalities"),
        "",
        (f"Measured {dt.date.today()} on {cpu_name()}, {os.cpu_count()} cores "
        "(locust, PostgreSQL and the two API workers share them), `benchmarks/bench_load.py`: "
        f"{sum(sizes.values()):,} simulated candidates "
        f"({', '.join(f'{name} {n:,}' for name, n in sizes.items())}), "
        f"{args.months} months of history; `werkkans batch --workers 2 --train` embedded "
        f"{report['embedded']:,} of {report['texts']:,} texts (the rest came from an earlier "
        "run's cache), trained and promoted the pooled ranker and precomputed every open work "
        f"need's first list, own and regional ({report['shortlists']:,} lists in "
        f"{report['seconds'].get('precompute', 0):.0f} s); `werkkans serve --workers 2`; "
        f"{args.users} locust users for {args.seconds} s per run, each user in a municipality "
        "with a probability proportional to its caseload."),
        "",
        "| run | request | count | failures | median ms | p95 ms | p99 ms | max ms | requests/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    runs = (("reads only", reads), ("mixed (with outcomes and profile edits)", mixed),
            (f"paced ({PAUSE[0]:.0f}-{PAUSE[1]:.0f} s between requests, with the same writes)", paced))
    for label, stats in runs:
        for name, row in stats.items():
            if name == "failures":
                continue
            lines.append(
                f"| {label} | {name} | {row['Request Count']} | {row['Failure Count']} | "
                f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} | "
                f"{float(row['Requests/s']):.1f} |"
            )
    lines.append("")
    for name, target in TARGETS.items():
        for label, stats in (("reads only", reads), ("mixed", mixed), ("paced", paced)):
            if name in stats:
                p99 = float(stats[name]["99%"])
                lines.append(f"- {name}, {label}: p99 {p99:.0f} ms (target <= {target:.0f} ms: "
                             f"{'met' if p99 <= target else 'not met'})")
    if shown:
        lines.append(
            f"- Mixed run: {len(stale):,} of {shown:,} lists shown ({len(stale) / shown:.0%}) were the "
            "list as it was before the latest outcomes or edits of candidates not on it while its "
            f"successor was computed (WERKKANS_STALE_SECONDS, default 120); those writes were at most "
            f"{max(stale, default=0):.0f} s old (median {statistics.median(stale) if stale else 0:.0f} s)"
        )
    lines.append("- PostgreSQL during the runs: " + "; ".join(f"{label}, {seen}" for label, seen in vacuum.items()))
    lines += updates
    lines.append(
        f"- Logging in (bcrypt, 12 rounds): each municipality's user once before the runs, "
        f"median {1000 * statistics.median(logins):.0f} ms over {len(logins)}; the users of the "
        "runs share those tokens, as staff log in once a day"
    )
    errors = sum(int(s["Failure Count"]) for _, st in runs for n, s in st.items()
                 if n not in ("Aggregated", "failures"))
    lines.append(f"- Errors over the runs: {errors} (target 0: {'met' if errors == 0 else 'not met'})")
    for label, stats in runs:
        lines += [f"  - {label}: {failure}" for failure in stats["failures"]]
    lines.append(
        "- Preparation: " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in timings.items())
    )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
