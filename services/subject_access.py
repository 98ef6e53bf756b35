"""A candidate's own view of what werkkans holds and does with it (AVG art. 15 and 22, AI Act art. 86).

:func:`export` gives everything held about one candidate
(:func:`matching.privacy.subject_access.subject_access`) plus how suggestions
about them are made and what counted in their most recent ones, as JSON and
as a plain-Dutch HTML page that can be printed or sent to them. Every export
is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.privacy import audit_log
from matching.privacy.subject_access import subject_access
from matching.records.enums import dutch_date, dutch_label
from matching.records.schemas import Candidate, Employer, WorkNeed
from services import records
from services.actor import Actor
from services.errors import NotFound
from services.runtime import Runtime

__all__ = ["HOW_SUGGESTIONS_ARE_MADE", "SubjectExport", "export"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The plain-Dutch explanation every export carries.
HOW_SUGGESTIONS_ARE_MADE = (
    "Uw relatiemanager gebruikt werkkans om werkgevers en werk te vinden die bij u kunnen passen. "
    "werkkans vergelijkt uw profiel (uw wensen, interesses, sterke kanten, opleiding, uren, "
    "reisafstand en wat u niet kunt doen) met het werk dat werkgevers hebben. Een rekenmodel, "
    "geleerd van eerdere gesprekken tussen werkzoekenden en werkgevers, schat de kans dat een "
    "gesprek tot een werkervaringsplaats of baan leidt. Uw leeftijd, geslacht, nationaliteit, "
    "of u statushouder bent of onder de banenafspraak valt, en uw naam worden daarbij nooit "
    "gebruikt. Een voorstel is een suggestie: uw relatiemanager beslist, en kan iemand "
    "vastzetten of uitsluiten, met een reden die u hieronder ziet. U kunt vragen om uitleg, "
    "om verbetering van gegevens en om verwijdering."
)


@dataclass(frozen=True)
class SubjectExport:
    """The export as data (``data``, JSON-able) and as a Dutch HTML page (``html``)."""

    data: dict[str, Any]
    html: str


def _suggestions(
    runtime: Runtime, candidate_id: str, municipality: str, employers: dict[str, str]
) -> list[dict[str, Any]]:
    """The employers werkkans would suggest to talk to now, with the reason in Dutch."""
    shortlist = runtime.engine.for_candidate(candidate_id, 5, municipality=municipality)
    needs = {n.id: n.title for n in runtime.store.list(WorkNeed, municipality=municipality)}
    return [
        {
            "employer": employers.get(m.employer_id, m.employer_id),
            "work": needs.get(m.work_need_id, m.work_need_id),
            "chance": m.probability,
            "reason": m.reason,
        }
        for m in shortlist.matches
    ]


def export(runtime: Runtime, actor: Actor, candidate_id: str) -> SubjectExport:
    """Everything about ``candidate_id`` for ``actor``'s municipality; :class:`NotFound` otherwise."""
    store = runtime.store
    municipality = records.scope(store, actor, Candidate, candidate_id)
    access = subject_access(store, candidate_id, municipality=municipality)
    if access is None:  # pragma: no cover - scope found them a moment ago
        raise NotFound("candidate", candidate_id)
    employers = {e.id: e.name for e in store.list(Employer, municipality=municipality)}
    data = {
        **access.to_dict(),
        "how_suggestions_are_made": HOW_SUGGESTIONS_ARE_MADE,
        "recent_suggestions": _suggestions(runtime, candidate_id, municipality, employers),
        "model_version": runtime.engine.scored_by,
    }
    audit_log.log_entry(
        store, actor=actor.username, role=actor.role, municipality=municipality,
        action="subject_access_export", subject_type="candidate", subject_id=candidate_id,
        results={kind: len(rows) for kind, rows in access.records.items()},
    )
    return SubjectExport(data=data, html=_render(data, employers))


