"""How the use cases' refusals read in Dutch, for the people at the pages and the CLI.

The API answers in English (the use cases' own messages); staff read Dutch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import ValidationError

from matching.records.enums import validation_in_dutch
from services.errors import AuditUnavailable, InvalidInput, Issue, NotFound
from services.record_models import KIND_LABELS

if TYPE_CHECKING:
    from training.promotion import PromotionDecision

__all__ = ["KIND_LABELS", "in_dutch", "invalid_in_dutch"]

#: Input "fields" that name a whole request rather than one value: shown without the name.
_WHOLE_REQUEST = {"controls", "history", "months", "report", "config"}


def in_dutch(exc: Exception) -> str:
    """The message to show staff: Dutch where werkkans words it itself.

    Messages of the domain (why a plan or an outcome cannot be recorded) are
    passed on as they are; a pydantic refusal of form values is worded field by field.
    """
    if isinstance(exc, ValidationError):
        exc = invalid_in_dutch(exc)
    if isinstance(exc, NotFound):
        return f"{KIND_LABELS.get(exc.kind, exc.kind)} {exc.record_id} niet gevonden"
    dutch = getattr(exc, "dutch", None)
    if dutch:
        return str(dutch)
    if isinstance(exc, AuditUnavailable):
        return (
            "het auditlog kan nu niet worden bijgewerkt, dus wordt de kortelijst niet getoond; "
            "probeer het over een minuut opnieuw"
        )
    if isinstance(exc, InvalidInput) and len(exc.issues) == 1 and exc.field in _WHOLE_REQUEST:
        return exc.message
    return str(exc)


def invalid_in_dutch(exc: ValidationError) -> InvalidInput:
    """A pydantic refusal of command-line values as one use-case refusal, worded in Dutch."""
    issues = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"])
        message = validation_in_dutch(error) or error["msg"]
        issues.append(Issue(("body", field or "invoer"), f"{field}: {message}" if field else message))
    return InvalidInput(issues)


def promotion_in_dutch(decision: PromotionDecision) -> str:
    """Why a trained ranker was or was not made champion, for staff."""
    metric, new, old = decision.metric, decision.challenger_score, decision.champion_score
    if not math.isfinite(new):
        return f"de {metric} van de nieuwe ranker is geen getal"
    if old is None or not math.isfinite(old):
        if decision.champion_version is None:
            return "er was nog geen champion"
        return "de champion kon niet worden beoordeeld"
    verdict = "beter dan" if decision.promoted else "niet beter dan"
    return f"{metric} {new:.4f} is {verdict} die van de champion ({old:.4f})"
