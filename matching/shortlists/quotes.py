"""The candidate's own words about the work, quoted exactly, with what the work shares marked.

A reason should say why *this* person fits *this* work, in their words, not
in ours. :func:`quote_for` picks one sentence the candidate wrote about the
work they are after or good at (wishes, interests, strengths; never the
motivation or what they need help with), exactly as it stands in their record,
and marks the words the work need (title, description, requirements and its
ESCO occupation's labels) shares with it: not a function word, nor a word most of
the municipality's work needs use. A sentence that says what they do not want
("Als het maar geen kantoorwerk is.") is never quoted as a reason.

Which sentence: among those sharing a word with the work, the one whose
sentence vector lies closest to the work need's (the same vectors the
shortlist ranked with); without vectors, the one sharing the most words.
A sentence that shares no word is quoted only when occupational fit says the
wishes lie near the work, and then only from the wishes.

Example
-------
>>> s = "Ik wil graag in de groenten en fruit werken."
>>> [s[a:b] for a, b in _marks(s, frozenset({"groente", "fruitafdeling"}))]
['groenten', 'fruit']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.records.schemas import Candidate, WorkNeed
from matching.shortlists.occupation_fields import sentences
from matching.shortlists.occupations import load_occupations

__all__ = ["QUOTED_FIELDS", "Quote", "common_words", "quote_for", "work_words"]

#: The fields in which candidates say what work they are after or good at, in order of preference.
QUOTED_FIELDS = ("wishes", "interests", "strengths")

_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
_STEM = 5  # letters compared: Dutch inflects at the end and compounds freely
#: A word in more than this share of a municipality's work needs does not mark a quote.
COMMON_SHARE = 0.15
MIN_NEEDS = 20
#: A sentence with one of these says what the candidate does *not* want: never a reason.
_NEGATIONS = frozenset({"geen", "niet", "nooit", "liever", "hekel", "zonder"})
# function words and words every job text and every wish uses, which say nothing about fit
_COMMON = frozenset({
    "aan", "alle", "allebei", "altijd", "andere", "baan", "banen", "beetje", "beter", "bezig",
    "bijvoorbeeld", "binnen", "blijven", "collega", "collega's", "collegas", "daar", "dagen",
    "dan", "dat", "denk", "denken", "deze", "die", "doen", "door", "echt", "een", "eerder",
    "eerst", "eigen", "eigenlijk", "elke", "erg", "ervaring", "ervaringen", "even", "fijn",
    "functie", "gaan", "gaat", "geen", "gewone", "gewoon", "goed", "graag", "halen", "hebben",
    "heeft", "heel", "hele", "hier", "houd", "houden", "iemand", "iets", "interesse", "jaar",
    "kan", "kijk", "kijken", "komen", "krijgen", "kunnen", "later", "lekker", "leren", "leuk",
    "liefst", "maar", "mag", "maken", "medewerker", "medewerkers", "meer", "mensen", "met", "mijn",
    "misschien", "mooi", "naar", "naast", "niet", "nodig", "nog", "ons", "onze", "ook", "over",
    "plek", "plekken", "prima", "samen", "snel", "soms", "soort", "steeds", "team", "tijdens",
    "uren", "vaak", "vanaf", "veel", "vind", "vinden", "volg", "volgen", "volgens", "vooral",
    "voorkeur", "waar", "want", "week", "weer", "wel", "welk", "werk", "werken", "werkt",
    "werkzaamheden", "weten", "wil", "willen", "zeker", "zien", "zijn", "zoek", "zoeken", "zou",
    "zouden", "zowel",
})


@dataclass(frozen=True)
class Quote:
    """A sentence the candidate wrote, exactly, and the spans the work shares.

    Attributes
    ----------
    field : str
        The record field it comes from (``wishes``, ``interests`` or ``strengths``).
    text : str
        The sentence, character for character as in the field.
    marks : tuple of (start, end)
        Character ranges within ``text`` of the words the work need shares.
    """

    field: str
    text: str
    marks: tuple[tuple[int, int], ...]


def _word(word: str) -> str | None:
    word = word.lower()
    return None if len(word) < 4 or word in _COMMON else word


def work_words(need: WorkNeed, common: frozenset[str] = frozenset()) -> frozenset[str]:
    """The words a work need is described with (lower case), its occupation's labels
    included; function words and ``common`` (:func:`common_words`) left out."""
    texts = [need.title, need.description, need.requirements]
    occupation = load_occupations().get(need.esco_uri or "")
    if occupation is not None:
        texts += [occupation.label, *occupation.alt_labels]
    words = (w for text in texts for m in _WORD.findall(text) if (w := _word(m)))
    return frozenset(w for w in words if w not in common)


def common_words(needs: Sequence[WorkNeed], share: float = COMMON_SHARE) -> frozenset[str]:
    """Words in more than ``share`` of ``needs`` ("drukte", "collega's", "ervaring"): they say
    what most work says, not what this work is. Below :data:`MIN_NEEDS` needs, none."""
    if len(needs) < MIN_NEEDS:
        return frozenset()
    counts = Counter(w for need in needs for w in work_words(need))
    return frozenset(w for w, n in counts.items() if n > share * len(needs))


def _shares(word: str, work: frozenset[str]) -> bool:
    """Whether the work uses ``word``: their first five letters meet inside each other's words,
    which catches inflection ("bedienen", "bediening") and compounds ("zorg", "ouderenzorg")."""
    mine = _word(word)
    if mine is None:
        return False
    stem = mine[:_STEM]
    return any(stem in other or other[:_STEM] in mine for other in work)


def _marks(sentence: str, work: frozenset[str]) -> tuple[tuple[int, int], ...]:
    return tuple((m.start(), m.end()) for m in _WORD.finditer(sentence) if _shares(m.group(), work))


def _written(candidate: Candidate) -> list[tuple[str, str]]:
    """(field, sentence) of every sentence in the quoted fields, each exactly as written."""
    return [(field, s) for field in QUOTED_FIELDS for s in sentences(getattr(candidate, field))]


def quote_for(
    candidate: Candidate,
    need: WorkNeed,
    *,
    closeness: Callable[[Sequence[str]], np.ndarray] | None = None,
    near: bool = False,
    work: frozenset[str] | None = None,
) -> Quote | None:
    """The sentence of ``candidate`` to quote for ``need``, or None when none speaks to it.

    Parameters
    ----------
    closeness
        Sentences -> how close each lies to the work need (cosine of sentence
        vectors); without it the sentence sharing the most words is taken.
    near
        Occupational fit says the candidate's wishes lie near the work: a
        wish may then be quoted even when it shares no word with the work.
    work
        :func:`work_words` of ``need``, when the caller has them already.
    """
    written = [(field, s) for field, s in _written(candidate)
               if not _NEGATIONS & {w.lower() for w in _WORD.findall(s)}]
    if not written:
        return None
    work = work_words(need) if work is None else work
    marks = [_marks(s, work) for _, s in written]
    eligible = [i for i, m in enumerate(marks) if m]
    if not eligible and near:
        eligible = [i for i, (field, _) in enumerate(written) if field == "wishes"]
    if not eligible:
        return None
    if closeness is not None:
        close = np.asarray(closeness([written[i][1] for i in eligible]), dtype=float)
        best = eligible[int(np.argmax(close))]
    else:
        best = max(eligible, key=lambda i: (len(marks[i]), -i))
    field, text = written[best]
    return Quote(field=field, text=text, marks=marks[best])
