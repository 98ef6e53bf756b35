"""Load test of the HTTP service on 127.0.0.1: shortlists under 32 concurrent clients.

Usage: ``python benchmarks/bench_api.py [--clients 32] [--seconds 30] [--candidates 2000]``.
Writes ``benchmarks/results/api.md`` with the machine it ran on.

A municipality is simulated (seeded), imported into a temporary SQLite
database, its ranker trained and promoted (``werkkans train``), and the lot
served by ``uvicorn`` in a separate process built by the real app factory
(text space, FAISS index, shortlist engine with the trained ranker bundle). A relationship
manager's token is minted with the service's key. Then, in the same run:

1. ``GET /shortlists/work-needs/{id}?k=10`` cycling over every open work
   need, from ``--clients`` keep-alive connections for ``--seconds``: every
   request authenticated, overrides applied, the list logged to the audit
   log and returned;
2. ``GET /health`` the same way, for the ratio.

The client is a small asyncio HTTP/1.1 client on uvloop (one connection per client,
keep-alive) so that the client's own cost stays small next to the server's on
a 2-core machine. Before the steady measurement every work need's shortlist is requested once
(reported separately: that is the engine's cost), then a short warm-up.
Latency is from writing the request to reading the last body byte.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cpu import cpu_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout

RESULTS = Path(__file__).resolve().parent / "results"
SECRET = "bench-secret-" + "k" * 40
MUNICIPALITY_USER = "bench.rm"


def http_stack() -> str:
    import importlib.util

    import uvicorn

    extras = [m for m in ("uvloop", "httptools") if importlib.util.find_spec(m) is not None]
    return f"uvicorn {uvicorn.__version__}" + (
        f" with {' and '.join(extras)}" if extras else " (pure-Python loop and parser)"
    )


def machine() -> str:
    model = cpu_name()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores available; Python {platform.python_version()}"


# ---- the server (run in its own process) ---------------------------------------------------


def serve(db_url: str, home: Path, port: int, tracking_uri: str | None, workers: int) -> None:
    import uvicorn

    if workers > 1:  # as `werkkans serve --workers N`: each worker builds the app from the env
        os.environ.update(
            {
                "WERKKANS_DB": db_url,
                "WERKKANS_HOME": str(home),
                "WERKKANS_SECRET_KEY": SECRET,
                "MLFLOW_TRACKING_URI": tracking_uri or "",
            }
        )
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            host="127.0.0.1",
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            server_header=False,
        )
        return
    from api.app import create_app
    from api.settings import Settings

    settings = Settings(db_url=db_url, home=home, secret_key=SECRET, tracking_uri=tracking_uri)
    app = create_app(settings)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False
    )


# ---- preparing the data --------------------------------------------------------------------


def prepare(
    workdir: Path, n_candidates: int, n_employers: int, seed: int
) -> tuple[str, str, list[str]]:
    """Simulate, import, create the user; returns (db url, municipality, open work need ids)."""
    from api.auth import create_user
    from matching.records.importer import import_folder
    from matching.records.schemas import WorkNeed
    from matching.records.storage import Store
    from training.simulator import SimulationConfig, simulate, write_world

    world = simulate(
        # monthly events as large as the demo's, so the history is enough to train on
        SimulationConfig(
            seed=seed, n_candidates=n_candidates, n_employers=n_employers, months=12,
            employers_per_event=12, seats_per_table=10, candidates_per_event=100, rounds=4,
        )
    )
    write_world(world, workdir / "csv")
    url = f"sqlite:///{workdir / 'bench.db'}"
    store = Store(url)
    import_folder(store, workdir / "csv")
    municipality = store.municipalities()[0]
    create_user(
        store,
        username=MUNICIPALITY_USER,
        password="bench password 123",
        role="relationship_manager",
        municipality=municipality,
        rounds=4,
    )
    needs = [n.id for n in store.list(WorkNeed, municipality=municipality, where={"open": True})]
    store.dispose()
    print("training the ranker on its history (werkkans train) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "api.cli", "train", "--db", url, "--tracking-uri",
         tracking_uri(workdir)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "WERKKANS_HOME": str(workdir / "home")},
    )
    shutil.copyfile(workdir / "bench.db", workdir / PRISTINE)
    return url, municipality, needs


#: The database as prepared; every reuse starts from it, so runs do not inherit the audit
#: entries (about 1 KB per shortlist shown) of earlier runs.
PRISTINE = "bench.pristine.db"


def tracking_uri(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'mlruns.db'}"


def reuse(workdir: Path) -> tuple[str, str, list[str]]:
    from matching.records.schemas import WorkNeed
    from matching.records.storage import Store
    from matching.serving import shared_cache

    for stale in ("bench.db-wal", "bench.db-shm"):
        (workdir / stale).unlink(missing_ok=True)
    if (workdir / PRISTINE).exists():
        shutil.copyfile(workdir / PRISTINE, workdir / "bench.db")
    url = f"sqlite:///{workdir / 'bench.db'}"
    store = Store(url, create=False)
    shared_cache.ensure_tables(store)
    shared_cache.clear(store)  # the first view of each shortlist is computed by this run
    municipality = store.municipalities()[0]
    needs = [n.id for n in store.list(WorkNeed, municipality=municipality, where={"open": True})]
    store.dispose()
    return url, municipality, needs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(
                    b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not come up in time")


# ---- the load ------------------------------------------------------------------------------


def run(coroutine):
    """Run the client on uvloop when it is installed (it comes with uvicorn[standard]):
    the load generator shares the two cores with the server, so its own cost counts."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: dict[int, int] = {}


