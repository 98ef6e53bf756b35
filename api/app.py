"""The app factory: one FastAPI application from settings, a store and the use cases' runtime.

Nothing is created at import time. :func:`create_app` opens (or takes) the
store, builds the runtime (text space, index, shortlist engine with the model
in service) and the long-lived use cases (shortlists with their cache and the
audit writer, retrain jobs), puts them on ``app.state`` and wires the routers;
routes reach them only through the dependencies in :mod:`api.deps`, so tests
hand in their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import importlib.util
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import access_log, auth, errors
from api.auth import roles_for
from api.deps import ApiConfig, PermissionCheck, UserCache
from api.settings import Settings
from api.throttle import LoginThrottle
from matching.records.storage import Store
from services.retraining import RetrainJobs
from services.runtime import Runtime, new_audit_writer, open_runtime, prepare_store
from services.shortlist_cache import ShortlistCache
from services.shortlists import ShortlistService

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
VERSION = "0.1.0"

TAGS = [
    {"name": "login", "description": "OAuth2 password flow: exchange a password for a token."},
    {"name": "users", "description": "The logged-in user."},
    {"name": "candidates", "description": "Job seekers (kandidaten) of your municipality."},
    {"name": "employers", "description": "Employers (werkgevers) relationship managers visit."},
    {"name": "work needs", "description": "Work an employer has (werkvragen)."},
    {"name": "shortlists", "description": "Ranked matches with a calibrated chance and a reason."},
    {"name": "overrides", "description": "A relationship manager's pins and exclusions."},
    {"name": "events", "description": "Prettig gesprek: invitations, table plan, attendance."},
    {"name": "outcomes", "description": "What contacts led to, and aftercare check-ins."},
    {"name": "reports", "description": "Outcome report for policy and management."},
    {"name": "statistics", "description": "Calculators (chi-square)."},
    {"name": "models", "description": "Ranker runs, the champion, retraining and reloading."},
    {"name": "audit", "description": "Who was shown what, overrides and erasures."},
    {"name": "health", "description": "Liveness, without login."},
]

DESCRIPTION = """\
werkkans matches job seekers and employers for Dutch municipalities (Werktop way
of working). Log in at `POST /token` (OAuth2 password flow) and send the token as
`Authorization: Bearer <token>`. Every endpoint except `/health` and `/token`
needs a role; the roles allowed are listed with each endpoint. You only ever see
records of your own municipality: another municipality's record answers 404.
"""

_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; frame-ancestors 'none'"
)


class GuardMiddleware:
    """Body size limit (413), security headers, and no stack traces to clients (500).

    A pure ASGI middleware so it also sees bodies sent without a
    Content-Length (chunked): it counts bytes as they arrive.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, hsts: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.hsts = hsts

    def _headers(self, path: str, existing: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {k.lower() for k, _ in existing}
        if path.startswith(("/docs", "/redoc")):
            csp = _DOCS_CSP
        elif path in ("/reports/outcomes.html", "/rapport/bekijken"):
            csp = _REPORT_CSP  # self-contained page: inline styles, figures as data: URIs
        elif any(k == b"content-type" and v.startswith(b"text/html") for k, v in existing):
            csp = _PAGE_CSP
        else:
            csp = _API_CSP
        wanted = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"content-security-policy", csp.encode()),
        ]
        if not path.startswith("/static/"):
            wanted.append((b"cache-control", b"no-store"))
        if self.hsts:
            wanted.append((b"strict-transport-security", b"max-age=31536000"))
        return existing + [(k, v) for k, v in wanted if k not in present]

    async def _send_json(self, send: Send, status: int, detail: str, path: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": self._headers(path, headers),
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        too_large = f"request body is larger than the limit of {self.max_body_bytes} bytes"
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await self._send_json(send, 400, "invalid Content-Length header", path)
                    return
                if length > self.max_body_bytes:
                    await self._send_json(send, 413, too_large, path)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # FastAPI re-raises HTTPExceptions met while reading the body
                    raise HTTPException(413, too_large)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {
                    **message,
                    "headers": self._headers(path, list(message.get("headers", []))),
                }
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except HTTPException as exc:
            if started:
                raise
            await self._send_json(send, exc.status_code, str(exc.detail), path)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), path)
            if not started:
                await self._send_json(send, 500, "internal server error; it has been logged", path)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one line per problem: where, what, and the error type; never the input."""
    issues = []
    for error in exc.errors():
        loc = [p if isinstance(p, (str, int)) else str(p) for p in error.get("loc", ())]
        msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            ctx = error.get("ctx") or {}
            msg = f"body is not valid JSON: {ctx.get('error', msg)}"
        issues.append({"loc": loc, "msg": msg, "type": str(error.get("type", "value_error"))})
    return JSONResponse({"detail": issues}, status_code=422)


_PUBLIC = object()


def _permission_of(dependant: Any) -> Any:
    """The permission a route's dependencies demand (None: any role; _PUBLIC: no login)."""
    for dep in dependant.dependencies:
        if isinstance(dep.call, PermissionCheck):
            return dep.call.permission
        found = _permission_of(dep)
        if found is not _PUBLIC:
            return found
    return _PUBLIC


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (newer FastAPI nests them lazily)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif getattr(route, "original_router", None) is not None:
            found.extend(api_routes(route.original_router.routes))
    return found


