"""A fundamental-rights impact assessment worksheet (IAMA / FRIA, AI Act art. 27), pre-filled
with what werkkans knows and measured; what only the municipality can judge is left as a
marked blank.

It follows art. 27(1) (a)-(f) — the process, period and frequency of use, the people it
affects, the risks of harm, human oversight, the measures when risks materialise — and ends
with the fundamental rights the Dutch IAMA asks a municipality to weigh. Measured facts come
from the outcome report of the period (groups, invitation ratios and their alerts, oversight
figures) and from the model card of the ranker in service (metrics per group, known limits).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from matching.records.enums import dutch_date
from matching.records.storage import Store
from matching.report.period import last_months
from services import ranker_versions, reports
from services.errors import NotFound, Unavailable
from training.model_card import group_table

__all__ = ["TO_FILL", "impact_assessment", "impact_markdown"]

TO_FILL = "[in te vullen door de gemeente]"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def impact_assessment(
    store: Store,
    tracking_uri: str,
    *,
    municipality: str | None,
    period: str | None = None,
    fair_exposure: tuple[float, float] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The worksheet's facts as plain data (:func:`impact_markdown` writes it for people).

    ``period`` as the report takes it (default the last 12 complete months);
    ``fair_exposure`` the municipality's bounds on groups' exposure, None when off.
    """
    today = today or dt.date.today()
    period = period or last_months(today)
    report = reports.outcome_report(store, period, municipality=municipality).to_dict()
    try:
        card: dict[str, Any] | None = json.loads(
            ranker_versions.card(tracking_uri, kind="model_card", form="json")
        )
    except (NotFound, Unavailable):
        card = None
    return {
        "title": "IAMA / FRIA-werkblad: werkkans",
        "municipality": municipality,
        "date": today.isoformat(),
        "period": report["period"],
        "counts": report["counts"],
        "fairness_trend": report["fairness_trend"],
        "oversight": report["oversight"],
        "fair_exposure": None if fair_exposure is None else list(fair_exposure),
        "model": None if card is None else {
            "version": card.get("version"),
            "intended_use": card.get("intended_use"),
            "not_for": card.get("not_for"),
            "metrics": card.get("metrics", {}),
            "metrics_per_group": card.get("metrics_per_group", {}),
            "known_limits": card.get("known_limits", []),
            "training_data": card.get("training_data", {}),
        },
    }


