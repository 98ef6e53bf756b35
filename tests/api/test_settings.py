"""Settings from the environment: the fair-exposure policy is off unless set, and set right."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading

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


def test_the_workspace_price_list_reaches_the_report_and_the_planner(monkeypatch, tmp_path):
    import json

    from matching.sroi.prices import PriceList

    prices = {name: p["value"] for name, p in PriceList().to_dict().items()}
    path = tmp_path / "prijzen.json"
    path.write_text(json.dumps({"prices": {**prices, "wellbeing_per_person_year": 1234},
                                "settings": {"duration_years": 2}}), encoding="utf-8")
    monkeypatch.setenv("WERKKANS_PRICES", str(path))
    config = Settings.from_env().runtime()
    assert config.prices.wellbeing_per_person_year.value == 1234
    assert config.sroi_settings.duration_years == 2
    assert config.valuation == {"prices": config.prices, "sroi_settings": config.sroi_settings}
    monkeypatch.delenv("WERKKANS_PRICES")
    assert Settings.from_env().runtime().valuation == {"prices": None, "sroi_settings": None}


@pytest.mark.parametrize(
    ("content", "dutch"),
    [
        (None, "bestaat niet"),
        ('{"wellbeing_per_person_year": -1}', "ontbreekt in de prijslijst"),
        ("{niet: json", "geen geldige JSON"),
    ],
)
def test_a_bad_workspace_price_list_is_an_error_in_dutch(monkeypatch, tmp_path, content, dutch):
    path = tmp_path / "prijzen.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("WERKKANS_PRICES", str(path))
    with pytest.raises(ValueError, match=f"WERKKANS_PRICES: .*{dutch}"):
        Settings.from_env()


def test_how_long_a_list_may_be_shown_stale_is_read_and_checked(monkeypatch):
    from api.deps import ApiConfig

    monkeypatch.delenv("WERKKANS_STALE_SECONDS", raising=False)
    assert Settings.from_env().stale_seconds == 120
    monkeypatch.setenv("WERKKANS_STALE_SECONDS", "0")
    assert ApiConfig.from_settings(Settings.from_env()).stale_seconds == 0
    for value in ("twee minuten", "-5", "inf"):
        monkeypatch.setenv("WERKKANS_STALE_SECONDS", value)
        with pytest.raises(ValueError, match="WERKKANS_STALE_SECONDS"):
            Settings.from_env()


def test_how_many_lists_a_worker_keeps_is_read_and_checked(monkeypatch, settings, runtime):
    from fastapi.testclient import TestClient

    from api.app import create_app

    monkeypatch.delenv("WERKKANS_CACHED_LISTS", raising=False)
    assert Settings.from_env().cached_lists == 4096
    monkeypatch.setenv("WERKKANS_CACHED_LISTS", "300")
    asked = dataclasses.replace(settings, cached_lists=Settings.from_env().cached_lists)
    with TestClient(create_app(asked, runtime=runtime)) as client:
        assert client.app.state.shortlist_cache.max_entries == 300
    for value in ("veel", "0", "2.5"):
        monkeypatch.setenv("WERKKANS_CACHED_LISTS", value)
        with pytest.raises(ValueError, match="WERKKANS_CACHED_LISTS"):
            Settings.from_env()


def test_how_many_connections_a_process_keeps_is_read_and_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("WERKKANS_DB", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.delenv("WERKKANS_DB_POOL", raising=False)
    assert Settings.from_env().db_pool == 16
    monkeypatch.setenv("WERKKANS_DB_POOL", "3")
    store = Settings.from_env().open_store(create=True)
    try:  # three are kept; up to three more are opened for a moment when all are in use
        assert store.engine.pool.size() == 3
        held = [store.reading() for _ in range(6)]
        for conn in held:
            conn.close()
        assert store.engine.pool.checkedin() == 3
    finally:
        store.dispose()
    for value in ("veel", "0", "-2", "2.5"):
        monkeypatch.setenv("WERKKANS_DB_POOL", value)
        with pytest.raises(ValueError, match="WERKKANS_DB_POOL"):
            Settings.from_env()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux gives a thread its own nice value")
def test_how_much_lower_the_upkeep_runs_is_read_and_checked(monkeypatch, settings, runtime):
    from fastapi.testclient import TestClient

    from api.app import create_app

    monkeypatch.delenv("WERKKANS_BACKGROUND_NICE", raising=False)
    assert Settings.from_env().background_nice == 10
    monkeypatch.setenv("WERKKANS_BACKGROUND_NICE", "0")
    asked = dataclasses.replace(settings, background_nice=Settings.from_env().background_nice)
    with TestClient(create_app(asked, runtime=runtime)) as client:
        thread = client.app.state.shortlists.refresh.run(threading.get_native_id).result(10)
        assert os.getpriority(os.PRIO_PROCESS, thread) == os.getpriority(os.PRIO_PROCESS, 0)
    for value in ("laag", "-1", "2.5", "20"):
        monkeypatch.setenv("WERKKANS_BACKGROUND_NICE", value)
        with pytest.raises(ValueError, match="WERKKANS_BACKGROUND_NICE"):
            Settings.from_env()