def _document_roles(app: FastAPI) -> None:
    """Write the roles allowed on each route into its OpenAPI description."""
    for route in api_routes(app.routes):
        permission = _permission_of(route.dependant)
        if permission is _PUBLIC:
            roles: list[str] = []
            note = "No login needed."
        elif permission is None:
            roles = sorted(r.value for r in auth.Role)
            note = "Roles: any logged-in user."
        else:
            roles = roles_for(permission)
            note = f"Roles: {', '.join(roles)} (permission `{permission.value}`)."
        route.description = f"{route.description}\n\n{note}".strip()
        route.openapi_extra = {**(route.openapi_extra or {}), "x-roles": roles}


def build_runtime(settings: Settings, store: Store) -> Runtime:
    """Text space, retrieval index and shortlist engine, with the champion model if any."""
    with_model = importlib.util.find_spec("mlflow") is not None
    if not with_model:
        logger.warning("model tracking is not installed: shortlists rank by similarity")
    return open_runtime(settings.runtime(), store=store, with_model=with_model)


def app_from_env() -> FastAPI:
    """The app with settings from the environment: ``uvicorn --factory api.app:app_from_env``
    (what ``werkkans serve --workers N`` starts in each worker)."""
    return create_app(Settings.from_env())


def _warm(shortlists: ShortlistService) -> None:
    """Build the shortlist pools, take into memory the lists computed for them already (the
    batch's and other workers'), then take everything loaded so far out of garbage collection.

    The text model, the index and the pools are a few hundred thousand objects
    that live as long as the process; a full collection walks them all (~0.3 s
    on two loaded cores), and under load that pause lands on whichever requests
    are waiting. Freezing them leaves the collector only what requests create.
    When the day moves on, what was frozen before (yesterday's pools) is given
    back to the collector first, so cycles among it are freed once a day.
    """
    started = time.perf_counter()
    warmed: list[str] = []
    lists = 0
    try:
        warmed = shortlists.runtime.engine.warm()
        lists = shortlists.preload(warmed)
    except Exception as exc:  # noqa: BLE001  (the service starts; the first shortlist tries again)
        logger.warning("could not build the shortlist pools at start: %s", exc)
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    logger.info(
        "shortlist pools of %d municipalit(y/ies) and %d computed list(s) ready in %.1f s; "
        "%d objects frozen",
        len(warmed),
        lists,
        time.perf_counter() - started,
        gc.get_freeze_count(),
    )


