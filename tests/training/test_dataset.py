"""Graded pairs from the history: labels, work needs, time split, no leakage, erasure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import PSEUDONYM_KEY
from spaces import fast_text_space

from matching.privacy.erasure import erase_candidate
from matching.records.enums import OutcomeKind
from matching.records.importer import import_folder
from matching.records.schemas import CheckIn, Outcome, TableMeeting
from matching.records.storage import Store
from matching.shortlists.as_of import TrackRecordHistory
from matching.shortlists.features import FEATURE_NAMES, PROTECTED_ATTRIBUTES
from matching.shortlists.text_space import TextSpace
from training.dataset import SUBGROUP_COLUMNS, PairDataset, build_dataset
from training.pair_featurizer import DatasetError
from training.simulator import SimulationConfig, simulate, write_world
from training.time_split import split_by_date, split_by_time

# ---- a small simulated world and a text space that needs no model (shared shape with the
# ---- other training tests; each module builds its own, it takes a second or two)


WORLD = SimulationConfig(
    seed=7,
    n_candidates=800,
    n_employers=50,
    months=12,
    employers_per_event=10,
    candidates_per_event=100,
    seats_per_table=10,
    rounds=4,
)


def build_world_store(folder: Path, config: SimulationConfig = WORLD) -> Store:
    write_world(simulate(config), folder / "csv")
    store = Store(f"sqlite:///{folder / 'world.db'}")
    import_folder(store, folder / "csv")
    return store


# ---- fixtures


@pytest.fixture(scope="module")
def space() -> TextSpace:
    return fast_text_space()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    build_world_store(folder).dispose()
    return folder


@pytest.fixture
def store(world: Path, tmp_path: Path) -> Store:
    """A private copy of the world's database, free to change."""
    copy = tmp_path / "world.db"
    copy.write_bytes((world / "world.db").read_bytes())
    return Store(f"sqlite:///{copy}", pseudonym_key=PSEUDONYM_KEY)


@pytest.fixture(scope="module")
def dataset(world: Path, space: TextSpace) -> PairDataset:
    return build_dataset(Store(f"sqlite:///{world / 'world.db'}"), text_space=space)


# ---- the pairs and their labels


