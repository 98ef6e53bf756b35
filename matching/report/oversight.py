"""Human oversight in figures: how often staff change what werkkans suggests, why, and how
closely their choices follow its top suggestions (AI Act art. 14; a sign of automation bias).

For the period, from the audit log, the overrides and the meetings:

* **lists shown**: shortlists for a work need shown to staff;
* **pins and exclusions** per 100 lists shown, and the words their stated reasons use most
  (the reasons themselves stay in the overrides; only counts of common words are shown);
* **followed**: of the meetings at an event with an employer for whose work a list was shown
  in the :data:`LOOKBACK_DAYS` before, the share whose candidate was in the top
  :data:`TOP` of one of those lists. Near 100 % staff seat only what werkkans proposes (it
  may be trusted too much); near the share of the pool the top makes up, the lists are
  not used at all;
* **overrides by group**: per protected group, its share of the candidates shown, of those
  pinned and of those excluded. Protected attributes are read here only to measure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from matching.privacy.audit_log import audit_table
from matching.records.storage import Store
from matching.report.fairness_trend import TREND_GROUPS, group_members
from matching.report.period import Period
from matching.shortlists.overrides import overrides_table

__all__ = ["LOOKBACK_DAYS", "TOP", "Oversight", "oversight"]

#: A list counts for the meetings of the next this many days.
LOOKBACK_DAYS = 120
#: "Followed" means: in this many first lines of a list.
TOP = 10
_WORD = re.compile(r"[a-zà-ÿ]{4,}")
_STOP = frozenset(
    ["deze", "niet", "maar", "voor", "heeft", "zijn", "wordt", "werd", "nog", "meer", "veel", "ook", "naar", "over", "door", "heel", "goed", "omdat", "want", "eerst", "kandidaat", "werkgever", "werkvraag", "graag", "hebben", "kunnen", "moet", "wordt", "bij"]
)


@dataclass
class Oversight:
    """The figures of one period (see the module docstring)."""

    lists_shown: int
    pins: int
    exclusions: int
    reason_words: list[tuple[str, int]]
    meetings_after_lists: int
    followed: int
    groups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pins_per_100(self) -> float | None:
        return None if not self.lists_shown else 100 * self.pins / self.lists_shown

    @property
    def exclusions_per_100(self) -> float | None:
        return None if not self.lists_shown else 100 * self.exclusions / self.lists_shown

    @property
    def followed_share(self) -> float | None:
        return None if not self.meetings_after_lists else self.followed / self.meetings_after_lists

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "reason_words": [list(pair) for pair in self.reason_words],
            "pins_per_100": self.pins_per_100,
            "exclusions_per_100": self.exclusions_per_100,
            "followed_share": self.followed_share,
            "top": TOP,
            "lookback_days": LOOKBACK_DAYS,
        }


def _window(period: Period) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)
    return start, dt.datetime.combine(period.end, dt.time.max, tzinfo=dt.UTC)


def _lists(store: Store, municipality: str | None, until: dt.date) -> pd.DataFrame:
    """Every work-need list shown up to ``until``: when, which work need, its top ids."""
    table = audit_table
    if not sa.inspect(store.engine).has_table(table.name):
        return pd.DataFrame(columns=["at", "work_need_id", "top"])
    query = sa.select(table.c.at, table.c.subject_id, table.c.results).where(
        table.c.action == "shortlist_shown", table.c.subject_type == "work_need",
        table.c.at <= dt.datetime.combine(until, dt.time.max, tzinfo=dt.UTC),
    )
    if municipality is not None:
        query = query.where(table.c.municipality == municipality)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(
        [
            {
                "at": at if at.tzinfo else at.replace(tzinfo=dt.UTC),
                "work_need_id": need,
                "top": tuple(r["candidate_id"] for r in (results or [])
                             if isinstance(r, dict) and r.get("rank", TOP + 1) <= TOP),
            }
            for at, need, results in rows
        ],
        columns=["at", "work_need_id", "top"],
    )


def _overrides(store: Store, municipality: str | None, period: Period) -> pd.DataFrame:
    start, end = _window(period)
    table = overrides_table
    if not sa.inspect(store.engine).has_table(table.name):
        return pd.DataFrame(columns=["kind", "candidate_id", "reason"])
    query = sa.select(table.c.kind, table.c.candidate_id, table.c.reason).where(
        table.c.created_at >= start, table.c.created_at <= end
    )
    if municipality is not None:
        query = query.where(table.c.municipality == municipality)
    with store.engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["kind", "candidate_id", "reason"])


def oversight(
    store: Store,
    period: Period,
    *,
    municipality: str | None,
    candidates: pd.DataFrame,
    meetings: pd.DataFrame,
    events: pd.DataFrame,
    work_needs: pd.DataFrame,
) -> Oversight:
    """The oversight figures of ``period`` (frames as :mod:`matching.report.data` loads them;
    ``work_needs`` with ``id`` and ``employer_id``)."""
    lists = _lists(store, municipality, period.end)
    start, end = _window(period)
    in_period = lists[(lists["at"] >= start) & (lists["at"] <= end)] if len(lists) else lists
    changes = _overrides(store, municipality, period)
    words = Counter(
        w for reason in changes["reason"] for w in _WORD.findall(str(reason).lower()) if w not in _STOP
    )

    employer_of = dict(zip(work_needs.get("id", []), work_needs.get("employer_id", []), strict=False))
    lists = lists.assign(employer_id=lists["work_need_id"].map(employer_of))
    by_employer = {e: group for e, group in lists.groupby("employer_id")} if len(lists) else {}
    event_day = dict(zip(events.get("id", []), events.get("date", []), strict=False))
    after, followed = 0, 0
    for event_id, employer_id, candidate_id in zip(
        meetings.get("event_id", []), meetings.get("employer_id", []), meetings.get("candidate_id", []),
        strict=False,
    ):
        day = event_day.get(event_id)
        if not isinstance(day, dt.date) or not period.contains(day) or employer_id not in by_employer:
            continue
        shown = by_employer[employer_id]
        on = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        before = shown[(shown["at"] < on) & (shown["at"] >= on - dt.timedelta(days=LOOKBACK_DAYS))]
        if before.empty:
            continue
        after += 1
        followed += any(candidate_id in top for top in before["top"])

    listed = {c for top in in_period["top"] for c in top} if len(in_period) else set()
    groups = []
    if len(candidates) and "id" in candidates:
        members = group_members(candidates)
        ids = candidates["id"]
        pinned = set(changes.loc[changes["kind"] == "pin", "candidate_id"])
        excluded = set(changes.loc[changes["kind"] == "exclude", "candidate_id"])
        for key, label in TREND_GROUPS.items():
            in_group = set(ids[members[key]])

            def share(people: set[str], in_group: set[str] = in_group) -> float | None:
                return None if not people else len(people & in_group) / len(people)

            groups.append({"group": key, "label": label, "shown": share(listed),
                           "pinned": share(pinned), "excluded": share(excluded)})
    return Oversight(
        lists_shown=len(in_period),
        pins=int((changes["kind"] == "pin").sum()),
        exclusions=int((changes["kind"] == "exclude").sum()),
        reason_words=words.most_common(8),
        meetings_after_lists=after,
        followed=followed,
        groups=groups,
    )