async def _client(
    port: int,
    paths: list[str],
    offset: int,
    token: str,
    until: float,
    tally: Tally,
    limit: int | None = None,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < until and (limit is None or i - offset < limit):
            path = paths[i % len(paths)]
            i += 1
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            if status != 200:
                tally.errors += 1
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        tally.errors += 1
    finally:
        writer.close()


async def _once_client(port: int, queue: asyncio.Queue, token: str, tally: Tally) -> None:
    """Requests paths from the shared queue until it is empty (each path exactly once)."""
    while not queue.empty():
        path = queue.get_nowait()
        await _client(port, [path], 0, token, time.perf_counter() + 1e9, tally, limit=1)


async def load_once(port: int, paths: list[str], token: str, clients: int) -> Tally:
    tally = Tally()
    queue: asyncio.Queue = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    await asyncio.gather(*(_once_client(port, queue, token, tally) for _ in range(clients)))
    return tally


async def load(port: int, paths: list[str], token: str, clients: int, seconds: float) -> Tally:
    tally = Tally()
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(_client(port, paths, k * 7, token, until, tally) for k in range(clients))
    )
    return tally


def pooled(tallies: list[Tally]) -> Tally:
    """Every request of several runs, as one tally."""
    out = Tally()
    for tally in tallies:
        out.latencies += tally.latencies
        out.errors += tally.errors
        for status, n in tally.statuses.items():
            out.statuses[status] = out.statuses.get(status, 0) + n
    return out


def summary(tally: Tally, seconds: float) -> dict[str, float]:
    lat = sorted(tally.latencies)
    if not lat:
        return {"requests": 0, "errors": tally.errors}

    def pct(q: float) -> float:
        return 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]

    return {
        "requests": len(lat),
        "errors": tally.errors,
        "rps": len(lat) / seconds,
        "mean_ms": 1000 * statistics.fmean(lat),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": 1000 * lat[-1],
        "statuses": dict(tally.statuses),
    }


