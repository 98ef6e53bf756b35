"""A model card and an algorithm-register entry for every trained ranker.

Employment matching is high-risk AI (EU AI Act, annex III 4(a)): whoever
deploys it must be able to say what a model was trained on, what it is for
and not for, how well it does overall and per group, and what is known to be
wrong with it. :func:`model_card` gathers those facts from a training run,
:func:`card_markdown` writes them for people (Dutch), and
:func:`register_entry` fills the fields of the Dutch *Algoritmeregister*
from the card and the deployment's settings, leaving what werkkans cannot
know as marked blanks. :func:`training.run_logging.log_training` attaches all
four files to the run of every registered version; promotion refuses a
version without them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from matching.records.enums import dutch_date

if TYPE_CHECKING:
    from training.train import TrainResult

__all__ = [
    "TO_FILL",
    "card_markdown",
    "group_table",
    "model_card",
    "register_entry",
    "register_markdown",
]

#: What a municipality fills in itself in the register entry.
TO_FILL = "[in te vullen door de gemeente]"

INTENDED_USE = (
    "Relatiemanagers en organisatoren van prettige gesprekken helpen kiezen welke werkzoekenden "
    "en werkgevers elkaar kunnen ontmoeten: een gerangschikte lijst met een kans en een reden per "
    "combinatie, als voorstel."
)
NOT_FOR = (
    "Niet voor het automatisch afwijzen of uitsluiten van mensen, niet voor beslissingen over "
    "uitkeringen, verplichtingen of sancties, en niet zonder menselijke beoordeling: een "
    "relatiemanager beslist, en kan iedere suggestie vastzetten of uitsluiten met een reden."
)
KNOWN_LIMITS = (
    ("Het model leert alleen van gesprekken die relatiemanagers zelf kozen; wie zij zelden "
    "uitnodigden, kent het slecht (verkenningsplaatsen verminderen dat)."),
    ("De getoonde kans is gekalibreerd op eerdere gesprekken, die relatiemanagers kozen op wat "
    "niet in de gegevens staat. Bij combinaties die het model zelf kiest valt hij daardoor hoger "
    "uit dan de werkelijkheid, het sterkst op een uitnodigingslijst (in gesimuleerde gemeenten "
    "1,4 tot 1,6 keer, vooral bij werkgevers met meerdere werkvragen: van hun werkvragen kiest "
    "de planning de best beoordeelde, en die schatting valt vaker te hoog uit; bij de beste "
    "tien van een shortlist 0,97 tot 1,13 keer)."),
    ("Beroepsaffiniteit wordt uit Nederlandse vrije tekst gelezen; korte of lege profielen "
    "krijgen minder gerichte suggesties."),
    ("Met minder dan 50 goede uitkomsten in de geschiedenis toont werkkans een band "
    "(laag / middel / hoog) in plaats van een percentage."),
)
_GROUP = re.compile(r"^(?P<metric>[^\[]+)\[(?P<group>[^\]]+)\]$")


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _groups(flat: Mapping[str, float]) -> dict[str, dict[str, float | None]]:
    """``{"ndcg@10[age_band=55-67]": x}`` as ``{"age_band=55-67": {"ndcg@10": x}}``."""
    out: dict[str, dict[str, float | None]] = {}
    for key, value in flat.items():
        found = _GROUP.match(key)
        if found:
            out.setdefault(found["group"], {})[found["metric"]] = _finite(value)
    return dict(sorted(out.items()))


def model_card(
    result: TrainResult,
    *,
    version: str | None = None,
    municipality: str | None = None,
    created: dt.datetime | None = None,
) -> dict[str, Any]:
    """The facts of one training run as JSON-able values (see the module docstring)."""
    meta = result.bundle.metadata
    calibration = meta.get("calibration", {})
    summary = result.dataset_summary
    return {
        "model": "werkkans pair ranker",
        "version": version,
        "created": (created or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "training_data": {
            "municipalities": municipality,  # None: every municipality in the database
            "fit_period": [str(d) for d in result.periods["fit"]],
            "test_period": [str(d) for d in result.periods["test"]],
            "meetings": summary.get("pairs"),
            "events": summary.get("groups"),
            "months": summary.get("months"),
            "good_outcome_rate": _finite(summary.get("good_rate")),
            "rows": meta.get("rows"),
            # the model served, fitted again on every month after its test (None: not refitted)
            "served_period": meta.get("periods", {}).get("served"),
        },
        "intended_use": INTENDED_USE,
        "not_for": NOT_FOR,
        "features": list(result.bundle.feature_names),
        "protected_attributes_used": [],
        "metrics": {
            name: {k: _finite(v) for k, v in values.items()} for name, values in result.metrics.items()
        },
        "metrics_per_group": _groups(result.group_metrics),
        "calibration": {k: _finite(v) if k != "thin" and k != "method" else v
                        for k, v in calibration.items()},
        "known_limits": list(KNOWN_LIMITS),
    }


#: What the calibration adjusts the chance by (TrainConfig.calibrate_by), in staff's words.
_COVARIATES_NL = {
    "rung": "trede op de participatieladder",
    "log_benefit_months": "duur van de uitkering",
}
_MODELS_NL = {
    "ranker": "dit model",
    "lambdamart": "LambdaMART (eerder model)",
    "logistic": "logistische regressie",
    "similarity": "alleen tekstovereenkomst",
}
_GROUP_NL = {
    "age_band": "leeftijd",
    "benefit_duration_band": "uitkeringsduur",
    "gender": "geslacht",
    "statushouder": "statushouder",
    "banenafspraak": "banenafspraak",
    "young_under_27": "jonger dan 27",
}
_BANDS_NL = {"<6m": "korter dan 6 maanden", "6-12m": "6-12 maanden", "1-3y": "1-3 jaar",
             "3-5y": "3-5 jaar", "5-10y": "5-10 jaar", "10y+": "10 jaar of langer",
             "m": "man", "v": "vrouw", "x": "anders"}


def _group_nl(key: str) -> str:
    """``age_band=55-67`` as "leeftijd 55-67"."""
    name, _, value = key.partition("=")
    label = _GROUP_NL.get(name, name.replace("_", " "))
    return f"{label} {_BANDS_NL.get(value, value)}".strip()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _primary(card: Mapping[str, Any]) -> str:
    primary = [m for m in card["metrics"].get("ranker", {}) if m.startswith("ndcg@")]
    return primary[0] if primary else "ndcg@10"


def group_table(card: Mapping[str, Any]) -> list[str]:
    """The card's quality per evaluation group, as a Dutch markdown table."""
    metric = _primary(card)
    lines = [f"| groep | {metric} | ECE | gesprekken |", "|---|---:|---:|---:|"]
    for group, values in card["metrics_per_group"].items():
        lines.append(f"| {_group_nl(group)} | {_num(values.get(metric))} | {_num(values.get('ece'))} | "
                     f"{'—' if values.get('n_rows') is None else int(values['n_rows'])} |")
    return lines


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card for people, in Dutch."""
    data = card["training_data"]
    metric = _primary(card)
    lines = [
        f"# Modelkaart: {card['model']}" + (f", versie {card['version']}" if card["version"] else ""),
        "",
        f"Gemaakt op {dutch_date(card['created'])}.",
        "",
        "## Waarvoor",
        "",
        card["intended_use"],
        "",
        "## Waarvoor niet",
        "",
        card["not_for"],
        "",
        "## Trainingsgegevens",
        "",
        f"- gemeenten: {data['municipalities'] or 'alle gemeenten in de database'}",
        (f"- geleerd van bijeenkomsten van {dutch_date(data['fit_period'][0])} tot en met "
         f"{dutch_date(data['fit_period'][1])}; getoetst op {dutch_date(data['test_period'][0])} tot en met "
         f"{dutch_date(data['test_period'][1])}"),
        *(
            [(f"- het model in gebruik is daarna opnieuw geleerd van alle bijeenkomsten van "
             f"{dutch_date(data['served_period'][0])} tot en met {dutch_date(data['served_period'][1])}, "
             "de getoetste maanden inbegrepen; de cijfers hieronder zijn die van de getoetste versie")]
            if data.get("served_period") else []
        ),
        (f"- {data['meetings']} gesprekken op {data['events']} bijeenkomsten in {data['months']} maanden; "
        f"{_pct(data['good_outcome_rate'])} leidde tot een werkervaringsplaats of baan"),
        (f"- {len(card['features'])} kenmerken van kandidaat, werk en werkgever (de lijst staat in "
        "de JSON-versie van deze kaart)"),
        "- nooit gebruikt: leeftijd, geslacht, nationaliteit, statushouder, banenafspraak, naam",
        "",
        "## Hoe goed (toetsmaanden)",
        "",
        f"| model | {metric} | Brier | ECE |",
        "|---|---:|---:|---:|",
    ]
    for name, values in card["metrics"].items():
        lines.append(f"| {_MODELS_NL.get(name, name)} | {_num(values.get(metric))} | {_num(values.get('brier'))} | "
                     f"{_num(values.get('ece'))} |")
    lines += ["", "## Per groep (toetsmaanden)", "", *group_table(card)]
    cal = card["calibration"]
    lines += [
        "",
        "## Kalibratie",
        "",
        "- methode: " + ("isotone stappen van minstens 20 goede uitkomsten, met een plafond"
                         if "isotonic steps" in str(cal.get("method")) else str(cal.get("method", "—"))),
        (f"- goede uitkomsten erachter: {int(cal.get('good_outcomes') or 0)}; basiskans "
        f"{_pct(cal.get('base_rate'))}; hoogste getoonde kans {_pct(cal.get('cap'))}"),
        "- bijgesteld naar: "
        + (", ".join(_COVARIATES_NL.get(n, "een ander kenmerk van de kandidaat") for n in cal.get("covariates") or {})
           or "niets (alleen de score)"),
        "- te weinig om een getal te tonen (band in plaats van percentage): "
        + ("ja" if cal.get("thin") else "nee"),
        "",
        "## Bekende beperkingen",
        "",
        *[f"- {limit}" for limit in card["known_limits"]],
        "",
    ]
    return "\n".join(lines)


def register_entry(
    card: Mapping[str, Any],
    *,
    organisation: str | None = None,
    contact: str | None = None,
) -> dict[str, Any]:
    """The Algoritmeregister's fields, filled from the card; the rest marked :data:`TO_FILL`."""
    data = card["training_data"]
    return {
        "name": "werkkans: matching van werkzoekenden en werkgevers",
        "organisation": organisation or TO_FILL,
        "status": "in gebruik" if card.get("version") else TO_FILL,
        "short_description": INTENDED_USE,
        "purpose_and_impact": (
            "Meer werkzoekenden in de bijstand aan een werkervaringsplaats of baan helpen door "
            "werkgevers en werkzoekenden gericht met elkaar in gesprek te brengen. Een suggestie "
            "heeft geen rechtsgevolg; een relatiemanager beslist."
        ),
        "legal_basis": TO_FILL + " (bijvoorbeeld Participatiewet art. 7; AVG art. 6 lid 1 sub e)",
        "human_intervention": NOT_FOR,
        "data_sources": (
            "Klantprofielen van werkzoekenden (opleiding, trede, uren, reisbereik, wensen en "
            "motivatie in eigen woorden), werkvragen van werkgevers, en de geschiedenis van "
            f"gesprekken en uitkomsten ({dutch_date(data['fit_period'][0])} tot en met {dutch_date(data['test_period'][1])})."
        ),
        "methods_and_models": (
            "Tekstovereenkomst (meertalig zinsmodel multilingual-e5-small), een gerangschikt "
            "leermodel (logistische regressie en kleine beslisbomen) en gekalibreerde kansen; "
            f"modelversie {card.get('version') or TO_FILL}."
        ),
        "risk_management": (
            "Beschermde kenmerken zijn geen invoer; uitkomsten worden per groep gevolgd (zie de "
            "modelkaart); elke getoonde lijst staat in een logboek; een nieuw model vervangt het "
            "oude alleen als het beter scoort op dezelfde recente maanden. Bekende beperkingen: "
            + " ".join(card["known_limits"])
        ),
        "impact_assessments": TO_FILL + " (IAMA / FRIA, DPIA)",
        "contact": contact or TO_FILL,
        "model_card_version": card.get("version"),
        "date": card["created"][:10],
    }


_REGISTER_LABELS = {
    "name": "Naam",
    "organisation": "Organisatie",
    "status": "Status",
    "short_description": "Korte omschrijving",
    "purpose_and_impact": "Doel en impact",
    "legal_basis": "Wettelijke grondslag",
    "human_intervention": "Menselijke tussenkomst",
    "data_sources": "Gegevensbronnen",
    "methods_and_models": "Methoden en modellen",
    "risk_management": "Risicobeheer",
    "impact_assessments": "Impacttoetsen",
    "contact": "Contact",
    "model_card_version": "Modelversie",
    "date": "Datum",
}


def register_markdown(entry: Mapping[str, Any]) -> str:
    """The register entry for people, in Dutch, in the register's order of fields."""
    lines = ["# Algoritmeregister: " + str(entry["name"]), ""]
    for key, label in _REGISTER_LABELS.items():
        value = entry.get(key) or TO_FILL
        lines += [f"## {label}", "", dutch_date(value) if key == "date" else str(value), ""]
    return "\n".join(lines)
