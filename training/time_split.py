"""Time split of a :class:`training.dataset.PairDataset`: earlier events train, later ones test.

A ranker is judged on months it has not seen, as in service: every training
event is strictly earlier than every test event. :func:`split_by_time` holds
out the last whole calendar months with meetings (training holds out the test
months and, before them, the calibration months; evaluation the test months);
:func:`split_by_date` splits at a given date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from training.dataset import PairDataset
from training.pair_featurizer import DatasetError

__all__ = ["TimeSplit", "split_by_date", "split_by_time"]


@dataclass(frozen=True)
class TimeSplit:
    """Pairs before ``cutoff`` (train) and on or after it (test)."""

    train: PairDataset
    test: PairDataset
    cutoff: dt.date


def _month_start(day: np.datetime64, back: int = 0) -> dt.date:
    month = day.astype("datetime64[M]") - np.timedelta64(back, "M")
    return month.astype("datetime64[D]").astype(dt.date)


def split_by_date(dataset: PairDataset, cutoff: dt.date) -> TimeSplit:
    """Pairs of events before ``cutoff`` train, pairs of events on or after it test.

    Every training event is strictly earlier than every test event.
    """
    dates = dataset.dates
    before = dates < np.datetime64(cutoff, "D")
    return TimeSplit(
        dataset.take(np.flatnonzero(before)), dataset.take(np.flatnonzero(~before)), cutoff
    )


def split_by_time(dataset: PairDataset, holdout_months: int = 3) -> TimeSplit:
    """Hold out the last ``holdout_months`` calendar months with meetings.

    The cutoff is the first day of the month ``holdout_months - 1`` months
    before the month of the latest event, so the test side covers whole
    calendar months and every training event is earlier than every test event.

    Raises
    ------
    DatasetError
        When the history does not reach back before the held-out months.

    Examples
    --------
    >>> split = split_by_time(dataset, holdout_months=3)  # doctest: +SKIP
    >>> split.train.dates.max() < split.test.dates.min()  # doctest: +SKIP
    True
    """
    if int(holdout_months) != holdout_months or holdout_months < 1:
        raise ValueError(f"holdout_months must be an integer >= 1, got {holdout_months}")
    if not len(dataset):
        raise DatasetError("the dataset is empty: no table meetings to split")
    cutoff = _month_start(dataset.dates.max(), back=holdout_months - 1)
    split = split_by_date(dataset, cutoff)
    if not len(split.train):
        months = dataset.months
        raise DatasetError(
            f"cannot hold out {holdout_months} month(s): all meetings fall in "
            f"{len(months)} month(s) ({months[0]} to {months[-1]}), none before {cutoff}"
        )
    return split