def write_results(
    args: argparse.Namespace, info: dict, shortlist: dict, health: dict, started: dt.datetime
) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / "api.md"
    ok = shortlist.get("p99_ms", 1e9) <= 100 and shortlist.get("errors", 1) == 0
    lines = [
        "# HTTP service under load",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {machine()}.",
        (f"Command: `python benchmarks/bench_api.py --clients {args.clients} "
        f"--seconds {args.seconds:g} --candidates {args.candidates} "
        f"--employers {args.employers} --workers {args.workers} --repeat {args.repeat}`."),
        "",
        (f"Simulated municipality (seed {args.seed}): {args.candidates} candidates, "
        f"{args.employers} employers, {info['work_needs']} open work needs; SQLite (WAL). "
        f"{http_stack()}, {args.workers} worker process(es) on 127.0.0.1, ranked by: "
        f"{info['scored_by']}. "
        f"{args.clients} keep-alive clients, {args.seconds:g} s per endpoint, {args.repeat} "
        "times in turn; client and server "
        f"share the machine (1-minute load average before the run: {info['load_before']:.2f})."),
        "",
        ("*Steady*: the clients cycle over every open work need for the whole period, after "
        "each shortlist was shown once. *First view of each*: each work need's shortlist "
        "requested once, the engine computing it (not cached yet), by the same clients."),
        "",
        "| endpoint | requests | errors | req/s | mean ms | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = (
        *(
            (f"GET /shortlists/work-needs/{{id}}?k=10 — steady, run {i}", run_summary)
            for i, run_summary in enumerate(info["runs"], start=1)
        ),
        (f"GET /shortlists/work-needs/{{id}}?k=10 — steady, all {args.repeat} runs", shortlist),
        ("GET /shortlists/work-needs/{id}?k=10 — first view of each", info["cold"]),
        (f"GET /health — all {args.repeat} runs", health),
    )
    for name, s in rows:
        lines.append(
            f"| `{name}` | {s.get('requests', 0)} | {s.get('errors', 0)} | {s.get('rps', 0):.0f} | "
            f"{s.get('mean_ms', 0):.1f} | {s.get('p50_ms', 0):.1f} | {s.get('p95_ms', 0):.1f} | "
            f"{s.get('p99_ms', 0):.1f} | {s.get('max_ms', 0):.1f} |"
        )
    ratio = shortlist.get("rps", 0) / health["rps"] if health.get("rps") else float("nan")
    lines += [
        "",
        f"Shortlist throughput is {ratio:.2f} × that of `/health` in the same run.",
        (f"Target (p99 ≤ 100 ms, zero errors at {args.clients} clients, over the requests of "
        f"all {args.repeat} runs): **{'met' if ok else 'not met'}**."),
        "",
        ("Every shortlist request decodes the token and checks it against the user table "
        "(re-read every 5 s), reads the work need's overrides and the store version, takes "
        "the engine's answer from the shortlist cache (key: request, overrides, store "
        "version, model, date) or computes it, "
        "waits until its audit-log entry is committed (the background writer commits "
        "everything submitted meanwhile in one transaction) and serialises the answer. A worker that has not computed a shortlist "
        "itself finds it in the store (`matching/serving/shared_cache.py`) when another worker did."),
        "",
    ]
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--health-seconds",
        type=float,
        default=None,
        help="Seconds for /health (default: as --seconds).",
    )
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Measure shortlists and /health this many times in turn; the target is judged "
        "on all their requests together (one 30 s run on a shared machine is noisy).",
    )
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--employers", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes (as `werkkans serve --workers`). Two workers serve "
        "more requests but share one socket, which spreads keep-alive connections unevenly: "
        "tails vary more from run to run.",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="Keep the simulated database, index and embeddings here and reuse "
        "them on the next run (default: a temporary folder).",
    )
    parser.add_argument("--serve", nargs=3, metavar=("DB", "HOME", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--tracking-uri", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        db, home, port = args.serve
        serve(db, Path(home), int(port), args.tracking_uri, args.workers)
        return 0

    from api import security

    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="werkkans-bench-api-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if (workdir / "bench.db").exists():
            url, municipality, needs = reuse(workdir)
        else:
            print(f"simulating {args.candidates} candidates and importing ...", flush=True)
            url, municipality, needs = prepare(workdir, args.candidates, args.employers, args.seed)
        port = free_port()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        tracking = tracking_uri(workdir)
        server = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                url,
                str(workdir / "home"),
                str(port),
                "--tracking-uri",
                tracking,
                "--workers",
                str(args.workers),
            ],
            env=env,
            start_new_session=True,
        )
        try:
            print("starting the service (text space, index) ...", flush=True)
            wait_until_up(port, server, timeout=900)
            token = security.create_access_token(
                username=MUNICIPALITY_USER,
                role="relationship_manager",
                municipality=municipality,
                secret=SECRET,
                minutes=60,  # no longer than the service lets a login live
            )
            paths = [f"/shortlists/work-needs/{n}?k=10" for n in needs]
            run(load(port, ["/health"], token, 2, 1.0))
            run(load_once(port, paths[:8], token, 8))  # loads the model and the pool(s)
            print(
                f"first view of each of {len(paths)} shortlists ({args.clients} clients) ...",
                flush=True,
            )
            began = time.perf_counter()
            cold_tally = run(load_once(port, paths, token, args.clients))
            cold = summary(cold_tally, time.perf_counter() - began)
            run(load(port, paths, token, 4, args.warmup))
            scored_by = "similarity"
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(
                    f"GET {paths[0]} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    f"Authorization: Bearer {token}\r\n\r\n".encode()
                )
                body = b""
                while chunk := sock.recv(65536):
                    body += chunk
            try:
                scored_by = json.loads(body.split(b"\r\n\r\n", 1)[1])["scored_by"]
            except (ValueError, KeyError, IndexError):
                pass
            health_seconds = args.health_seconds or args.seconds
            shortlist_runs: list[Tally] = []
            health_runs: list[Tally] = []
            for repeat in range(1, args.repeat + 1):
                print(
                    f"load {repeat}/{args.repeat}: {args.clients} clients x {args.seconds:g} s "
                    "on shortlists, then on /health ...",
                    flush=True,
                )
                shortlist_runs.append(run(load(port, paths, token, args.clients, args.seconds)))
                run(load(port, ["/health"], token, 4, 1.0))
                health_runs.append(
                    run(load(port, ["/health"], token, args.clients, health_seconds))
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    shortlist = summary(pooled(shortlist_runs), args.seconds * args.repeat)
    health = summary(pooled(health_runs), health_seconds * args.repeat)
    info = {
        "runs": [summary(t, args.seconds) for t in shortlist_runs],
        "work_needs": len(needs),
        "municipality": municipality,
        "scored_by": scored_by,
        "load_before": load_before,
        "cold": cold,
    }
    print(json.dumps({"cold": cold, "shortlist": shortlist, "health": health}, indent=2))
    print(f"wrote {write_results(args, info, shortlist, health, started)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