def impact_markdown(facts: dict[str, Any]) -> str:
    """The worksheet in Dutch markdown: measured facts filled in, judgements left blank."""
    period, counts = facts["period"], facts["counts"]
    model, oversight = facts["model"], facts["oversight"] or {}
    span = f"{dutch_date(period['start'])} tot en met {dutch_date(period['end'])}"
    lines = [
        f"# {facts['title']}",
        "",
        (f"Gemeente: {facts['municipality'] or 'alle gemeenten in deze database'} · opgesteld "
        f"{dutch_date(facts['date'])} · gemeten over {span}."),
        "",
        ("Dit werkblad volgt artikel 27 van de AI-verordening (beoordeling van de gevolgen voor "
        "grondrechten) en de Impact Assessment Mensenrechten en Algoritmes (IAMA). Wat werkkans "
        f"zelf weet en meet, is ingevuld; wat alleen de gemeente kan beoordelen, staat als {TO_FILL}."),
        "",
        "## 1. Het proces waarin werkkans wordt gebruikt (art. 27 lid 1 a)",
        "",
        (model or {}).get("intended_use") or "Nog geen getraind model in gebruik: suggesties komen "
        "uit tekstovereenkomst tussen profielen en werkvragen.",
        "",
        "Waarvoor niet: " + ((model or {}).get("not_for") or "automatisch afwijzen of beslissen "
                             "zonder relatiemanager."),
        "",
        f"Beschrijving van het eigen werkproces (wie, wanneer, welke besluiten): {TO_FILL}",
        "",
        "## 2. Periode en frequentie van gebruik (b)",
        "",
        f"- kortelijsten voor een werkvraag getoond: {oversight.get('lists_shown', '—')}",
        f"- bijeenkomsten in de periode: {counts['events']}",
        f"- kandidaten uitgenodigd: {counts['invited']} van {counts['candidates']}",
        f"- voorgenomen gebruiksduur: {TO_FILL}",
        "",
        "## 3. Wie het raakt (c)",
        "",
        (f"Werkzoekenden in de bijstand van de gemeente ({counts['candidates']} in de periode), en "
        f"werkgevers ({counts['employers']}). Groepen die werkkans apart volgt:"),
        "",
        "| groep | kandidaten | uitgenodigd t.o.v. de anderen (laatste maanden) | waarschuwing |",
        "|---|--:|--:|---|",
    ]
    for trend in facts["fairness_trend"]:
        ratio = trend["recent_ratio"]
        lines.append(
            f"| {trend['label']} | {trend['n']} | {'—' if ratio is None else f'{ratio:.2f}'} | "
            f"{'buiten ' + str(trend['bounds'][0]) + '-' + str(trend['bounds'][1]) if trend['alert'] else '—'} |"
        )
    lines += [
        "",
        "## 4. Risico's op schade (d)",
        "",
        "Gemeten verschillen:",
        "",
    ]
    alerts = [t for t in facts["fairness_trend"] if t["alert"]]
    lines += [f"- {t['label']} werden de laatste maanden {t['recent_ratio']:.2f} keer zo vaak "
              "uitgenodigd als de anderen." for t in alerts] or [
        "- Geen groep viel de laatste maanden buiten de grenzen van de uitnodigingsverhouding."
    ]
    if model and model.get("metrics_per_group"):
        lines += ["", ("Kwaliteit van de suggesties per groep (modelkaart, versie "
                  f"{model.get('version')}):"), "", *group_table(model)]
    lines += ["", "Bekende beperkingen:", ""]
    lines += [f"- {limit}" for limit in (model or {}).get("known_limits", [])] or [
        ("- Zonder getraind model rangschikt werkkans op tekstovereenkomst; er is dan geen kans "
        "om te tonen.")
    ]
    lines += ["", f"Andere risico's die de gemeente ziet: {TO_FILL}", "",
              "## 5. Menselijk toezicht (e)", ""]
    lines += [
        (f"- vastgezet: {oversight.get('pins', '—')} keer, uitgesloten: "
        f"{oversight.get('exclusions', '—')} keer (met reden, per lijst bijgehouden)"),
        (f"- tafelgesprekken na een getoonde lijst: {oversight.get('meetings_after_lists', '—')}, "
        f"waarvan uit de bovenste {oversight.get('top', 10)}: "
        f"{_share(oversight.get('followed_share'))} (bijna altijd kan betekenen dat voorstellen "
        "zonder eigen oordeel worden gevolgd)"),
        ("- elke getoonde lijst en elk plan staat in het auditlog; een kandidaat kan inzage "
        "krijgen in wat werkkans over hem weet en voorstelt"),
        "- evenwichtige zichtbaarheid van groepen: "
        + ("aan, binnen " + "-".join(str(b) for b in facts["fair_exposure"])
           if facts["fair_exposure"] else "uit (een beleidskeuze van de gemeente)"),
        f"- opleiding en instructie van relatiemanagers: {TO_FILL}",
        "",
        "## 6. Maatregelen als risico's zich voordoen (f)",
        "",
        ("Wat werkkans biedt: grenzen voor de zichtbaarheid van groepen instellen "
        "(WERKKANS_FAIR_EXPOSURE), een model terugzetten naar een eerdere versie, kandidaten "
        "vastzetten of uitsluiten met reden, een kandidaat wissen, het rapport met waarschuwingen "
        "per groep."),
        "",
        f"Afspraken van de gemeente (wie grijpt in, wanneer, klachtenregeling): {TO_FILL}",
        "",
        "## 7. Grondrechten (IAMA deel 4)",
        "",
        f"- Gelijke behandeling en non-discriminatie (art. 1 Grondwet, art. 21 Handvest): {TO_FILL}",
        f"- Bescherming van persoonsgegevens (art. 10 Grondwet, AVG): {TO_FILL}",
        f"- Recht op werk en vrije beroepskeuze (art. 19 Grondwet, art. 15 Handvest): {TO_FILL}",
        f"- Recht op behoorlijk bestuur en uitleg (art. 41 Handvest, AI-verordening art. 86): {TO_FILL}",
        "",
    ]
    return "\n".join(lines)