#: The candidate's fields in words, in the order shown (the JSON holds every field).
CANDIDATE_FIELDS_NL = {
    "id": "Kenmerk",
    "name": "Naam",
    "email": "E-mail",
    "phone": "Telefoon",
    "status": "Status",
    "registered_on": "Ingeschreven op",
    "age_band": "Leeftijd",
    "gender": "Geslacht",
    "education": "Opleiding",
    "benefit_type": "Uitkering",
    "benefit_months": "Maanden in de uitkering",
    "rung": "Trede participatieladder",
    "banenafspraak": "Banenafspraak",
    "statushouder": "Statushouder",
    "language_level": "Taalniveau Nederlands",
    "postcode": "Postcode",
    "mobility": "Vervoer",
    "max_travel_km": "Maximale reisafstand (km)",
    "hours_min": "Uren per week (minimaal)",
    "hours_max": "Uren per week (maximaal)",
    "limits": "Wat u niet kunt doen",
    "prior_paid_work": "Eerder betaald werk",
    "desired_occupations": "Gewenste beroepen (ESCO)",
    "motivation": "Motivatie",
    "wishes": "Wensen",
    "interests": "Interesses",
    "strengths": "Sterke kanten",
    "help_needed": "Benodigde ondersteuning",
    "consent_matching": "Toestemming om te zoeken naar passend werk",
    "consent_share_employers": "Toestemming om uw profiel aan werkgevers te laten zien",
    "consent_events": "Toestemming voor uitnodigingen voor bijeenkomsten",
    "available_from": "Beschikbaar vanaf",
    "relationship_manager": "Relatiemanager",
}
_ACTIONS_NL = {"insert": "aangemaakt", "update": "gewijzigd", "delete": "verwijderd"}
_ENTITIES_NL = {"candidates": "uw gegevens", "invitations": "uitnodiging", "meetings": "gesprek",
                "outcomes": "uitkomst", "checkins": "nazorgcontact"}
_LISTS_NL = {
    "shortlist_shown": "getoond in een lijst met kandidaten of werk",
    "event_plan_shown": "opgenomen in een plan voor een bijeenkomst",
    "override_added": "door uw relatiemanager vastgezet of uitgesloten",
    "override_lifted": "vastzetten of uitsluiten opgeheven",
    "subject_access_export": "uw gegevens opgevraagd (inzage)",
}


def _in_words(value: Any) -> str:
    """A value as a person reads it: Dutch labels for codes, ja/nee, dd-mm-jjjj."""
    import datetime as dt
    from enum import Enum

    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Enum):
        return dutch_label(value)
    if isinstance(value, dt.date):
        return dutch_date(value)
    if isinstance(value, list):
        return ", ".join(_in_words(v) for v in value)
    return str(value)


def _lines(data: dict[str, Any], employers: dict[str, str]) -> dict[str, Any]:
    """What the page shows: the candidate's fields and one Dutch line per other record."""
    from matching.records.schemas import CheckIn, Invitation, Outcome, TableMeeting

    rec = data["records"]
    candidate = Candidate.model_validate(rec["candidates"][0])
    fields = [(label, _in_words(getattr(candidate, name))) for name, label in CANDIDATE_FIELDS_NL.items()]
    lines = []
    for row in rec.get("invitations", []):
        i = Invitation.model_validate(row)
        came = {True: ", was aanwezig", False: ", was er niet", None: ""}[i.attended]
        lines.append(f"Uitnodiging voor bijeenkomst {i.event_id}: {_in_words(i.status)}{came}.")
    for row in rec.get("meetings", []):
        m = TableMeeting.model_validate(row)
        follow = "; beiden wilden een vervolggesprek" if m.follow_up else ""
        lines.append(f"Gesprek op bijeenkomst {m.event_id} met {employers.get(m.employer_id, m.employer_id)}, "
                     f"ronde {m.round}{follow}.")
    for row in rec.get("outcomes", []):
        o = Outcome.model_validate(row)
        where = employers.get(o.employer_id, o.employer_id) if o.employer_id else "zelf gevonden"
        lines.append(f"{_in_words(o.kind).capitalize()} ({where}), vastgelegd op {_in_words(o.recorded_on)}.")
    for row in rec.get("checkins", []):
        c = CheckIn.model_validate(row)
        lines.append(f"Nazorg na {c.month} maand(en), {_in_words(c.date)}: {_in_words(c.status)}.")
    return {
        "fields": fields,
        "lines": lines,
        "history": [(dutch_date(h["changed_at"]), _ENTITIES_NL.get(h["entity"], "gegevens"),
                     _ACTIONS_NL.get(h["action"], "gewijzigd"))
                    for h in data["history"]],
        "lists": [(dutch_date(e["at"]), _LISTS_NL.get(e["action"], "vastgelegd in het logboek"),
                   e["their_lines"])
                  for e in data["lists_shown"]],
        "made_on": dutch_date(data["made_at"]),
        "overrides": [(dutch_date(o["created_at"]), o) for o in data["overrides"]],
    }


def _render(data: dict[str, Any], employers: dict[str, str]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )
    env.filters["pct"] = lambda p: "—" if p is None else f"{round(100 * p)}%"
    return env.get_template("subject_access.html").render(d=data, v=_lines(data, employers))
