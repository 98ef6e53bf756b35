"""Settings from the environment: the fair-exposure policy is off unless set, and set right."""

from __future__ import annotations

import pytest

from api.settings import Settings
from matching.shortlists.fair_exposure import ExposurePolicy


def test_fair_exposure_is_off_by_default_and_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("WERKKANS_FAIR_EXPOSURE", raising=False)
    assert Settings.from_env().runtime().fair_exposure is None
    monkeypatch.setenv("WERKKANS_FAIR_EXPOSURE", "0.8,1.25")
    assert Settings.from_env().runtime().fair_exposure == ExposurePolicy(0.8, 1.25)


@pytest.mark.parametrize("value", ["0.8", "hoog,laag", "1.2,1.5", "0.8,0.9"])
def test_a_malformed_policy_is_an_error_not_silently_off(monkeypatch, value):
    monkeypatch.setenv("WERKKANS_FAIR_EXPOSURE", value)
    with pytest.raises(ValueError, match="WERKKANS_FAIR_EXPOSURE"):
        Settings.from_env()
