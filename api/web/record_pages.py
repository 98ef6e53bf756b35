"""Pages for candidates, employers and work needs (with overrides), in Dutch."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Permission, User
from api.deps import RuntimeDep, ShortlistsDep, StoreDep
from api.openapi import ID_PATTERN
from api.web.session import CheckedForm, page_require, render
from matching.records.schemas import Candidate, Employer, Municipality, WorkNeed, region_members
from matching.records.storage import Store
from matching.shortlists.shortlist import SortBy
from services import overrides, records, subject_access
from services.errors import InvalidInput, NotFound
from services.overrides import OverrideOut
from services.record_models import HEALTH_FIELDS
from services.shortlists import Scope, ShortlistService

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
RecordId = Annotated[str, Path(pattern=ID_PATTERN)]

CandidateReader = Annotated[User, Depends(page_require(Permission.CANDIDATES_READ))]
EmployerReader = Annotated[User, Depends(page_require(Permission.EMPLOYERS_READ))]
WorkNeedReader = Annotated[User, Depends(page_require(Permission.WORK_NEEDS_READ))]
OverrideWriter = Annotated[User, Depends(page_require(Permission.OVERRIDES_WRITE))]
CandidateExporter = Annotated[User, Depends(page_require(Permission.CANDIDATES_EXPORT))]

CANDIDATE_LABELS = {
    "id": "Kenmerk",
    "name": "Naam",
    "email": "E-mail",
    "phone": "Telefoon",
    "status": "Status",
    "age_band": "Leeftijd",
    "education": "Opleiding",
    "benefit_type": "Uitkering",
    "benefit_months": "Maanden in de uitkering",
    "rung": "Trede participatieladder",
    "language_level": "Taalniveau Nederlands",
    "postcode": "Postcode",
    "mobility": "Vervoer",
    "max_travel_km": "Maximale reisafstand (km)",
    "hours_min": "Uren per week (minimaal)",
    "hours_max": "Uren per week (maximaal)",
    "prior_paid_work": "Eerder betaald werk",
    "wishes": "Wensen en ambities",
    "motivation": "Motivatie",
    "interests": "Interesses en hobby's",
    "strengths": "Sterke kanten",
    "limits": "Belastbaarheid: beperkingen",
    "help_needed": "Benodigde ondersteuning",
    "consent_matching": "Toestemming matching",
    "consent_share_employers": "Toestemming delen met werkgevers",
    "consent_events": "Toestemming bijeenkomsten",
    "relationship_manager": "Relatiemanager",
}

EMPLOYER_LABELS = {
    "id": "Kenmerk",
    "name": "Naam",
    "sbi_section": "Sector (SBI)",
    "size_class": "Aantal medewerkers",
    "postcode": "Postcode",
    "support_valued": "Waardeert als ondersteuning",
    "coaching_capacity": "Begeleidingscapaciteit",
    "openness": "Openheid (1-5)",
    "ambassador": "Ambassadeur",
    "relationship_manager": "Relatiemanager",
    "contact_name": "Contactpersoon",
    "contact_email": "E-mail contactpersoon",
    "contact_phone": "Telefoon contactpersoon",
}

WORK_NEED_LABELS = {
    "id": "Kenmerk",
    "title": "Functie",
    "description": "Omschrijving",
    "hours_min": "Uren per week (minimaal)",
    "hours_max": "Uren per week (maximaal)",
    "contract_form": "Vorm",
    "requirements": "Eisen",
    "demands": "Belasting in het werk",
    "adaptable": "Aan te passen",
    "min_language_level": "Minimaal taalniveau",
    "places": "Plaatsen",
    "open": "Open",
}


def _fields(
    record: object, labels: dict[str, str], hidden: tuple[str, ...] = ()
) -> list[tuple[str, object]]:
    return [(label, getattr(record, name)) for name, label in labels.items() if name not in hidden]


@router.get("/kandidaten", response_class=HTMLResponse)
def candidates_page(
    request: Request,
    store: StoreDep,
    user: CandidateReader,
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    found, total = records.search(
        store, Candidate, municipality=user.municipality, q=q, limit=PAGE_SIZE, offset=offset
    )
    return render(
        request,
        "candidates.html",
        candidates=found,
        total=total,
        q=q,
        offset=offset,
        page_size=PAGE_SIZE,
    )


@router.get("/kandidaten/{candidate_id}", response_class=HTMLResponse)
async def candidate_page(
    request: Request,
    candidate_id: RecordId,
    store: StoreDep,
    shortlists: ShortlistsDep,
    user: CandidateReader,
    bereik: Annotated[Literal["gemeente", "regio"], Query()] = "gemeente",
) -> Response:
    candidate = records.get(store, Candidate, candidate_id, user.actor)
    hidden = () if user.sees_health else HEALTH_FIELDS
    places = store.list(Municipality)
    in_region = len(region_members(places, candidate.municipality)) > 1
    scope: Scope = "region" if bereik == "regio" and in_region else "municipality"
    suggestions = None
    if user.can(Permission.SHORTLISTS_VIEW):
        suggestions = await shortlists.for_candidate(
            user.actor, candidate_id, k=10, one_per_employer=True, scope=scope
        )
    return render(
        request,
        "candidate.html",
        candidate=candidate,
        fields=_fields(candidate, CANDIDATE_LABELS, hidden),
        suggestions=suggestions,
        scope=scope,
        in_region=in_region,
        municipality_names={m.id: m.name for m in places},
    )


@router.get("/kandidaten/{candidate_id}/inzage", response_class=HTMLResponse)
def candidate_access_page(
    candidate_id: RecordId, runtime: RuntimeDep, user: CandidateExporter
) -> Response:
    """The candidate's own view (right of access), as it is printed or given to them."""
    return HTMLResponse(subject_access.export(runtime, user.actor, candidate_id).html)


