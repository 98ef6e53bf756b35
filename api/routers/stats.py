"""Statistics calculators for staff: the chi-square test on a typed-in table."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, StringConstraints

from api.auth import Permission
from api.deps import Requires
from api.routers import _records as records
from api.routers._records import AUTH_ERRORS, responses
from matching.report.stats import chi2_independence, parse_table

router = APIRouter(prefix="/stats", tags=["statistics"], responses=AUTH_ERRORS)

User = Requires(Permission.STATS_USE)

MAX_CELLS = 400
MAX_COUNT = 10**9

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
    _user: User,
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
) -> Any:
    """Pearson's chi-square test: is the outcome pattern different between the rows (e.g.
    candidates and a comparison group)? The message names a bad cell."""
    table = body.table
    if isinstance(table, str):
        try:
            table = parse_table(table)
        except ValueError as exc:
            raise records.invalid("table", str(exc)) from None
    cells = sum(len(row) for row in table)
    if cells > MAX_CELLS or any(v > MAX_COUNT for row in table for v in row):
        raise records.invalid("table", f"at most {MAX_CELLS} cells of at most {MAX_COUNT} each")
    try:
        result = chi2_independence(table, correction=body.correction)
    except ValueError as exc:
        raise records.invalid("table", str(exc)) from None
    if not all(math.isfinite(v) for v in (result.chi2, result.p, result.cramers_v)):
        raise records.invalid("table", "the test is not defined for this table")
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
