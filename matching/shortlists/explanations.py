"""Plain-language Dutch reasons for a match, built from the factors that drove it.

Example: ``"schrijft: „Ik zou graag in de zorg werken.”; 6 km fietsen; 24 uur beschikbaar"``.
The candidate's own sentence about the work (:mod:`matching.shortlists.quotes`)
leads, exactly as written.
When the ranker's per-feature contributions are given, the factors that
pushed the chance up come first and a factor that pulled it down clearly is
named as a point of attention ("let op: ...").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from matching.records.enums import (
    ContractForm,
    Demand,
    LanguageLevel,
    Mobility,
    SbiSection,
    dutch_label,
)
from matching.records.schemas import Candidate, Employer, WorkNeed
from matching.shortlists.features import FIELD_FEATURES
from matching.shortlists.occupations import load_occupations
from matching.shortlists.quotes import Quote

#: Sector words a candidate may use in their wishes, per SBI section.
SECTOR_WORDS: dict[SbiSection, tuple[str, ...]] = {
    SbiSection.Q: ("zorg", "welzijn", "verzorg"),
    SbiSection.I: ("horeca", "keuken", "restaurant", "koken"),
    SbiSection.F: ("bouw", "bouwplaats"),
    SbiSection.C: ("productie", "fabriek", "industrie"),
    SbiSection.G: ("winkel", "handel", "verkoop"),
    SbiSection.H: ("logistiek", "magazijn", "vervoer", "chauffeur"),
    SbiSection.N: ("schoonmaak", "groen", "beveiliging"),
    SbiSection.A: ("tuinbouw", "landbouw", "kas"),
    SbiSection.P: ("onderwijs", "school"),
    SbiSection.S: ("kapper", "dienstverlening"),
}
SECTOR_NAMES: dict[SbiSection, str] = {
    SbiSection.Q: "de zorg",
    SbiSection.I: "de horeca",
    SbiSection.F: "de bouw",
    SbiSection.C: "de productie",
    SbiSection.G: "de winkel of handel",
    SbiSection.H: "de logistiek",
    SbiSection.N: "de zakelijke dienstverlening",
    SbiSection.A: "de land- en tuinbouw",
    SbiSection.P: "het onderwijs",
    SbiSection.S: "de dienstverlening",
}
_TRAVEL_VERB: dict[Mobility, str] = {
    Mobility.WALK: "lopen",
    Mobility.BIKE: "fietsen",
    Mobility.EBIKE: "met de e-bike",
    Mobility.MOPED: "met de scooter",
    Mobility.PUBLIC_TRANSPORT: "met het ov",
    Mobility.CAR: "met de auto",
}
MAX_PHRASES = 4
#: Occupational fit (:mod:`matching.shortlists.occupation_fields`) above which wishes count as near the work.
FIELD_NEAR = 0.5
#: The phrase naming a candidate's limits (health information) is carried by this feature.
LIMITS_PHRASE = "limits_adaptable_clash"


def _wish_phrase(candidate: Candidate, need: WorkNeed, employer: Employer, level: float) -> str | None:
    """What the candidate's wishes have to do with the work, claiming only what they chose."""
    occupations = load_occupations()
    wanted = [occupations[u] for u in candidate.desired_occupations if u in occupations]
    if need.esco_uri in candidate.desired_occupations and need.esco_uri in occupations:
        return f"wil graag als {occupations[need.esco_uri].label} werken"
    if level >= 4 and need.esco_uri in occupations:
        group = occupations[need.esco_uri].isco_group
        close = [o for o in wanted if o.isco_group == group]
        if close:
            return f"gekozen beroep ({close[0].label}) ligt dicht bij dit werk"
    wishes = candidate.wishes.lower()
    section = SbiSection(employer.sbi_section)
    if any(word in wishes for word in SECTOR_WORDS.get(section, ())):
        return f"wil graag in {SECTOR_NAMES[section]} werken"
    if level >= 2:
        return "wensen liggen dicht bij dit werk"
    return None


def work_facts(need: WorkNeed, employer: Employer, features: Mapping[str, float]) -> dict[str, str]:
    """Phrases about the work and the employer, the same for every candidate of a work need:
    a shortlist for a work need says them once, in a line above the list."""
    facts: dict[str, str] = {}
    if need.contract_form is not ContractForm.REGULAR:
        facts["contract_form"] = f"als {dutch_label(ContractForm(need.contract_form))}"
    if employer.coaching_capacity > 0:
        facts["employer_coaching_capacity"] = "werkgever biedt begeleiding op de werkvloer"
    elif employer.openness >= 4:
        facts["employer_openness"] = "werkgever staat open voor mensen met afstand"
    if features.get("employer_meetings", 0.0) >= 5 and features.get("employer_good_rate", 0.0) >= 0.15:
        facts["employer_good_rate"] = "werkgever plaatste eerder kandidaten via werkkans"
    return facts


