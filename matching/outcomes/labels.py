"""Graded labels for ranker training, derived from recorded outcomes.

One label per pair of a candidate and an employer (with the work need and the
event when known), on a 0-4 scale of how well the contact went:

===== ==================================================================
grade meaning
===== ==================================================================
0     met (at a table, or an outcome ``none``), nothing came of it
1     follow-up conversation (``TableMeeting.follow_up`` or outcome
      ``follow_up``), or a trial placement (proefplaatsing)
2     work-experience place (WEP)
3     regular job
4     regular job, still working at the 6-month check-in
===== ==================================================================

Decisions:

* A trial placement counts as 1: a step beyond a talk, but not a good
  outcome in the domain's sense (:attr:`OutcomeKind.is_good`: a WEP or a
  regular job); a trial that does not become one is what is left when the
  match did not quite work. Grading it like a WEP ranked worse against the
  simulated truth (NDCG@10 0.309 instead of 0.321).
* Grade 4 is reserved for regular jobs. A WEP usually lasts six months by
  design, so "still there at 6 months" says little about the match.
* A job whose 6-month check-in is not in yet is graded 3; the grade can rise
  to 4 later, so retrain on recent jobs with that in mind.
* A pair's label is the best grade seen for it (a follow-up that led to a
  job is a 3, not a 1).
* Outcomes without an employer (work found elsewhere, the comparison group)
  are not pairs and give no label.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from matching.outcomes.aftercare import sustained
from matching.records.enums import OutcomeKind
from matching.records.schemas import CheckIn, Outcome, TableMeeting
from matching.records.storage import Store

__all__ = ["MAX_LABEL", "PairLabel", "graded_label", "labels_for_pairs"]

MAX_LABEL = 4
_BASE = {
    OutcomeKind.NONE: 0,
    OutcomeKind.FOLLOW_UP: 1,
    OutcomeKind.TRIAL: 1,
    OutcomeKind.WEP: 2,
    OutcomeKind.JOB: 3,
}


def graded_label(outcome_kind: OutcomeKind | str, sustained_6m: bool | None = None) -> int:
    """The 0-4 grade of one outcome (see the module docstring).

    Examples
    --------
    >>> graded_label("follow_up")
    1
    >>> graded_label("job", sustained_6m=True), graded_label("job", None)
    (4, 3)
    >>> graded_label("wep", sustained_6m=True)
    2
    """
    kind = OutcomeKind(outcome_kind)
    if kind is OutcomeKind.JOB and sustained_6m is True:
        return MAX_LABEL
    return _BASE[kind]


@dataclass(frozen=True)
class PairLabel:
    """The graded label of one (candidate, employer, event) pair."""

    candidate_id: str
    employer_id: str
    event_id: str | None  # None: contact outside an event
    work_need_id: str | None  # from the best outcome, when recorded
    label: int


def labels_for_pairs(store: Store, municipality: str | None = None) -> list[PairLabel]:
    """Graded labels for every candidate-employer pair with a meeting or an outcome.

    Pairs come from table meetings (grade 0, or 1 with a follow-up) and from
    outcomes with an employer (graded with :func:`graded_label`, sustained at
    6 months derived from the check-ins). Sorted by candidate, employer, event.
    """
    best: dict[tuple[str, str, str | None], tuple[int, str | None]] = {}

    def offer(key: tuple[str, str, str | None], label: int, work_need: str | None) -> None:
        current = best.get(key)
        if current is None:
            best[key] = (label, work_need)
            return
        current_label, current_need = current
        if label > current_label:
            best[key] = (label, work_need or current_need)
        elif current_need is None and work_need is not None:
            best[key] = (current_label, work_need)

    for meeting in store.list(TableMeeting, municipality=municipality):
        assert isinstance(meeting, TableMeeting)
        key: tuple[str, str, str | None] = (
            meeting.candidate_id, meeting.employer_id, meeting.event_id
        )
        offer(key, 1 if meeting.follow_up else 0, None)

    checkins: dict[str, list[CheckIn]] = defaultdict(list)
    for checkin in store.list(CheckIn, municipality=municipality):
        checkins[checkin.outcome_id].append(checkin)
    for outcome in store.list(Outcome, municipality=municipality):
        assert isinstance(outcome, Outcome)
        if outcome.employer_id is None:
            continue
        grade = graded_label(outcome.kind, sustained(outcome, checkins.get(outcome.id, []), 6))
        key = (outcome.candidate_id, outcome.employer_id, outcome.event_id)
        offer(key, grade, outcome.work_need_id)

    ordered = sorted(best.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))
    return [
        PairLabel(candidate_id=c, employer_id=e, event_id=ev, work_need_id=need, label=label)
        for (c, e, ev), (label, need) in ordered
    ]
