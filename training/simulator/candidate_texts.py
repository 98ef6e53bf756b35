"""Candidate soft data in Dutch: wishes, motivation, interests, strengths, help needed.

The texts reveal the hidden family only noisily: a wish may name a desired occupation
(preferred or alternative ESCO label), a field of work, or nothing at all; hobbies and
strengths sometimes point at the true family, sometimes at the second one. Motivation
shows through a noisy reading of the latent trait (enthusiastic, hesitant or doubtful
phrasing) and through how complete the profile is.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

from matching.records.enums import LanguageLevel, Mobility
from training.simulator.families import FAMILY_CODES, N_FAMILIES
from training.simulator.occupations import OccupationCatalogue
from training.simulator.population import MOBILITIES, SimulatedCandidates
from training.simulator.randomness import TextRandom
from training.simulator.vocabulary_candidate import (
    HELP_FRAMES,
    HELP_LANGUAGE,
    HELP_LIMITS,
    HELP_NONE,
    HELP_PRACTICAL,
    HOBBIES_GENERAL,
    INTEREST_EXTRA,
    INTEREST_FRAMES,
    MOTIVATION_HIGH,
    MOTIVATION_LOW,
    MOTIVATION_MID,
    MOTIVATION_PAST,
    MOTIVATION_REASON,
    MOTIVATION_REASON_FRAME,
    QUALITIES,
    STRENGTH_EXAMPLES,
    STRENGTH_FRAMES,
    WISH_AMBITION,
    WISH_CONDITION,
    WISH_OCCUPATION,
    WISH_SECTOR,
    WISH_TWO_OCCUPATIONS,
    WISH_VAGUE,
)
from training.simulator.vocabulary_families import FAMILY_WORDS

DESIRED_SHARE = 0.55  # candidates with ESCO occupations in their profile
MOTIVATION_READING_SD = 0.7  # noise of the text's reading of latent motivation
#: How often each kind of family hint comes from the candidate's own family and from their
#: second one (the rest: a random family for desired occupations and fields of work, a
#: hobby or strength that hints at no family). Read by the benchmark's exact reader too.
DESIRED_FROM = (0.7, 0.2)
SECTOR_FROM_OWN = 0.75
SECTOR_SECOND_OTHERWISE = 0.6  # when the field of work is not the own family's
HOBBY_FROM = (0.5, 0.15)
SKILL_FROM = (0.4, 0.1)
_NORMAL = NormalDist()
_MOTORISED = (Mobility.CAR, Mobility.MOPED)


@dataclass(frozen=True)
class CandidateText:
    wishes: str
    motivation: str
    interests: str
    strengths: str
    help_needed: str
    desired: tuple[int, ...]  # occupation indices in the catalogue
    revealed_family: int  # family the wishes point at; -1 when vague
    motivation_tier: int  # -1 doubtful, 0 hesitant, 1 enthusiastic (as the text reads)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def occupation_text(label: str) -> str:
    """A label as people write it ("medewerker groenvoorziening", not both genders)."""
    if "/" in label and len(label) > 25:
        return label.split("/")[0].strip()
    return label


def _family_for_draw(tr: TextRandom, own: int, second: int) -> int:
    u = tr.random()
    if u < DESIRED_FROM[0]:
        return own
    if u < DESIRED_FROM[0] + DESIRED_FROM[1]:
        return second
    return tr.randint(0, N_FAMILIES - 1)


def _wishes(
    tr: TextRandom, catalogue: OccupationCatalogue, desired: tuple[int, ...], own: int, second: int
) -> tuple[str, int]:
    parts: list[str] = []
    revealed = -1
    u = tr.random()
    if desired and u < 0.65:
        occ = catalogue.occupations[desired[0]]
        name = occ.label
        if occ.alt_labels and tr.chance(0.35):
            name = tr.choice(occ.alt_labels)
        name = occupation_text(name)
        if len(desired) > 1 and tr.chance(0.5):
            other = occupation_text(catalogue.occupations[desired[1]].label)
            parts.append(tr.choice(WISH_TWO_OCCUPATIONS).format(occ=name, occ2=other))
        else:
            parts.append(tr.choice(WISH_OCCUPATION).format(occ=name))
        revealed = occ.family
    elif u < (0.85 if desired else 0.62):
        if tr.chance(SECTOR_FROM_OWN):
            fam = own
        else:
            fam = second if tr.chance(SECTOR_SECOND_OTHERWISE) else tr.randint(0, N_FAMILIES - 1)
        sector = tr.choice(FAMILY_WORDS[FAMILY_CODES[fam]].sector)
        parts.append(tr.choice(WISH_SECTOR).format(sector=sector))
        revealed = fam
    else:
        parts.append(tr.choice(WISH_VAGUE))
    for _ in range(tr.randint(0, 2)):
        condition = tr.choice(WISH_CONDITION)
        if condition not in parts:
            parts.append(condition)
    if tr.chance(0.3):
        parts.append(tr.choice(WISH_AMBITION))
    if len(parts) > 2 and tr.chance(0.3):
        parts[0], parts[1] = parts[1], parts[0]
    return " ".join(parts), revealed


def _motivation(tr: TextRandom, tier: int) -> str:
    parts: list[str] = []
    if tr.chance(0.8):
        reasons = tr.sample(MOTIVATION_REASON, 2)
        reason = reasons[0] if tr.chance(0.6) else f"{reasons[0]} en {reasons[1]}"
        parts.append(tr.choice(MOTIVATION_REASON_FRAME).format(r=reason))
    pool = {1: MOTIVATION_HIGH, 0: MOTIVATION_MID, -1: MOTIVATION_LOW}[tier]
    parts.extend(tr.sample(pool, 1 + int(tr.chance(0.35))))
    if tr.chance(0.4):
        parts.insert(0 if tr.chance(0.5) else len(parts), tr.choice(MOTIVATION_PAST))
    return " ".join(cap(p) for p in parts)


def _interests(tr: TextRandom, own: int, second: int) -> str:
    hobbies = tr.sample(HOBBIES_GENERAL, 2)
    u = tr.random()
    if u < HOBBY_FROM[0]:
        hobbies[0] = tr.choice(FAMILY_WORDS[FAMILY_CODES[own]].hobbies)
    elif u < HOBBY_FROM[0] + HOBBY_FROM[1]:
        hobbies[0] = tr.choice(FAMILY_WORDS[FAMILY_CODES[second]].hobbies)
    if tr.chance(0.5):
        hobbies.reverse()
    text = cap(tr.choice(INTEREST_FRAMES).format(a=hobbies[0], b=hobbies[1]))
    if tr.chance(0.25):
        text += " " + tr.choice(INTEREST_EXTRA)
    return text


def _strengths(tr: TextRandom, own: int, second: int) -> str:
    a, b = tr.sample(QUALITIES, 2)
    parts = [cap(tr.choice(STRENGTH_FRAMES).format(a=a, b=b))]
    u = tr.random()
    if u < SKILL_FROM[0]:
        parts.append(cap(tr.choice(FAMILY_WORDS[FAMILY_CODES[own]].skills)) + ".")
    elif u < SKILL_FROM[0] + SKILL_FROM[1]:
        parts.append(cap(tr.choice(FAMILY_WORDS[FAMILY_CODES[second]].skills)) + ".")
    if tr.chance(0.35):
        parts.append(tr.choice(STRENGTH_EXAMPLES))
    if len(parts) > 1 and tr.chance(0.3):
        parts.reverse()
    return " ".join(parts)


def _help(tr: TextRandom, weak_dutch: bool, has_limits: bool, no_car: bool) -> str:
    items: list[str] = []
    if weak_dutch and tr.chance(0.7):
        items.append(tr.choice(HELP_LANGUAGE))
    if has_limits and tr.chance(0.6):
        items.append(tr.choice(HELP_LIMITS))
    if tr.chance(0.5):
        practical = tr.choice(HELP_PRACTICAL)
        if no_car and tr.chance(0.3):
            practical = HELP_PRACTICAL[1]
        items.append(practical)
    if not items:
        items.append(tr.choice(HELP_NONE))
    frame = tr.choice(HELP_FRAMES)
    text = " ".join(items)
    if not frame.startswith("{"):
        text = text[:1].lower() + text[1:]
    return frame.format(h=text)


def compose_candidate_texts(
    tr: TextRandom, candidates: SimulatedCandidates, catalogue: OccupationCatalogue
) -> list[CandidateText]:
    """Texts and desired occupations of every candidate, in index order."""
    out: list[CandidateText] = []
    for i in range(candidates.n):
        own, second = int(candidates.family[i]), int(candidates.second_family[i])
        desired: list[int] = []
        if tr.chance(DESIRED_SHARE):
            for _ in range(tr.weighted((1, 2, 3), (0.5, 0.35, 0.15))):
                fam = _family_for_draw(tr, own, second)
                occ = catalogue.pick(fam, tr.random())
                k = catalogue.index_of(occ.uri)
                if k not in desired:
                    desired.append(k)
        reading = float(candidates.motivation[i]) + MOTIVATION_READING_SD * _NORMAL.inv_cdf(
            min(max(tr.random(), 1e-9), 1 - 1e-9)
        )
        tier = 1 if reading > 0.6 else (-1 if reading < -0.6 else 0)
        wishes, revealed = _wishes(tr, catalogue, tuple(desired), own, second)
        motivation = _motivation(tr, tier)
        interests = _interests(tr, own, second)
        strengths = _strengths(tr, own, second)
        weak_dutch = int(candidates.language[i]) <= LanguageLevel.A2.rank
        has_limits = bool(candidates.limits_mask[i]) or bool(candidates.banenafspraak[i])
        no_car = MOBILITIES[int(candidates.mobility[i])] not in _MOTORISED
        help_needed = _help(tr, weak_dutch, has_limits, no_car)
        # incomplete profiles: more gaps when the candidate comes across as doubtful
        gap = 1.5 if tier < 0 else (0.6 if tier > 0 else 1.0)
        if tr.chance(0.06 * gap):
            wishes = ""
        if tr.chance(0.08 * gap):
            motivation = ""
        if tr.chance(0.22 * gap):
            interests = ""
        if tr.chance(0.15 * gap):
            strengths = ""
        if tr.chance(0.20 * gap):
            help_needed = ""
        out.append(
            CandidateText(
                wishes=wishes,
                motivation=motivation,
                interests=interests,
                strengths=strengths,
                help_needed=help_needed,
                desired=tuple(desired),
                revealed_family=revealed if wishes else -1,
                motivation_tier=tier,
            )
        )
    return out
