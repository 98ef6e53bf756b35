"""The true programme effect on the treated (ATT), written to ``truth/effect.json``.

Definitions (all shares are over candidates; "good" means a WEP or a regular job agreed
within the simulated period, through an event or found on one's own):

* **treated**: candidates invited to at least one event. Until their first invitation
  (month ``m0``) the treated world and the world without the programme are the same, and
  nobody is invited after finding work, so a treated candidate's good outcome always
  falls in ``m0`` or later.
* ``B_c``: caseload months after ``m0`` (own search in month ``m0`` happens before the
  event, and had failed, or they would not have been invited).
* **expected share with the programme**: mean over the treated of
  ``1 - (1 - p_base_c)^B_c * prod_meetings (1 - p_good(c, w))`` over the meetings the
  candidate actually had. This conditions on realised exposure: a candidate placed early
  would have had more meetings otherwise, so it slightly under-states the share.
* **expected share without the programme**: mean over the treated of
  ``1 - (1 - p_base_c)^B_c``.
* **att_expected** = the difference (the true ATT).
* **realised share** is what happened; the **realised counterfactual share** replays the
  same monthly own-search draws with every event removed (common random numbers), so
  ``att_realised`` is the ATT in this particular draw.
* For groups that are never invited the expected share is
  ``1 - (1 - p_base_c)^M_c`` over all their caseload months ``M_c``.
"""

from __future__ import annotations

import numpy as np

from training.simulator.history_state import History


def _share(mask: np.ndarray, values: np.ndarray) -> float | None:
    return round(float(values[mask].mean()), 6) if mask.any() else None


def programme_effect(
    history: History,
    p_good: np.ndarray,
    p_base: np.ndarray,
    comparison: np.ndarray,
    consent_events: np.ndarray,
) -> dict[str, object]:
    """ATT and group shares as a JSON-ready dict (numbers rounded to 6 decimals)."""
    n = p_base.size
    months = history.in_caseload.shape[1]
    m0 = history.first_invited_month
    after = np.arange(months)[None, :] > m0[:, None]
    exposure = np.where(m0[:, None] >= 0, history.in_caseload & after, history.in_caseload)
    base_survival = (1.0 - p_base) ** exposure.sum(axis=1)
    event_survival = np.ones(n)
    for i, works in enumerate(history.meeting_works):
        if works:
            event_survival[i] = float(np.prod(1.0 - p_good[i, works]))
    p_with = 1.0 - base_survival * event_survival
    p_without = 1.0 - base_survival
    realised = history.good_channel != History.CHANNEL_NONE
    counterfactual = history.base_month >= 0

    treated = history.invited > 0
    attended = history.attended > 0
    not_invited = ~treated & ~comparison

    def group(mask: np.ndarray) -> dict[str, object]:
        return {
            "n": int(mask.sum()),
            "expected_share_good": _share(mask, p_with),
            "realised_share_good": _share(mask, realised.astype(float)),
            "realised_share_good_via_event": _share(
                mask, (history.good_channel == History.CHANNEL_EVENT).astype(float)
            ),
        }

    att_expected = None
    if treated.any():
        att_expected = round(float(p_with[treated].mean() - p_without[treated].mean()), 6)
    att_realised = None
    if treated.any():
        att_realised = round(
            float(realised[treated].mean() - counterfactual[treated].mean()), 6
        )
    return {
        "definition": (
            "ATT on a good outcome (WEP or regular job agreed within the simulated period). "
            "treated = invited at least once; B = caseload months after the first invitation. "
            "expected_share_treated = mean over the treated of 1 - (1-p_base)^B * prod over "
            "their meetings of (1 - p_good); expected_share_untreated = mean over the treated "
            "of 1 - (1-p_base)^B; att_expected = the difference. "
            "realised_share_counterfactual replays the same monthly own-search draws without "
            "any event (common random numbers). Groups never invited: expected share = "
            "1 - (1-p_base)^caseload_months."
        ),
        "treated": {
            "n": int(treated.sum()),
            "n_attended": int((treated & attended).sum()),
            "expected_share_treated": _share(treated, p_with),
            "expected_share_untreated": _share(treated, p_without),
            "att_expected": att_expected,
            "realised_share_treated": _share(treated, realised.astype(float)),
            "realised_share_counterfactual": _share(treated, counterfactual.astype(float)),
            "att_realised": att_realised,
        },
        "attended_at_least_once": group(attended),
        "comparison_group": group(comparison),
        "not_invited_outside_comparison": group(not_invited),
        "no_event_consent": group(~consent_events),
        "all_candidates": group(np.ones(n, dtype=bool)),
    }
