"""Dependencies of the routes, as ``Annotated`` aliases.

Nothing here is global: the store, the configuration and the use cases'
long-lived parts are created by :func:`api.app.create_app` and kept on
``app.state``; the functions below hand them to routes, and tests replace
them through ``app.dependency_overrides``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from api import security
from api.auth import Permission, User, get_user, roles_for
from api.settings import Settings
from api.throttle import LoginThrottle
from matching.privacy.audit_writer import AuditWriter
from matching.records.storage import Store
from services.retraining import RetrainJobs
from services.runtime import Runtime
from services.shortlist_cache import BACKGROUND_NICE, ShortlistCache
from services.shortlists import ShortlistService

logger = logging.getLogger(__name__)

SESSION_COOKIE = "werkkans_session"


@dataclass(frozen=True)
class ApiConfig:
    """The part of the settings the HTTP service uses (defaults: :class:`Settings`)."""

    secret_key: str
    token_minutes: int
    max_body_bytes: int
    cors_origins: tuple[str, ...]
    cookie_secure: bool
    #: How long a looked-up account is trusted before it is read again; disabling an
    #: account or changing its role takes effect within this time.
    user_cache_seconds: float = 5.0
    #: How long after new history a shortlist may still be shown as it was while it is
    #: computed again (:class:`~services.shortlists.ShortlistService`'s ``max_stale``).
    stale_seconds: float = 0.0
    #: Shortlists each worker keeps in memory (:class:`~services.shortlist_cache.ShortlistCache`).
    cached_lists: int = 4096
    #: How much lower the upkeep after writes runs than the requests
    #: (:class:`~services.shortlist_cache.BackgroundRefresh`).
    background_nice: int = BACKGROUND_NICE

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiConfig:
        """The API fields of the settings.

        Without a secret key a random one is made for this process, so tokens
        stop working when it restarts (fine for a demo, logged).
        """
        secret = settings.secret_key
        if not secret:
            logger.warning(
                "no WERKKANS_SECRET_KEY set: using a random key; logins end when the service stops"
            )
            secret = security.generate_secret()
        return cls(
            secret_key=secret,
            token_minutes=settings.token_minutes,
            max_body_bytes=settings.max_body_bytes,
            cors_origins=settings.cors_origins,
            cookie_secure=settings.cookie_secure,
            stale_seconds=settings.stale_seconds,
            cached_lists=settings.cached_lists,
            background_nice=settings.background_nice,
        )


class UserCache:
    """Accounts read from the user table, kept for ``ttl`` seconds (one lookup per request
    is a large share of a cached shortlist's cost)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, User | None]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, username: str) -> User | None:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(username)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        user = get_user(store, username)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[username] = (now, user)
        return user

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# ---- plain dependencies ----------------------------------------------------------------------
# These only read app.state, so they are coroutines: FastAPI then calls them on the event
# loop instead of handing each one to the thread pool (a measurable cost under load).


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_config(request: Request) -> ApiConfig:
    return request.app.state.config


async def get_login_throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


async def get_runtime(request: Request) -> Runtime:
    """The long-lived parts (text space, index, shortlist engine) built by the app factory."""
    return request.app.state.runtime


async def get_shortlists(request: Request) -> ShortlistService:
    return request.app.state.shortlists


async def get_shortlist_cache(request: Request) -> ShortlistCache:
    return request.app.state.shortlist_cache


async def get_retrain_jobs(request: Request) -> RetrainJobs:
    return request.app.state.retrain_jobs


async def get_audit_writer(request: Request) -> AuditWriter:
    return request.app.state.audit_writer


async def get_today() -> dt.date:
    """Today's date; tests override it to get a fixed calendar."""
    return dt.date.today()


StoreDep = Annotated[Store, Depends(get_store)]
ConfigDep = Annotated[ApiConfig, Depends(get_config)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ShortlistsDep = Annotated[ShortlistService, Depends(get_shortlists)]
ShortlistCacheDep = Annotated[ShortlistCache, Depends(get_shortlist_cache)]
RetrainJobsDep = Annotated[RetrainJobs, Depends(get_retrain_jobs)]
Today = Annotated[dt.date, Depends(get_today)]
AuditWriterDep = Annotated[AuditWriter, Depends(get_audit_writer)]

# ---- authentication --------------------------------------------------------------------------

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    auto_error=False,
    description="Log in at POST /token with username and password; send the access token as "
    "`Authorization: Bearer <token>`.",
)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def user_from_token(
    store: Store, config: ApiConfig, token: str, users: UserCache | None = None
) -> User:
    """The enabled user a token names; raises :class:`security.TokenError` otherwise."""
    claims = security.decode_access_token(
        token, secret=config.secret_key, max_minutes=config.token_minutes
    )
    user = (
        users.get(store, claims.username) if users is not None else get_user(store, claims.username)
    )
    if user is None or user.disabled:
        raise security.TokenError("the account of this token no longer exists or is disabled")
    if user.role.value != claims.role or user.municipality != claims.municipality:
        raise security.TokenError("role or municipality changed since login; log in again")
    if claims.session != user.session:
        raise security.TokenError("this login has ended (logged out); log in again")
    return user


async def current_user(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The user of a bearer token (the API never reads the page cookie: no CSRF surface).

    Runs on every request, so it is kept lean: a coroutine (the account usually comes
    from the :class:`UserCache`; a miss is one primary-key lookup, cheaper on the event
    loop than a hand-off to the thread pool) reading ``app.state`` directly instead of
    through three more dependencies.
    """
    if not token:
        raise _unauthorised("not authenticated: send an 'Authorization: Bearer <token>' header")
    state = request.app.state
    try:
        return user_from_token(state.store, state.config, token, state.user_cache)
    except security.TokenError as exc:
        raise _unauthorised(str(exc)) from None


CurrentUser = Annotated[User, Depends(current_user)]


class PermissionCheck:
    """A dependency that admits users whose role holds ``permission`` (None: any role).

    The OpenAPI notes (:func:`api.app.api_routes`) read ``permission`` to list
    the roles allowed on a route.
    """

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission


class RoleCheck(PermissionCheck):
    """Dependency: the current (bearer-token) user, if their role holds ``permission``
    (else 403)."""

    async def __call__(self, user: CurrentUser) -> User:
        permission = self.permission
        if permission is not None and not user.can(permission):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=(
                    f"role {user.role.value} may not use this endpoint (needs "
                    f"{permission.value}: {', '.join(roles_for(permission))})"
                ),
            )
        return user


@functools.cache
def require(permission: Permission | None) -> RoleCheck:
    """The one :class:`RoleCheck` of a permission, e.g.
    ``Viewer = Annotated[User, Depends(require(Permission.SHORTLISTS_VIEW))]``."""
    return RoleCheck(permission)


AnyUser = Annotated[User, Depends(require(None))]
