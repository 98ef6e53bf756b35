"""Statistics calculators for staff: the chi-square test on a typed-in table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field, StringConstraints

from api.auth import Permission, User
from api.deps import require
from api.openapi import AUTH_ERRORS, responses
from services.statistics import MAX_COUNT, chi_square

router = APIRouter(prefix="/stats", tags=["statistics"], responses=AUTH_ERRORS)

StatsUser = Annotated[User, Depends(require(Permission.STATS_USE))]

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class Chi2In(BaseModel):
    table: (
        Annotated[str, StringConstraints(min_length=1, max_length=4000)]
        | Annotated[
            list[Annotated[list[Count], Field(min_length=2, max_length=20)]],
            Field(min_length=2, max_length=20),
        ]
    ) = Field(
        description="Counts, rows by columns: as text ('18 17 79 / 5 35 99'; rows split by / ; "
        "or newline, cells by spaces or commas) or as a list of rows."
    )
    correction: bool = Field(False, description="Yates' continuity correction (2 x 2 only).")


class Chi2Out(BaseModel):
    chi2: float
    df: int
    p: float
    n: int
    cramers_v: float = Field(description="Effect size, 0 (none) to 1.")
    expected: list[list[float]] = Field(description="Expected counts under independence.")
    warning: str | None = Field(None, description="Set when expected counts are below 5.")
    correction: bool


@router.post(
    "/chi2",
    summary="Chi-square test of independence",
    response_model=Chi2Out,
    responses=responses(413),
)
def chi2(
    _user: StatsUser,
    body: Annotated[
        Chi2In,
        Body(
            openapi_examples={
                "werktop": {
                    "summary": "Werktop vs comparison group (job / WEP / benefit)",
                    "value": {"table": "18 17 79 / 5 35 99"},
                },
                "lijst": {
                    "summary": "The same table as a list of rows",
                    "value": {"table": [[18, 17, 79], [5, 35, 99]]},
                },
            }
        ),
    ],
) -> Chi2Out:
    """Pearson's chi-square test: is the outcome pattern different between the rows (e.g.
    candidates and a comparison group)? The message names a bad cell."""
    result = chi_square(body.table, correction=body.correction).result
    return Chi2Out(
        chi2=result.chi2,
        df=result.df,
        p=result.p,
        n=result.n,
        cramers_v=result.cramers_v,
        expected=result.expected.tolist(),
        warning=result.warning,
        correction=result.correction,
    )
