"""Log in and out of the web pages; the page session and its CSRF protection.

The pages use the same signed JWT as the API, kept in an HttpOnly,
SameSite=Strict cookie. Every form that changes something carries a CSRF
token bound to the session (an HMAC of it), checked on submit; the login form
itself uses a double-submit token. Pages answer a missing or expired session
with a redirect to the login page.
"""

from __future__ import annotations

import functools
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api import security
from api.auth import Permission, User, end_sessions, roles_for
from api.deps import (
    SESSION_COOKIE,
    ApiConfig,
    ConfigDep,
    PermissionCheck,
    StoreDep,
    ThrottleDep,
    user_from_token,
)
from api.throttle import TooManyAttempts

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "werkkans_login_csrf"

ROLE_LABELS = {
    "relationship_manager": "relatiemanager",
    "event_organiser": "organisator bijeenkomsten",
    "data_scientist": "data scientist",
    "administrator": "beheerder",
}


class LoginRequired(Exception):
    """No valid page session: send the browser to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageForbidden(Exception):
    """The user's role may not open this page."""

    def __init__(self, user: User, permission: Permission) -> None:
        self.user = user
        self.permission = permission


class CsrfFailed(Exception):
    """A form came back without the token of this session."""


def safe_next(path: str | None) -> str:
    """Only same-site relative paths: no open redirect through ``?next=``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def page_user(request: Request, store: StoreDep, config: ConfigDep) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise LoginRequired(next_path)
    try:
        user = user_from_token(store, config, token, request.app.state.user_cache)
    except security.TokenError:
        raise LoginRequired(next_path) from None
    request.state.user = user
    request.state.csrf = security.csrf_token(token, secret=config.secret_key)
    return user


PageUser = Annotated[User, Depends(page_user)]


class PageRoleCheck(PermissionCheck):
    """Dependency: the page session's user, if their role holds ``permission`` (else the
    "no access" page)."""

    permission: Permission

    def __init__(self, permission: Permission) -> None:
        super().__init__(permission)

    async def __call__(self, user: PageUser) -> User:
        if not user.can(self.permission):
            raise PageForbidden(user, self.permission)
        return user


@functools.cache
def page_require(permission: Permission) -> PageRoleCheck:
    """The one :class:`PageRoleCheck` of a permission, e.g.
    ``Reader = Annotated[User, Depends(page_require(Permission.EVENTS_READ))]``."""
    return PageRoleCheck(permission)


async def checked_form(request: Request, config: ConfigDep) -> dict[str, str]:
    """The submitted form, after checking its CSRF token against the session."""
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE, "")
    submitted = form.get("csrf")
    if (
        not token
        or not isinstance(submitted, str)
        or not security.csrf_valid(token, submitted, secret=config.secret_key)
    ):
        raise CsrfFailed()
    return {k: v for k, v in form.items() if isinstance(v, str)}


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    user = getattr(request.state, "user", None)
    base = {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role.value, user.role.value) if user else "",
        "csrf": getattr(request.state, "csrf", ""),
        "can": (lambda p: user is not None and user.can(Permission(p))),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


# ---- login and logout ------------------------------------------------------------------------


def _login_page(request: Request, next_path: str, error: str | None, status_code: int) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        next=next_path,
        error=error,
        login_csrf=token,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=request.app.state.config.cookie_secure,
        max_age=1800,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, safe_next(next), None, 200)


def set_session(response: Response, user: User, config: ApiConfig) -> None:
    token = security.create_access_token(
        username=user.username,
        role=user.role.value,
        municipality=user.municipality,
        secret=config.secret_key,
        minutes=config.token_minutes,
        session=user.session,
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=config.cookie_secure,
        max_age=config.token_minutes * 60,
        path="/",
    )


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    config: ConfigDep,
    throttle: ThrottleDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf):
        return _login_page(
            request, safe_next(next), "Het formulier is verlopen; probeer opnieuw.", 400
        )
    address = request.client.host if request.client else None
    try:
        user = throttle.authenticate(username, password, address)
    except TooManyAttempts as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        page = _login_page(
            request,
            safe_next(next),
            f"Te veel mislukte pogingen. Probeer het over {minutes} minuten opnieuw.",
            429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if user is None:
        return _login_page(request, safe_next(next), "Onjuiste gebruikersnaam of wachtwoord.", 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session(response, user, config)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, _form: CheckedForm, store: StoreDep, config: ConfigDep) -> Response:
    """End the session: the cookie goes, and the token in it stops working everywhere."""
    try:
        user = user_from_token(store, config, request.cookies.get(SESSION_COOKIE, ""))
    except security.TokenError:
        user = None  # already ended
    if user is not None:
        end_sessions(store, user.username)
        request.app.state.user_cache.clear()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- error pages -----------------------------------------------------------------------------


def install_handlers(app: Any) -> None:
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(safe_next(exc.next_path))}", status_code=303)

    async def forbidden(request: Request, exc: PageForbidden) -> Response:
        return render(
            request,
            "error.html",
            status_code=403,
            title="Geen toegang",
            message="Uw rol mag deze pagina niet openen. Rollen met toegang: "
            + ", ".join(ROLE_LABELS.get(r, r) for r in roles_for(exc.permission))
            + ".",
        )

    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return render(
            request,
            "error.html",
            status_code=403,
            title="Formulier verlopen",
            message="Het formulier hoort niet bij deze sessie. Laad de pagina opnieuw en "
            "probeer het nog eens.",
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageForbidden, forbidden)
    app.add_exception_handler(CsrfFailed, csrf_failed)


__all__ = ["CheckedForm", "PageUser", "install_handlers", "page_require", "render", "router"]
