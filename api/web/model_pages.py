"""Pages for data scientists: the registered model versions, retraining and comparing with
the champion, promoting by hand, and each version's model card."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from api.auth import Permission, User
from api.deps import RetrainJobsDep, RuntimeDep, StoreDep
from api.openapi import PERIOD_PATTERN
from api.web.session import CheckedForm, page_require, render
from api.wording import in_dutch
from services import ranker_versions
from services.errors import UseCaseError
from services.retraining import RetrainJobs, RetrainRequest

router = APIRouter(include_in_schema=False)

ModelReader = Annotated[User, Depends(page_require(Permission.MODELS_READ))]
ModelManager = Annotated[User, Depends(page_require(Permission.MODELS_MANAGE))]
Version = Annotated[str, Path(pattern=r"^[0-9]{1,9}$")]


@router.get("/modellen", response_class=HTMLResponse)
def models_page(
    request: Request,
    runtime: RuntimeDep,
    jobs: RetrainJobsDep,
    user: ModelReader,
    taak: Annotated[str | None, Query(pattern=r"^[0-9a-f]{12}$")] = None,
) -> Response:
    return _models_page(request, runtime, jobs, job_id=taak)


def _models_page(
    request: Request,
    runtime: RuntimeDep,
    jobs: RetrainJobs,
    *,
    job_id: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "models.html",
        status_code=status_code,
        versions=ranker_versions.versions(runtime.config.tracking_uri),
        in_service=runtime.engine.scored_by,
        job=None if job_id is None else jobs.get(job_id),
        running=jobs.running(),
        error=error,
    )


@router.post("/modellen/trainen")
def retrain_form(
    request: Request, runtime: RuntimeDep, jobs: RetrainJobsDep, user: ModelManager, form: CheckedForm
) -> Response:
    """Start retraining in the background; the page follows the job until it is done."""
    retrain = RetrainRequest(promote=form.get("promote") == "on", trigger="page")
    try:
        job = jobs.start(runtime, retrain, user.username)
    except UseCaseError as exc:
        return _models_page(request, runtime, jobs, error=in_dutch(exc), status_code=409)
    return RedirectResponse(f"/modellen?taak={job.id}", status_code=303)


@router.post("/modellen/{version}/champion")
def promote_form(
    request: Request,
    version: Version,
    runtime: RuntimeDep,
    jobs: RetrainJobsDep,
    user: ModelManager,
    form: CheckedForm,
) -> Response:
    """Make a version champion by hand, with the reason why; the service loads it at once."""
    reason = form.get("reason", "").strip()
    if len(reason) < 3:
        return _models_page(request, runtime, jobs, status_code=422,
                            error="geef een reden (minstens 3 tekens) waarom deze versie champion wordt")
    try:
        ranker_versions.promote(runtime.config.tracking_uri, version, reason=reason[:500],
                                reload=runtime.reload_model)
    except UseCaseError as exc:
        return _models_page(request, runtime, jobs, error=in_dutch(exc), status_code=422)
    return RedirectResponse(f"/modellen/{version}", status_code=303)


def _markdown(text: str) -> Markup:
    """Our own markdown as HTML: raw HTML in it is switched off (so the result is safe to mark
    as such), and table alignment becomes classes (the pages allow no inline styles)."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return Markup(re.sub(r' style="text-align:(left|right|center)"', r' class="align-\1"', html))


@router.get("/modellen/impact", response_class=HTMLResponse)
def impact_page(
    request: Request,
    store: StoreDep,
    runtime: RuntimeDep,
    user: ModelReader,
    periode: Annotated[str | None, Query(max_length=20, pattern=PERIOD_PATTERN)] = None,
) -> Response:
    """The IAMA/FRIA worksheet, pre-filled with what werkkans measured."""
    from services.impact_assessment import impact_assessment, impact_markdown

    policy = runtime.config.fair_exposure
    facts = impact_assessment(
        store, runtime.config.tracking_uri, municipality=user.municipality, period=periode,
        fair_exposure=None if policy is None else (policy.low, policy.high),
    )
    return render(request, "document.html", title="IAMA / FRIA-werkblad",
                  body=_markdown(impact_markdown(facts)))


@router.get("/modellen/{version}", response_class=HTMLResponse)
def model_card_page(
    request: Request,
    version: Version,
    runtime: RuntimeDep,
    user: ModelReader,
) -> Response:
    card = ranker_versions.card(runtime.config.tracking_uri, version)
    register = ranker_versions.card(runtime.config.tracking_uri, version, kind="algorithm_register")
    return render(request, "model_card.html", version=version, card=_markdown(card),
                  register=_markdown(register))