@router.get("/werkgevers", response_class=HTMLResponse)
def employers_page(
    request: Request,
    store: StoreDep,
    user: EmployerReader,
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    found, total = records.search(
        store, Employer, municipality=user.municipality, q=q, limit=PAGE_SIZE, offset=offset
    )
    return render(
        request,
        "employers.html",
        employers=found,
        total=total,
        q=q,
        offset=offset,
        page_size=PAGE_SIZE,
    )


@router.get("/werkgevers/{employer_id}", response_class=HTMLResponse)
def employer_page(
    request: Request, employer_id: RecordId, store: StoreDep, user: EmployerReader
) -> Response:
    employer = records.get(store, Employer, employer_id, user.actor)
    needs = records.where(store, WorkNeed, user.actor, employer_id=employer_id)
    return render(
        request,
        "employer.html",
        employer=employer,
        fields=_fields(employer, EMPLOYER_LABELS),
        needs=needs,
    )


async def work_need_context(
    store: Store,
    shortlists: ShortlistService,
    user: User,
    work_need_id: str,
    sort: SortBy = "chance",
    scope: Scope = "municipality",
) -> dict[str, Any]:
    def read() -> tuple[WorkNeed, Employer, list[Municipality], list[OverrideOut]]:
        need = records.get(store, WorkNeed, work_need_id, user.actor)
        employer = records.get(store, Employer, need.employer_id, user.actor)
        return need, employer, store.list(Municipality), overrides.list_overrides(store, user.actor, work_need_id)

    # in a worker thread: the event loop serves other requests while the database answers
    need, employer, places, listed = await anyio.to_thread.run_sync(read)
    region = region_members(places, need.municipality)
    if len(region) == 1:
        scope = "municipality"  # in no region with others: the own list
    shortlist = None
    if user.can(Permission.SHORTLISTS_VIEW):
        shortlist = await shortlists.for_work_need(
            user.actor, work_need_id, k=10, sort=sort, scope=scope
        )
    return {
        "sort": sort,
        "scope": scope,
        "in_region": len(region) > 1,
        "municipality_names": {m.id: m.name for m in places},
        "need": need,
        "employer": employer,
        "fields": _fields(need, WORK_NEED_LABELS),
        "overrides": listed,
        "shortlist": shortlist,
    }


@router.get("/werkvragen/{work_need_id}", response_class=HTMLResponse)
async def work_need_page(
    request: Request,
    work_need_id: RecordId,
    store: StoreDep,
    shortlists: ShortlistsDep,
    user: WorkNeedReader,
    sorteer: Annotated[Literal["kans", "verschil"], Query()] = "kans",
    bereik: Annotated[Literal["gemeente", "regio"], Query()] = "gemeente",
) -> Response:
    sort: SortBy = "net" if sorteer == "verschil" else "chance"
    scope: Scope = "region" if bereik == "regio" else "municipality"
    return render(
        request,
        "work_need.html",
        **await work_need_context(store, shortlists, user, work_need_id, sort, scope),
    )


@router.post("/werkvragen/{work_need_id}/overrides")
async def add_override_form(
    request: Request,
    work_need_id: RecordId,
    store: StoreDep,
    shortlists: ShortlistsDep,
    user: OverrideWriter,
    form: CheckedForm,
) -> Response:
    records.get(store, WorkNeed, work_need_id, user.actor)
    candidate_id = form.get("candidate_id", "").strip()
    kind = form.get("kind", "")
    reason = form.get("reason", "").strip()
    error = None
    try:
        candidate = records.get(store, Candidate, candidate_id, user.actor) if candidate_id else None
    except NotFound:
        candidate = None
    if candidate is None:
        error = f"Kandidaat {candidate_id or '(leeg)'} niet gevonden."
    elif kind not in ("pin", "exclude"):
        error = "Kies vastzetten of uitsluiten."
    elif len(reason) < 3:
        error = "Geef een reden (minstens 3 tekens)."
    elif kind == "pin" and not candidate.consent_matching:
        error = f"Kandidaat {candidate_id} heeft geen toestemming voor matching."
    if error is None:
        try:
            overrides.add_override(
                store,
                user.actor,
                work_need_id,
                candidate_id=candidate_id,
                kind=kind,
                reason=reason[:500],
            )
        except InvalidInput as exc:
            error = exc.message
    if error:
        context = await work_need_context(store, shortlists, user, work_need_id)
        return render(request, "work_need.html", status_code=422, error=error, **context)
    return RedirectResponse(f"/werkvragen/{work_need_id}", status_code=303)


@router.post("/werkvragen/{work_need_id}/overrides/{override_id}/opheffen")
def lift_override_form(
    work_need_id: RecordId,
    override_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    store: StoreDep,
    user: OverrideWriter,
    _form: CheckedForm,
) -> Response:
    overrides.lift_override(store, user.actor, work_need_id, override_id)
    return RedirectResponse(f"/werkvragen/{work_need_id}", status_code=303)
