"""The web pages: templates, the start page, the chi-square calculator, error pages.

Pages are server-rendered Jinja2 in Dutch; forms work without JavaScript and
htmx only makes the search boxes live. :func:`install` adds every page router
to the app.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import Permission, User
from api.deps import StoreDep
from api.web import event_pages, model_pages, outcome_pages, record_pages, session
from api.web.session import CheckedForm, PageUser, page_require, render
from matching.events.event_plan import OBJECTIVE_NL
from matching.records.enums import dutch_date, dutch_label
from matching.records.schemas import Candidate, Employer, Event, WorkNeed
from matching.report.numbers import euro
from matching.shortlists.vetoes import VETO_LABELS, Veto
from services import records
from services.errors import InvalidInput
from services.statistics import MAX_CELLS, TableTooLarge, chi_square

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

router = APIRouter(include_in_schema=False)

StatsUser = Annotated[User, Depends(page_require(Permission.STATS_USE))]

YES_NO = {True: "ja", False: "nee", None: "onbekend"}


def _label(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return YES_NO[value]
    if isinstance(value, Enum):
        return dutch_label(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_label(v) for v in value) or "—"
    if isinstance(value, dt.date):
        return dutch_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value != "" else "—"


def _veto(code: str) -> str:
    """The Dutch words for a veto code (``hours_do_not_fit`` -> "uren passen niet")."""
    try:
        return VETO_LABELS[Veto(code)]
    except ValueError:
        return code


def _percent(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{round(100 * value)}%"


def _reason(match: Any) -> Markup:
    """A match's reason, escaped, with the words of the candidate's quoted sentence that the
    work shares marked (``<mark>``)."""
    reason, quote = str(match.reason), getattr(match, "quote", None)
    if quote is None or quote.text not in reason:
        return escape(reason)
    at = reason.index(quote.text)
    parts, pos = [escape(reason[:at])], 0
    for start, end in quote.marks:
        parts += [escape(quote.text[pos:start]), Markup("<mark>"), escape(quote.text[start:end]),
                  Markup("</mark>")]
        pos = end
    parts += [escape(quote.text[pos:]), escape(reason[at + len(quote.text):])]
    return Markup("").join(parts)


#: Under a list shown as it was before the latest history, while its successor is computed.
STALE_NL = (
    "Deze lijst is van vóór de laatst geregistreerde gesprekken, uitkomsten of wijzigingen "
    "van andere kandidaten; een bijgewerkte lijst wordt nu berekend."
)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["nl"] = _label
    templates.env.filters["pct"] = _percent
    templates.env.filters["veto"] = _veto
    templates.env.filters["reason"] = _reason
    templates.env.filters["eur"] = euro
    templates.env.globals["objective_nl"] = OBJECTIVE_NL
    templates.env.globals["stale_nl"] = STALE_NL
    return templates


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, user: PageUser) -> Response:
    counts = {}
    for label, record_type, permission in (
        ("Kandidaten", Candidate, Permission.CANDIDATES_READ),
        ("Werkgevers", Employer, Permission.EMPLOYERS_READ),
        ("Werkvragen", WorkNeed, Permission.WORK_NEEDS_READ),
        ("Bijeenkomsten", Event, Permission.EVENTS_READ),
    ):
        if user.can(permission):
            counts[label] = records.count(store, record_type, user.actor)
    return render(request, "home.html", counts=counts)


@router.get("/chi-kwadraat", response_class=HTMLResponse)
def chi2_form(request: Request, user: StatsUser) -> Response:
    return render(request, "chi2.html", table="", result=None, error=None)


@router.post("/chi-kwadraat", response_class=HTMLResponse)
def chi2_submit(request: Request, user: StatsUser, form: CheckedForm) -> Response:
    text = form.get("table", "")[:4000]
    correction = form.get("correction") == "on"
    try:
        answer = chi_square(text, correction=correction)
    except InvalidInput as exc:
        error = f"te groot: maximaal {MAX_CELLS} cellen" if isinstance(exc, TableTooLarge) else exc.message
        return render(
            request,
            "chi2.html",
            status_code=422,
            table=text,
            result=None,
            error=error,
            correction=correction,
        )
    return render(
        request,
        "chi2.html",
        table=text,
        result=answer.result,
        error=None,
        correction=correction,
        rows=answer.rows,
    )


def install(app: FastAPI) -> None:
    """Add the pages, their templates and their error handling to ``app``."""
    app.state.templates = make_templates()
    app.include_router(session.router)
    app.include_router(router)
    for module in (record_pages, event_pages, outcome_pages, model_pages):
        app.include_router(module.router)
    session.install_handlers(app)

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        route = request.scope.get("route")
        is_page = route is not None and not getattr(route, "include_in_schema", True)
        if is_page and "text/html" in request.headers.get("accept", ""):
            titles = {404: "Niet gevonden", 403: "Geen toegang", 413: "Te groot"}
            return render(
                request,
                "error.html",
                status_code=exc.status_code,
                title=titles.get(exc.status_code, "Fout"),
                message=str(exc.detail),
            )
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]


__all__ = ["install"]
