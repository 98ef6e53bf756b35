"""Employer names and work-need texts (title, description, requirements) in Dutch.

A work need is written around its (hidden, true) ESCO occupation: the title uses the
preferred or an alternative label, or describes latent work ("Extra handen voor het
magazijn"); the description mixes employer-flavoured openers, tasks of the family,
sometimes the first sentence of the ESCO description, team and support sentences,
hours and the contract form; requirements follow from demands, language and skill.
"""

from __future__ import annotations

from dataclasses import dataclass

from matching.records.enums import (
    ContractForm,
    Demand,
    LanguageLevel,
    SbiSection,
    SizeClass,
    dutch_label,
)
from training.simulator.candidate_texts import cap, occupation_text
from training.simulator.families import FAMILY_CODES
from training.simulator.occupations import SimOccupation
from training.simulator.randomness import TextRandom
from training.simulator.vocabulary_families import FAMILY_WORDS
from training.simulator.vocabulary_work import (
    ADAPTABLE_FRAMES,
    BUSINESS_KINDS,
    CONTRACT_SENTENCES,
    DEMAND_SENTENCES,
    ESCO_FRAMES,
    EXPERIENCE_SENTENCES,
    EXTRA_REQUIREMENTS,
    FANCY_NAMES,
    HOURS_FRAMES,
    JOB_COACH_SENTENCES,
    LANGUAGE_SENTENCES,
    NAME_PATTERNS,
    OPENERS_LABEL,
    OPENERS_LATENT,
    PLACE_WORDS,
    SCHEDULE_DAY,
    SCHEDULE_SHIFT,
    SIZE_WORDS,
    SURNAMES,
    TASK_FRAMES,
    TEAM_SENTENCES,
    TITLE_BY_CONTRACT,
    TITLE_PATTERNS,
)


@dataclass(frozen=True)
class WorkText:
    title: str
    description: str
    requirements: str


def employer_name(
    tr: TextRandom, sector: SbiSection, town: str, taken: set[str]
) -> tuple[str, str]:
    """A Dutch business name and its kind ("Bouwbedrijf"), unique within ``taken``."""
    kind = tr.choice(BUSINESS_KINDS[sector])
    for attempt in range(6):
        name = tr.choice(NAME_PATTERNS).format(
            kind=kind,
            surname=tr.choice(SURNAMES),
            place=tr.choice(PLACE_WORDS),
            fancy=tr.choice(FANCY_NAMES),
        )
        if attempt >= 3:
            name = f"{name} {town}"
        if name not in taken:
            break
    suffix = 2
    base = name
    while name in taken:
        name = f"{base} {suffix}"
        suffix += 1
    taken.add(name)
    return name, kind


def _first_sentence(description: str) -> str:
    text = description.strip()
    end = text.find(". ")
    sentence = text if end < 0 else text[: end + 1]
    return sentence if len(sentence) <= 400 else sentence[:397].rsplit(" ", 1)[0] + "..."


def _place_noun(place: str) -> str:
    for article in ("het ", "de "):
        if place.startswith(article):
            return place[len(article):]
    return place


def _language_key(rank: int) -> str:
    if rank < 0:
        return "none"
    if rank <= LanguageLevel.A2.rank:
        return "basic"
    if rank == LanguageLevel.B1.rank:
        return "b1"
    return "b2"


def compose_work_text(
    tr: TextRandom,
    *,
    occupation: SimOccupation,
    family: int,
    employer: str,
    kind: str,
    town: str,
    size: SizeClass,
    contract: ContractForm,
    hours: tuple[int, int],
    demands: list[Demand],
    adaptable: list[Demand],
    language_rank: int,
    job_coach: bool,
) -> WorkText:
    """Title, description and requirements of one work need."""
    words = FAMILY_WORDS[FAMILY_CODES[family]]
    label = occupation.label
    if occupation.alt_labels and tr.chance(0.3):
        label = tr.choice(occupation.alt_labels)
    label = occupation_text(label)
    place = tr.choice(words.places)
    values = {
        "label": label,
        "Label": cap(label),
        "place": place,
        "place_noun": _place_noun(place),
        "emp": employer,
        "town": town,
        "kind_low": kind.lower(),
        "size": tr.choice(SIZE_WORDS[size.value]),
        "latent": tr.choice(words.latent),
        "hmin": hours[0],
        "hmax": hours[1],
    }
    if contract is not ContractForm.REGULAR and tr.chance(0.5):
        title = tr.choice(TITLE_BY_CONTRACT[contract]).format(**values)
    else:
        title = tr.choice(TITLE_PATTERNS).format(**values)
    title = cap(title)[:200]

    parts: list[str] = []
    latent_style = tr.chance(0.55)
    opener = tr.choice(OPENERS_LATENT if latent_style else OPENERS_LABEL).format(**values)
    parts.append(cap(opener))
    tasks = tr.sample(words.tasks, 3)
    while len(tasks) < 3:
        tasks.append(tasks[-1])
    parts.append(tr.choice(TASK_FRAMES).format(t1=tasks[0], t2=tasks[1], t3=tasks[2]))
    if tr.chance(0.45 if latent_style else 0.7):
        sentence = _first_sentence(occupation.description)
        if sentence:
            parts.append(tr.choice(ESCO_FRAMES).format(sentence=sentence))
    parts.extend(tr.sample(TEAM_SENTENCES, tr.randint(0, 2)))
    if job_coach and tr.chance(0.6):
        parts.append(tr.choice(JOB_COACH_SENTENCES))
    if tr.chance(0.8):
        hours_text = tr.choice(HOURS_FRAMES).format(**values)
        if hours[0] == hours[1]:
            hours_text = f"Het gaat om {hours[1]} uur per week."
        parts.append(hours_text)
    if Demand.NIGHT_SHIFTS in demands and tr.chance(0.7):
        parts.append(tr.choice(SCHEDULE_SHIFT))
    elif tr.chance(0.35):
        parts.append(tr.choice(SCHEDULE_DAY))
    if tr.chance(0.75):
        parts.append(tr.choice(CONTRACT_SENTENCES[contract]))
    description = " ".join(parts)

    reqs: list[str] = []
    for demand in demands:
        if tr.chance(0.8):
            reqs.append(tr.choice(DEMAND_SENTENCES[demand]))
    for demand in adaptable:
        if tr.chance(0.7):
            name = dutch_label(demand)
            reqs.append(tr.choice(ADAPTABLE_FRAMES).format(demand=name, Demand=cap(name)))
    if tr.chance(0.85):
        reqs.append(tr.choice(LANGUAGE_SENTENCES[_language_key(language_rank)]))
    reqs.append(tr.choice(EXPERIENCE_SENTENCES[occupation.skill]))
    extra = EXTRA_REQUIREMENTS.get(FAMILY_CODES[family])
    if extra and tr.chance(0.6):
        reqs.append(tr.choice(extra))
    if len(reqs) > 2 and tr.chance(0.5):
        head, rest = reqs[:1], reqs[1:]
        reqs = head + tr.shuffled(rest)
    requirements = " ".join(reqs)
    return WorkText(title=title, description=description[:4000], requirements=requirements[:4000])
