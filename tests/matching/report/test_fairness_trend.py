"""Invitation ratios per group and month, checked against counts made by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from matching.report.fairness_trend import fairness_trend
from matching.report.period import parse_period


def _world() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """100 candidates, 40 of them 55-67; six monthly events of 20 invitations each.

    January to March: 8 of the 20 are 55+ (40 %, as in the caseload). April to
    June: 2 of the 20.
    """
    candidates = pd.DataFrame({
        "id": [f"c{i:03d}" for i in range(100)],
        "age_band": ["55-67" if i < 40 else "25-44" for i in range(100)],
        "gender": ["v" if i % 2 else "m" for i in range(100)],
        "statushouder": [i % 10 == 0 for i in range(100)],
        "banenafspraak": [False] * 100,
        "benefit_months": [48 if i % 4 == 0 else 6 for i in range(100)],
    })
    rows, dates = [], {}
    for month in range(1, 7):
        event = f"ev{month}"
        dates[event] = dt.date(2026, month, 12)
        older = 8 if month <= 3 else 2
        chosen = [f"c{i:03d}" for i in range(older)] + [f"c{40 + i:03d}" for i in range(20 - older)]
        rows += [{"event_id": event, "candidate_id": c} for c in chosen]
    return candidates, pd.DataFrame(rows), pd.Series(dates)


def test_the_ratio_is_the_groups_invitation_share_over_everyone_elses():
    candidates, invitations, dates = _world()
    trends = {t.group: t for t in fairness_trend(candidates, invitations, dates, parse_period("2026-01:2026-06"))}
    older = trends["age_55_plus"]
    assert older.months == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    # January: 8/40 of the 55+ against 12/60 of the others = 1.0; April: 2/40 against 18/60
    assert older.ratios[0] == pytest.approx((8 / 40) / (12 / 60))
    assert older.ratios[3] == pytest.approx((2 / 40) / (18 / 60))
    assert older.recent_ratio == pytest.approx((6 / 40) / (54 / 60))
    assert older.alert and older.n == 40
    assert not trends["women"].alert  # invited in proportion (odd ids among the chosen)


def test_no_alert_for_small_groups_or_months_without_invitations():
    candidates, invitations, dates = _world()
    trends = {t.group: t for t in fairness_trend(candidates, invitations, dates, parse_period("2026"))}
    assert trends["banenafspraak"].n == 0 and not trends["banenafspraak"].alert
    assert trends["age_55_plus"].ratios[-1] is None  # December: nobody invited
    assert trends["statushouder"].n == 10 and not trends["statushouder"].alert  # fewer than 20
    with pytest.raises(ValueError, match="bounds"):
        fairness_trend(candidates, invitations, dates, parse_period("2026"), bounds=(1.2, 1.5))
