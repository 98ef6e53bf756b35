"""The candidate's own words about the work, quoted exactly, with what the work shares marked.

A reason should say why *this* person fits *this* work, in their words, not
in ours. :func:`quote_for` picks one sentence the candidate wrote about the
work they are after or good at (wishes, interests, strengths; never the
motivation or what they need help with), exactly as it stands in their record,
and marks the words the work need (title, description, requirements and its
ESCO occupation's labels) shares with it.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.records.schemas import Candidate, WorkNeed
from matching.shortlists.occupation_fields import sentences
from matching.shortlists.occupations import load_occupations

__all__ = ["QUOTED_FIELDS", "Quote", "quote_for", "work_words"]

#: The fields in which candidates say what work they are after or good at, in order of preference.
QUOTED_FIELDS = ("wishes", "interests", "strengths")

_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
_STEM = 5  # letters compared: Dutch inflects at the end and compounds freely
# function words and words every job text and every wish uses, which say nothing about fit
_COMMON = frozenset({
    "aan", "alle", "allebei", "andere", "baan", "banen", "beetje", "beter", "bijvoorbeeld",
    "binnen", "collega", "collega's", "collegas", "daar", "dagen", "dan", "dat", "deze", "die",
    "doen", "door", "echt", "een", "eerst", "eigen", "elke", "erg", "ervaring", "ervaringen",
    "functie", "gaan", "gaat", "geen", "gewone", "goed", "graag", "hebben", "heeft", "heel",
    "hele", "hier", "houd", "houden", "iemand", "iets", "interesse", "jaar", "kan", "kijken",
    "komen", "kunnen", "leren", "leuk", "liefst", "maar", "mag", "medewerker", "medewerkers",
    "meer", "mensen", "met", "mijn", "misschien", "mooi", "naar", "niet", "nodig", "nog", "ons",
    "onze", "ook", "over", "plek", "plekken", "samen", "soort", "team", "uren", "veel", "vind",
    "vinden", "vooral", "voorkeur", "waar", "want", "week", "weer", "wel", "welk", "werk",
    "werken", "werkt", "werkzaamheden", "wil", "willen", "zeker", "zijn", "zoek", "zoeken", "zou",
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


def work_words(need: WorkNeed) -> frozenset[str]:
    """The words a work need is described with (lower case, common words left out), its
    occupation's labels included."""
    texts = [need.title, need.description, need.requirements]
    occupation = load_occupations().get(need.esco_uri or "")
    if occupation is not None:
        texts += [occupation.label, *occupation.alt_labels]
    return frozenset(w for text in texts for m in _WORD.findall(text) if (w := _word(m)))


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
    written = _written(candidate)
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
