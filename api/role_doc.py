"""The role matrix of docs/api.md, generated from the code.

:data:`api.auth.ROLE_MATRIX` says which roles hold which permission; the
app's routes say which permission each endpoint demands. docs/api.md embeds
this table between markers and a test fails when the two drift apart, so the
documented matrix is the one the service enforces.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import _permission_of, api_routes
from api.auth import ROLE_MATRIX, Permission, Role

BEGIN = "<!-- roles:begin -->"
END = "<!-- roles:end -->"

#: What each permission allows, in the words of the docs.
LABELS: dict[Permission, str] = {
    Permission.CANDIDATES_READ: "candidates: read",
    Permission.CANDIDATES_WRITE: "candidates: register and change",
    Permission.CANDIDATES_ERASE: "candidates: erase",
    Permission.CANDIDATES_EXPORT: "candidates: everything held about one (right of access)",
    Permission.CANDIDATES_HEALTH: "candidates: see health fields (`limits`, `help_needed`)",
    Permission.RECORD_HISTORY: "change history of records",
    Permission.EMPLOYERS_READ: "employers: read",
    Permission.EMPLOYERS_WRITE: "employers: register and change",
    Permission.WORK_NEEDS_READ: "work needs: read",
    Permission.WORK_NEEDS_WRITE: "work needs: register and change",
    Permission.SHORTLISTS_VIEW: "shortlists",
    Permission.OVERRIDES_WRITE: "ranking overrides (pin, exclude)",
    Permission.EVENTS_READ: "events: read (invitations, table plan)",
    Permission.EVENTS_WRITE: "events: plan, tables, change",
    Permission.OUTCOMES_READ: "outcomes, attendance, aftercare: read",
    Permission.OUTCOMES_WRITE: "outcomes, attendance, aftercare: record",
    Permission.REPORTS_READ: "outcome report",
    Permission.STATS_USE: "chi-square calculator",
    Permission.MODELS_READ: "models: list, champion",
    Permission.MODELS_MANAGE: "models: retrain, reload, promote",
    Permission.AUDIT_READ: "audit log",
}


def role_matrix_markdown(app: FastAPI) -> str:
    """One row per permission: the roles holding it and the endpoints demanding it."""
    endpoints: dict[Permission, list[str]] = {p: [] for p in Permission}
    for route in api_routes(app.routes):
        permission = _permission_of(route.dependant)
        if route.include_in_schema and isinstance(permission, Permission):
            endpoints[permission] += [f"`{m} {route.path}`" for m in sorted(route.methods or ())]
    roles = list(Role)
    header = ["permission", *(r.value.replace("_", " ") for r in roles), "endpoints"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + ":-:|" * len(roles) + "---|"]
    for permission in Permission:
        marks = ["✓" if r in ROLE_MATRIX[permission] else "" for r in roles]
        where = ", ".join(sorted(set(endpoints[permission]))) or "(pages and other checks only)"
        lines.append("| " + " | ".join([LABELS[permission], *marks, where]) + " |")
    return "\n".join(lines) + "\n"


def embed_in(doc: str, app: FastAPI) -> str:
    """The document with the generated matrix replaced."""
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{role_matrix_markdown(app)}{END}{tail}"
