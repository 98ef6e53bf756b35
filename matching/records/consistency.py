"""Whether an imported history hangs together, beyond each cell and reference.

:func:`matching.records.csv_io.read_folder` checks every cell and that every
id a row names exists in the same municipality. This module checks that the
rows agree with each other (and with what the store already holds), because
an inconsistent history silently corrupts training pairs and reports:

errors (the import is refused):

* a meeting at a table of another event;
* a meeting whose employer does not host its table;
* a meeting in a round the event does not have;
* a candidate at two tables in the same round of an event;
* an outcome whose work need belongs to another employer;
* an outcome recorded before the event it names;

warnings (imported, and reported; ``strict`` makes them errors):

* more candidates at a table in one round than it has seats (an organiser
  may have added a chair);
* an outcome naming an event at which that candidate never met that
  employer (the conversation may have happened later, outside the event);
* a desired occupation or work need ESCO code that is not an ESCO
  occupation (it would silently count as no occupational fit).

Checks are set-based: one pass over the rows, lookups in dictionaries, and
one query per record type for what the folder refers to but does not hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from matching.records.enums import dutch_date
from matching.records.schemas import (
    Candidate,
    Event,
    EventTable,
    Outcome,
    Record,
    TableMeeting,
    WorkNeed,
)
from matching.records.storage import TABLES, Store

__all__ = ["Problem", "candidate_problems", "history_problems"]


@dataclass(frozen=True, order=True)
class Problem:
    """One inconsistency, where it is (file, 1-based line, column) and whether it only warns."""

    file: str
    line: int
    column: str
    reason: str
    warning: bool = False
    dutch: str = field(default="", compare=False)  # the reason for staff


class _Records:
    """Records by type and id: the folder's first, then the store's (fetched in one query per type)."""

    def __init__(self, folder: Mapping[type[Record], Sequence[Record]], store: Store | None) -> None:
        self.folder = {t: {r.id: r for r in rs} for t, rs in folder.items()}
        self.store = store
        self.fetched: dict[type[Record], dict[str, Record]] = defaultdict(dict)

    def fetch(self, record_type: type[Record], ids: Iterable[str]) -> None:
        own = self.folder.get(record_type, {})
        wanted = sorted({i for i in ids if i not in own and i not in self.fetched[record_type]})
        if self.store is None or not wanted:
            return
        table = TABLES[record_type]
        with self.store.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(sa.select(table).where(table.c.id.in_(wanted[start : start + 500])))
                for row in rows.mappings():
                    self.fetched[record_type][row["id"]] = record_type.model_validate(dict(row))

    def get(self, record_type: type[Record], record_id: str | None) -> Record | None:
        if record_id is None:
            return None
        found = self.folder.get(record_type, {}).get(record_id)
        return found if found is not None else self.fetched[record_type].get(record_id)


def _stored_meetings(store: Store | None, event_ids: Sequence[str]) -> list[TableMeeting]:
    if store is None or not event_ids:
        return []
    table = TABLES[TableMeeting]
    out: list[TableMeeting] = []
    with store.engine.connect() as conn:
        for start in range(0, len(event_ids), 500):
            rows = conn.execute(sa.select(table).where(table.c.event_id.in_(event_ids[start : start + 500])))
            out += [TableMeeting.model_validate(dict(r)) for r in rows.mappings()]
    return out


def candidate_problems(candidate: Candidate, line: int, occupations: Callable[[str], bool]) -> list[Problem]:
    """A candidate's desired occupations that are not ESCO occupations (a warning)."""
    unknown = [u for u in candidate.desired_occupations if not occupations(u)]
    if not unknown:
        return []
    reason = f"not an ESCO occupation: {', '.join(unknown)}"
    return [Problem("candidates.csv", line, "desired_occupations", reason, warning=True,
                    dutch=f"geen ESCO-beroep: {', '.join(unknown)}")]