def quoted(quote: Quote) -> str:
    """The quote as it reads in a reason: the candidate's sentence in Dutch quotation marks."""
    return f"schrijft: „{quote.text}”"


def _phrases(
    candidate: Candidate,
    need: WorkNeed,
    employer: Employer,
    features: Mapping[str, float],
    quote: Quote | None,
    with_work_facts: bool,
) -> dict[str, str]:
    """Candidate phrases keyed by the feature that carries them."""
    phrases: dict[str, str] = {}
    if quote is not None:
        phrases["quote"] = quoted(quote)
    wish = _wish_phrase(candidate, need, employer, features.get("occupation_level", 0.0))
    if wish and not (quote is not None and wish.startswith("wil graag in ")):  # the quote says it
        phrases["occupation_level"] = wish
    elif quote is None and features.get("fit_best", 0.0) >= FIELD_NEAR:
        phrases["fit_best"] = "wensen liggen dicht bij dit werk"
    km = features.get("travel_km", math.nan)
    if math.isnan(km):
        phrases["travel_km"] = "reisafstand onbekend"
    else:
        phrases["travel_km"] = f"{max(1, round(km))} km {_TRAVEL_VERB[Mobility(candidate.mobility)]}"
    hours = min(candidate.hours_max, need.hours_max)
    phrases["hours_overlap_share"] = f"{hours} uur beschikbaar"
    clash = set(candidate.limits) & set(need.adaptable)
    if clash:
        labels = ", ".join(sorted(dutch_label(Demand(d)) for d in clash))
        phrases[LIMITS_PHRASE] = f"werk aan te passen ({labels})"
    if with_work_facts:
        phrases.update(work_facts(need, employer, features))
    if candidate.prior_paid_work:
        phrases["prior_paid_work"] = "heeft eerder betaald gewerkt"
    return phrases


def _warnings(candidate: Candidate, need: WorkNeed, features: Mapping[str, float]) -> dict[str, str]:
    warnings: dict[str, str] = {}
    if (
        need.min_language_level is not None
        and LanguageLevel(candidate.language_level).rank
        < LanguageLevel(need.min_language_level).rank
    ):
        warnings["language_gap"] = (
            f"let op: taalniveau {candidate.language_level.value} "
            f"(gevraagd {need.min_language_level.value})"
        )
    if features.get("travel_share_of_reach", 0.0) > 0.8:
        warnings["travel_share_of_reach"] = "let op: reistijd aan de lange kant"
    return warnings


def explain(
    candidate: Candidate,
    need: WorkNeed,
    employer: Employer,
    features: Mapping[str, float],
    contributions: Mapping[str, float] | None = None,
    *,
    include_limits: bool = True,
    quote: Quote | None = None,
    with_work_facts: bool = True,
) -> str:
    """One short Dutch reason for a (candidate, work need) pair.

    Parameters
    ----------
    features
        The pair's feature values (see :data:`matching.shortlists.features.FEATURE_NAMES`).
    contributions
        Per-feature contributions to the ranker's score; without them the
        factors are named in a fixed order (wish, travel, hours, support).
    include_limits
        Name the candidate's limits the work can be adapted to ("werk aan te
        passen (zwaar tillen)"). That is health information: reasons shown to
        employers, or to roles that may not see health data, leave it out.
    quote
        The candidate's own sentence about the work (:func:`~matching.shortlists.quotes.quote_for`);
        it leads the reason, exactly as written.
    with_work_facts
        Name facts of the work and employer (:func:`work_facts`). A list for one
        work need says those once above the list instead.
    """
    phrases = _phrases(candidate, need, employer, features, quote, with_work_facts)
    if not include_limits:
        phrases.pop(LIMITS_PHRASE, None)
    warnings = _warnings(candidate, need, features)
    keys = [k for k in phrases if k != "quote"]
    if contributions:
        # the feature carrying a phrase may be a sibling of the one the model leaned on
        weight = {
            "occupation_level": contributions.get("occupation_level", 0.0)
            + contributions.get("sim_dense", 0.0)
            + sum(contributions.get(name, 0.0) for name in FIELD_FEATURES),
            "travel_km": contributions.get("travel_km", 0.0)
            + contributions.get("travel_share_of_reach", 0.0)
            + contributions.get("travel_minutes", 0.0),
        }
        keys.sort(key=lambda k: -weight.get(k, contributions.get(k, 0.0)))
        warnings = {
            k: v for k, v in warnings.items() if contributions.get(k, 0.0) < 0 or k == "language_gap"
        }
    if "quote" in phrases:  # the person's own words lead
        keys.insert(0, "quote")
    chosen = [phrases[k] for k in keys[:MAX_PHRASES]]
    chosen.extend(warnings.values())
    return "; ".join(chosen)