def test_one_pair_per_meeting_with_outcome_labels(dataset: PairDataset, world: Path) -> None:
    store = Store(f"sqlite:///{world / 'world.db'}")
    meetings = store.list(TableMeeting)
    assert len(dataset) == len(meetings)
    assert dataset.pairs["meeting_id"].is_unique
    assert list(dataset.features.columns) == list(FEATURE_NAMES)
    assert set(dataset.labels) <= {0, 1, 2, 3, 4}
    # every simulated outcome names its event and work need: the label is its grade
    outcomes = {(o.candidate_id, o.employer_id, o.event_id): o for o in store.list(Outcome)}
    pairs = dataset.pairs.set_index("meeting_id")
    for meeting in meetings[:: max(len(meetings) // 200, 1)]:
        outcome = outcomes[(meeting.candidate_id, meeting.employer_id, meeting.event_id)]
        row = pairs.loc[meeting.id]
        assert row["work_need_id"] == outcome.work_need_id and row["need_source"] == "outcome"
        assert row["good"] == OutcomeKind(outcome.kind).is_good
        expected = {"none": 0, "follow_up": 1, "trial": 1, "wep": 2}.get(outcome.kind.value)
        if expected is not None:
            assert row["label"] == max(expected, int(meeting.follow_up))
        else:
            assert row["label"] in (3, 4)
    assert dataset.good.any() and not dataset.good.all()
    # sorted by date, groups are work needs
    assert (np.diff(dataset.dates.astype(np.int64)) >= 0).all()
    assert (dataset.pairs["group"] == dataset.pairs["work_need_id"]).all()


def test_protected_attributes_are_subgroups_never_features(dataset: PairDataset) -> None:
    assert not PROTECTED_ATTRIBUTES & set(dataset.features.columns)
    assert list(dataset.subgroups.columns) == list(SUBGROUP_COLUMNS)
    assert {"age_band", "gender", "statushouder", "banenafspraak"} <= set(dataset.subgroups.columns)
    with pytest.raises(ValueError, match="protected"):
        PairDataset(dataset.pairs, dataset.features.assign(age_band=1.0), dataset.subgroups)


def test_grouping_per_event_table(world: Path, space: TextSpace, dataset: PairDataset) -> None:
    by_table = build_dataset(
        Store(f"sqlite:///{world / 'world.db'}"), text_space=space, group_by="event_table"
    )
    assert (
        by_table.pairs["group"] == by_table.pairs["event_id"] + "/" + by_table.pairs["table_id"]
    ).all()
    pd.testing.assert_frame_equal(by_table.features, dataset.features)


def test_work_need_by_similarity_when_the_outcome_names_none(
    store: Store, space: TextSpace
) -> None:
    cleared = [o for o in store.list(Outcome) if o.event_id is not None][::2]
    store.upsert([o.model_copy(update={"work_need_id": None}) for o in cleared])
    data = build_dataset(store, text_space=space)
    by_sim = data.pairs[data.pairs["need_source"] == "similarity"]
    assert len(by_sim) == len(cleared)
    from matching.records.schemas import WorkNeed

    owner = {n.id: n.employer_id for n in store.list(WorkNeed)}
    assert (by_sim["work_need_id"].map(owner) == by_sim["employer_id"]).all()


# ---- no leakage


def test_features_do_not_change_when_later_history_changes(store: Store, space: TextSpace) -> None:
    before = build_dataset(store, text_space=space)
    cutoff = np.datetime64(split_by_time(before, 4).cutoff, "D")
    early = before.pairs["event_date"].to_numpy(dtype="datetime64[D]") < cutoff

    # remove every outcome recorded from the cutoff on, and every later meeting ...
    later_outcomes = [o for o in store.list(Outcome) if np.datetime64(o.recorded_on, "D") >= cutoff]
    store.delete(
        CheckIn,
        [c.id for c in store.list(CheckIn) if c.outcome_id in {o.id for o in later_outcomes}],
    )
    store.delete(Outcome, [o.id for o in later_outcomes])
    late_meetings = before.pairs.loc[~early, "meeting_id"].tolist()
    store.delete(TableMeeting, late_meetings)
    # ... and add a later regular job for an early meeting
    first = before.pairs[early].iloc[0]
    store.upsert(
        [
            Outcome(
                id="late-job",
                municipality=WORLD.municipality,
                candidate_id=first["candidate_id"],
                employer_id=first["employer_id"],
                work_need_id=first["work_need_id"],
                event_id=first["event_id"],
                kind=OutcomeKind.JOB,
                contract_type="permanent",
                start_date=dt.date(2026, 3, 1),
                recorded_on=dt.date(2026, 2, 1),
            )
        ]
    )
    # the text readers are a fitted transformation like the encoder: held fixed here, so
    # that what is compared is what the history contributes as of each meeting's date
    after = build_dataset(store, text_space=space, text_models=before.text_models)

    # a meeting whose own outcome was removed loses the work need that outcome named (the
    # mapping is by design); every other early meeting must keep exactly its features
    own_removed = {(o.candidate_id, o.employer_id, o.event_id) for o in later_outcomes}
    keys = zip(before.pairs["candidate_id"], before.pairs["employer_id"], before.pairs["event_id"], strict=False)
    compare = early & ~np.array([k in own_removed for k in keys])
    assert compare.sum() > 0.5 * early.sum()
    left = before.take(np.flatnonzero(compare)).features
    right = after.features.set_axis(after.pairs["meeting_id"]).loc[
        before.pairs.loc[compare, "meeting_id"]
    ]
    # (to float32's rounding: the texts are read in a batch of another size)
    pd.testing.assert_frame_equal(
        left, right.reset_index(drop=True), check_names=False, check_exact=False, rtol=0, atol=1e-6
    )
    # the label did see the later job: labels are outcomes, features are not
    assert after.pairs.set_index("meeting_id").loc[first["meeting_id"], "label"] >= 3


def test_track_record_matches_a_plain_count(store: Store) -> None:
    meetings = store.list(TableMeeting)
    outcomes = store.list(Outcome)
    from matching.records.schemas import Event

    event_dates = {e.id: e.date for e in store.list(Event)}
    good = [o for o in outcomes if o.employer_id and OutcomeKind(o.kind).is_good]
    employers = sorted({m.employer_id for m in meetings})
    track = TrackRecordHistory.from_records(meetings, outcomes, event_dates)
    for day in (dt.date(2025, 1, 1), dt.date(2025, 4, 15), dt.date(2025, 9, 9), dt.date(2026, 6, 1)):
        rate, count = track.features(
            np.array(employers, dtype=object), np.full(len(employers), np.datetime64(day, "D"))
        )
        for e, r, c in zip(employers, rate, count, strict=True):
            met = sum(1 for m in meetings if m.employer_id == e and event_dates[m.event_id] < day)
            won = sum(1 for o in good if o.employer_id == e and o.recorded_on < day)
            assert c == met
            assert r == pytest.approx((won + 10 * 0.08) / (met + 10))


def test_as_of_sees_only_what_was_known_then(store: Store, space: TextSpace, dataset: PairDataset) -> None:
    """A dataset as of a day equals one built from a store that stops on that day."""
    day = split_by_time(dataset, 4).cutoff
    as_of = build_dataset(store, text_space=space, as_of=day, text_models=dataset.text_models)
    from matching.records.schemas import Event, Invitation

    later_events = {e.id for e in store.list(Event) if e.date >= day}
    store.delete(TableMeeting, [m.id for m in store.list(TableMeeting) if m.event_id in later_events])
    store.delete(Invitation, [i.id for i in store.list(Invitation) if i.event_id in later_events])
    later = [o for o in store.list(Outcome) if o.recorded_on >= day]
    store.delete(CheckIn, [c.id for c in store.list(CheckIn) if c.date >= day or c.outcome_id in {o.id for o in later}])
    store.delete(Outcome, [o.id for o in later])
    cut = build_dataset(store, text_space=space, text_models=dataset.text_models)
    assert len(as_of) == len(cut) and as_of.dates.max() < np.datetime64(day, "D")
    pd.testing.assert_frame_equal(as_of.pairs, cut.pairs)
    pd.testing.assert_frame_equal(as_of.features, cut.features)


# ---- the time split


def test_time_split_is_strictly_ordered(dataset: PairDataset) -> None:
    split = split_by_time(dataset, holdout_months=3)
    assert len(split.train) + len(split.test) == len(dataset)
    assert split.train.dates.max() < split.test.dates.min()
    assert split.test.dates.min() >= np.datetime64(split.cutoff, "D")
    assert len(split.test.months) == 3 and split.test.months[-1] == dataset.months[-1]
    assert not set(split.train.pairs["meeting_id"]) & set(split.test.pairs["meeting_id"])
    by_date = split_by_date(dataset, split.cutoff)
    assert len(by_date.test) == len(split.test)


def test_time_split_needs_earlier_months(dataset: PairDataset) -> None:
    with pytest.raises(DatasetError, match=r"cannot hold out 12 month\(s\)"):
        split_by_time(dataset, holdout_months=12)
    with pytest.raises(ValueError, match="holdout_months"):
        split_by_time(dataset, holdout_months=0)


# ---- erasure and bad input


def test_erased_candidates_are_left_out_even_if_their_records_come_back(
    store: Store, space: TextSpace
) -> None:
    victim = store.list(TableMeeting)[0].candidate_id
    from matching.records.schemas import Candidate

    kept = [
        store.get(Candidate, victim),
        *[m for m in store.list(TableMeeting) if m.candidate_id == victim],
        *[o for o in store.list(Outcome) if o.candidate_id == victim],
    ]
    assert erase_candidate(store, victim, municipality=WORLD.municipality, actor="test") is not None
    store.upsert(kept)  # an old export imported again
    data = build_dataset(store, text_space=space)
    assert victim not in set(data.pairs["candidate_id"])
    assert len(data) > 0


def test_an_empty_store_is_a_clear_error(tmp_path: Path, space: TextSpace) -> None:
    with pytest.raises(DatasetError, match="no table meetings"):
        build_dataset(Store(f"sqlite:///{tmp_path / 'empty.db'}"), text_space=space)