def history_problems(
    folder: Mapping[type[Record], Sequence[Record]],
    lines: Mapping[tuple[type[Record], str], int],
    store: Store | None,
    *,
    occupations: Callable[[str], bool],
) -> list[Problem]:
    """Every inconsistency between the folder's rows, and with the store's records.

    ``lines`` gives each folder record's line; ``occupations(uri)`` tells
    whether a code is an ESCO occupation.
    """
    records = _Records(folder, store)
    meetings = [m for m in folder.get(TableMeeting, []) if isinstance(m, TableMeeting)]
    outcomes = [o for o in folder.get(Outcome, []) if isinstance(o, Outcome)]
    records.fetch(EventTable, (m.table_id for m in meetings))
    records.fetch(Event, [*(m.event_id for m in meetings), *(o.event_id for o in outcomes if o.event_id)])
    records.fetch(WorkNeed, (o.work_need_id for o in outcomes if o.work_need_id))
    problems: list[Problem] = []

    def add(record: Record, column: str, reason: str, dutch: str, *, warning: bool = False) -> None:
        kind = type(record)
        problems.append(
            Problem(f"{kind.entity}.csv", lines[(kind, record.id)], column, reason, warning, dutch)
        )

    for m in meetings:
        table = records.get(EventTable, m.table_id)
        if isinstance(table, EventTable):
            if table.event_id != m.event_id:
                add(m, "table_id", f"table {m.table_id} belongs to event {table.event_id}, not {m.event_id}",
                    f"tafel {m.table_id} hoort bij bijeenkomst {table.event_id}, niet bij {m.event_id}")
            if table.employer_id != m.employer_id:
                add(m, "employer_id", f"employer {m.employer_id} does not host table {m.table_id} "
                    f"({table.employer_id} does)",
                    f"werkgever {m.employer_id} zit niet aan tafel {m.table_id} ({table.employer_id} wel)")
        event = records.get(Event, m.event_id)
        if isinstance(event, Event) and m.round > event.rounds:
            add(m, "round", f"round {m.round} of event {m.event_id}, which has {event.rounds} round(s)",
                f"ronde {m.round} van bijeenkomst {m.event_id}, die {event.rounds} ronde(s) heeft")

    # every meeting of the events concerned: the store's, replaced by the folder's where both have one
    concerned = sorted({m.event_id for m in meetings} | {o.event_id for o in outcomes if o.event_id})
    by_id: dict[str, TableMeeting] = {m.id: m for m in _stored_meetings(store, concerned)}
    by_id.update({m.id: m for m in meetings})
    tables_of: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    seated: dict[tuple[str, int], set[str]] = defaultdict(set)
    met = set()
    for m in by_id.values():
        tables_of[(m.event_id, m.round, m.candidate_id)].add(m.table_id)
        seated[(m.table_id, m.round)].add(m.candidate_id)
        met.add((m.event_id, m.candidate_id, m.employer_id))
    flagged: set[tuple[str, int]] = set()
    for m in meetings:
        at = tables_of[(m.event_id, m.round, m.candidate_id)]
        if len(at) > 1:
            add(m, "candidate_id", f"candidate {m.candidate_id} is at {len(at)} tables in round {m.round} "
                f"of event {m.event_id} ({', '.join(sorted(at))})",
                f"kandidaat {m.candidate_id} zit in ronde {m.round} van bijeenkomst {m.event_id} aan "
                f"{len(at)} tafels ({', '.join(sorted(at))})")
        table = records.get(EventTable, m.table_id)
        key = (m.table_id, m.round)
        if isinstance(table, EventTable) and key not in flagged and len(seated[key]) > table.seats:
            flagged.add(key)
            add(m, "table_id", f"{len(seated[key])} candidates at table {m.table_id} in round {m.round}, "
                f"which has {table.seats} seat(s)",
                f"{len(seated[key])} kandidaten aan tafel {m.table_id} in ronde {m.round}, die "
                f"{table.seats} plaats(en) heeft", warning=True)

    for o in outcomes:
        need = records.get(WorkNeed, o.work_need_id)
        if isinstance(need, WorkNeed) and o.employer_id is not None and need.employer_id != o.employer_id:
            add(o, "work_need_id", f"work need {o.work_need_id} belongs to employer {need.employer_id}, "
                f"not {o.employer_id}",
                f"werkvraag {o.work_need_id} is van werkgever {need.employer_id}, niet van {o.employer_id}")
        event = records.get(Event, o.event_id)
        if isinstance(event, Event):
            if o.recorded_on < event.date:
                add(o, "recorded_on", f"recorded on {o.recorded_on}, before its event {o.event_id} "
                    f"on {event.date}",
                    f"vastgelegd op {dutch_date(o.recorded_on)}, voor de bijeenkomst {o.event_id} op "
                    f"{dutch_date(event.date)}")
            if o.employer_id is not None and (o.event_id, o.candidate_id, o.employer_id) not in met:
                add(o, "event_id", f"candidate {o.candidate_id} did not meet employer {o.employer_id} "
                    f"at event {o.event_id}",
                    f"kandidaat {o.candidate_id} sprak werkgever {o.employer_id} niet op bijeenkomst "
                    f"{o.event_id}", warning=True)

    for c in folder.get(Candidate, []):
        if isinstance(c, Candidate):
            problems += candidate_problems(c, lines[(Candidate, c.id)], occupations)
    for n in folder.get(WorkNeed, []):
        if isinstance(n, WorkNeed) and n.esco_uri and not occupations(n.esco_uri):
            add(n, "esco_uri", f"not an ESCO occupation: {n.esco_uri}",
                f"geen ESCO-beroep: {n.esco_uri}", warning=True)
    return sorted(problems)
