"""Pages for data scientists: the registered model versions and each one's model card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from api.auth import Permission, User
from api.deps import RuntimeDep
from api.web.session import page_require, render
from services import ranker_versions

router = APIRouter(include_in_schema=False)

ModelReader = Annotated[User, Depends(page_require(Permission.MODELS_READ))]


@router.get("/modellen", response_class=HTMLResponse)
def models_page(request: Request, runtime: RuntimeDep, user: ModelReader) -> Response:
    return render(
        request,
        "models.html",
        versions=ranker_versions.versions(runtime.config.tracking_uri),
        in_service=runtime.engine.scored_by,
    )


@router.get("/modellen/{version}", response_class=HTMLResponse)
def model_card_page(
    request: Request,
    version: Annotated[str, Path(pattern=r"^[0-9]{1,9}$")],
    runtime: RuntimeDep,
    user: ModelReader,
) -> Response:
    from markdown_it import MarkdownIt

    card = ranker_versions.card(runtime.config.tracking_uri, version)
    register = ranker_versions.card(runtime.config.tracking_uri, version, kind="algorithm_register")
    # raw HTML in the markdown is switched off, so the rendered text is safe to mark as such
    to_html = MarkdownIt("commonmark", {"html": False}).enable("table").render
    return render(
        request,
        "model_card.html",
        version=version,
        card=Markup(to_html(card)),
        register=Markup(to_html(register)),
    )