#: Seconds between a worker's checks for writes and for a new day (:func:`_keep_current`).
STEP_SECONDS = 0.2
#: Least seconds between two times a worker gives its free heap memory back
#: (:func:`_give_back_free_memory`).
TRIM_SECONDS = 30.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's ``malloc_trim`` (glibc); None where there is none (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def _give_back_free_memory() -> bool:
    """Give the C heap's free memory back to the operating system; False where the C
    library cannot (then nothing happens).

    The arrays requests and the upkeep after writes work with come from the C heap, in
    several threads. glibc keeps what they free in its per-thread arenas, scattered among
    what is still in use, so a worker's resident memory grew with every write while what
    it held did not: in the load test's mixed traffic each worker grew from 2.6 to 3.0 GB
    in 2.5 minutes (3.4 GB after ten), with 1.8 GB in use throughout and the rest free in
    the arenas. Trimming gave it back (3,025 → 2,685 MiB) in about a millisecond, without
    holding the GIL.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


async def _keep_current(shortlists: ShortlistService) -> None:
    """Keep the pools current before anyone asks: after writes, bring them up to date
    and keep the lists held that the writes cannot change
    (:meth:`ShortlistService.catch_up`); when the day moves on, build every pool for the
    new day.

    A request would otherwise do it and wait: after a profile edit, the regional pools copy
    the written rows in; a pool holds the records as of one day, so the first request of a
    day would read its municipality in full (about 11 s for 40,000 candidates), in each
    worker, and whoever records the first outcome of the morning and opens a list would wait.

    The pools and lists that replace those before a write live until the next write, often
    much longer: they are frozen out of garbage collection as well (:func:`_warm`). Left to
    the collector, each of its full collections walked them in 150-230 ms, a pause for every
    request waiting on that worker, some ten times a minute under the load test's writes.
    They are made with the collector paused (:meth:`ShortlistService.catch_up`). What the
    pools before leave free in the C heap is given back to the operating system at most every
    ``TRIM_SECONDS`` (:func:`_give_back_free_memory`).

    This work runs on the service's background thread, below the requests' priority
    (:class:`~services.shortlist_cache.BackgroundRefresh`), with the lists it brings up to date.
    """
    engine, background = shortlists.runtime.engine, shortlists.refresh
    day = engine.today()
    frozen_at = engine.moves
    trim_at = time.monotonic() + TRIM_SECONDS
    while True:
        await asyncio.sleep(STEP_SECONDS)
        if engine.today() != day:
            day = engine.today()
            await asyncio.wrap_future(background.run(lambda: _warm(shortlists)))
            frozen_at = engine.moves
        else:
            try:
                await asyncio.wrap_future(background.run(shortlists.catch_up))
            except Exception as exc:  # noqa: BLE001  (each request still brings its own pools up to date)
                logger.warning("could not bring the shortlist pools up to date: %s", exc)
            if engine.moves == frozen_at:
                continue
            frozen_at = engine.moves
            gc.freeze()
        # the pools before are freed: now and then, give back what the C heap keeps of them
        if time.monotonic() >= trim_at:
            trim_at = time.monotonic() + TRIM_SECONDS
            await asyncio.wrap_future(background.run(_give_back_free_memory))


def create_app(
    settings: Settings, *, store: Store | None = None, runtime: Runtime | None = None
) -> FastAPI:
    """Build the werkkans HTTP service.

    Parameters
    ----------
    settings
        The database URL is used when no ``store`` is given, the secret key
        signs tokens, the rest configures the runtime and the HTTP guard.
    store
        An open store to use (tests); otherwise one is opened from
        ``settings.db_url`` and closed when the app shuts down.
    runtime
        Text space, index and engine (tests pass small real ones); otherwise
        :func:`build_runtime` builds them.
    """
    config = ApiConfig.from_settings(settings)
    if store is None and runtime is not None:
        store = runtime.store
    own_store = store is None
    if store is None:
        store = settings.open_store()
    elif store.pseudonym_key is None:
        settings.give_pseudonym_key(store)
    auth.ensure_tables(store)
    prepare_store(store)
    if runtime is None:
        runtime = build_runtime(settings, store)
    open_store: Store = store

    audit_writer = new_audit_writer(store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        access_log.install()  # after uvicorn configured its loggers: no candidate ids in them
        await run_in_threadpool(_warm, _app.state.shortlists)
        current = asyncio.create_task(_keep_current(_app.state.shortlists))
        yield
        current.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await current
        _app.state.shortlists.refresh.close()  # lists waiting to be renewed are not needed now
        audit_writer.close()
        if own_store:
            open_store.dispose()

    app = FastAPI(
        title="werkkans",
        version=VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.store = store
    app.state.config = config
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.user_cache = UserCache(config.user_cache_seconds)
    app.state.login_throttle = LoginThrottle(store, config.secret_key)
    app.state.audit_writer = audit_writer
    app.state.retrain_jobs = RetrainJobs()
    app.state.shortlist_cache = ShortlistCache(config.cached_lists, store=store)
    app.state.shortlists = ShortlistService(
        runtime, cache=app.state.shortlist_cache, writer=audit_writer,
        max_stale=config.stale_seconds, background_nice=config.background_nice,
    )

    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]

    from api.routers import (
        audit,
        candidates,
        employers,
        events,
        health,
        login,
        models,
        outcomes,
        overrides,
        reports,
        shortlists,
        stats,
        work_needs,
    )

    for module in (
        health,
        login,
        candidates,
        employers,
        work_needs,
        shortlists,
        overrides,
        events,
        outcomes,
        reports,
        stats,
        models,
        audit,
    ):
        app.include_router(module.router)

    from api.web import pages

    pages.install(app)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    _document_roles(app)

    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        GuardMiddleware, max_body_bytes=config.max_body_bytes, hsts=config.cookie_secure
    )
    return app
