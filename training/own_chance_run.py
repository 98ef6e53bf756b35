"""The own-chance model in MLflow: an out-of-time check, a model card, one run per training.

The chance that a candidate finds work without the programme
(:class:`matching.outcomes.own_chance.OwnChanceModel`) is fitted where it is used
(the planner and the shortlists fit it as of their own day), so what is tracked
is how well the model does on months it has not seen:

* **Out of time.** Fitted as of ``test_months`` before the training day, it
  predicts the monthly hazard of every person-month after that up to the day
  (the months nobody invited them: the same risk set it learns from). Those
  months' works found alone are the truth.
* **Calibration.** Mean predicted against observed hazard overall, per
  benefit-duration band and per protected group (groups are measured, never
  features), the ECE over deciles of the predicted hazard, the Brier score,
  and the six-month chance those hazards make (``1 - (1 - h)^6``).
* **Tracking.** One run in the experiment ``werkkans-own-chance`` per
  training: parameters (features, regularisation, periods, counts), the
  metrics, ``own_chance_card.json`` and the Dutch ``own_chance_card.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.outcomes.aftercare import add_months
from matching.outcomes.own_chance import OWN_CHANCE_FEATURES, OwnChanceModel, risk_set
from matching.records.enums import BenefitDurationBand, dutch_date, dutch_label
from matching.records.schemas import Candidate, Event, Invitation, Outcome
from matching.records.storage import Store
from matching.report.numbers import number, percent
from matching.serving.model_registry import mlflow_errors, tracking_client
from matching.shortlists.fair_exposure import GROUPS, protected_groups
from training.metrics import brier_score, expected_calibration_error
from training.run_logging import metric_key

__all__ = ["EXPERIMENT", "OwnChanceCheck", "card_markdown", "check_own_chance", "log_own_chance"]

logger = logging.getLogger(__name__)

EXPERIMENT = "werkkans-own-chance"
#: Fewest person-months of a band or group to report its calibration.
MIN_ROWS = 200


@dataclass(frozen=True)
class OwnChanceCheck:
    """The own-chance model checked on the months after it was fitted (module docstring)."""

    municipality: str | None
    fitted_as_of: dt.date
    tested_up_to: dt.date
    train_months: int  # person-months learned from
    train_events: int  # works found alone among them
    test_months: int
    test_events: int
    predicted_hazard: float
    observed_hazard: float
    ece: float
    brier: float
    by_band: list[dict[str, Any]]
    by_group: list[dict[str, Any]]
    features: tuple[str, ...] = OWN_CHANCE_FEATURES
    regularisation_c: float = 1.0

    def metrics(self) -> dict[str, float]:
        out = {"predicted_hazard": self.predicted_hazard, "observed_hazard": self.observed_hazard,
               "ece": self.ece, "brier": self.brier}
        for row in (*self.by_band, *self.by_group):
            out[f"{row['key']}/predicted"] = row["predicted"]
            out[f"{row['key']}/observed"] = row["observed"]
        return out

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["fitted_as_of"], out["tested_up_to"] = str(self.fitted_as_of), str(self.tested_up_to)
        out["features"] = list(self.features)
        return out


def _part(key: str, label: str, mask: np.ndarray, hazard: np.ndarray, event: np.ndarray) -> dict[str, Any]:
    return {"key": key, "label": label, "months": int(mask.sum()), "events": int(event[mask].sum()),
            "predicted": float(hazard[mask].mean()), "observed": float(event[mask].mean())}


def check_own_chance(
    store: Store, *, as_of: dt.date, municipality: str | None = None, test_months: int = 6,
) -> OwnChanceCheck:
    """Fit as of ``test_months`` before ``as_of`` and check on the months up to ``as_of``.

    Raises
    ------
    OwnChanceError
        When the earlier history holds too few works found alone to fit on.
    ValueError
        When the later months hold no person-month to check on.
    """
    cutoff = add_months(as_of, -test_months)
    candidates = store.list(Candidate, municipality=municipality)
    outcomes = store.list(Outcome, municipality=municipality)
    invitations = store.list(Invitation, municipality=municipality)
    days = {e.id: e.date for e in store.list(Event, municipality=municipality)}
    model = OwnChanceModel().fit_records(candidates, outcomes, invitations, days, as_of=cutoff)
    risk = risk_set(candidates, outcomes, invitations, days, as_of)
    later = risk.months >= cutoff.year * 12 + cutoff.month - 1
    if not later.any():
        raise ValueError(f"no caseload months between {cutoff} and {as_of} to check on")
    hazard = model.risk_hazard(risk)[later]
    event = risk.event[later].astype(float)
    people = [risk.candidates[i] for i in risk.rows[later]]
    bands = np.array([BenefitDurationBand.from_months(c.benefit_months).value for c in people])
    by_band = [
        _part(f"band/{band.value}", dutch_label(band), bands == band.value, hazard, event)
        for band in BenefitDurationBand if (bands == band.value).sum() >= MIN_ROWS
    ]
    by_group = [
        _part(f"group/{name}", GROUPS[name], mask, hazard, event)
        for name, mask in protected_groups(people).items() if mask.sum() >= MIN_ROWS
    ]
    return OwnChanceCheck(
        municipality=municipality, fitted_as_of=cutoff, tested_up_to=as_of,
        train_months=model.n_months_, train_events=model.n_events_,
        test_months=int(later.sum()), test_events=int(event.sum()),
        predicted_hazard=float(hazard.mean()), observed_hazard=float(event.mean()),
        ece=expected_calibration_error(hazard, event, n_bins=10, strategy="quantile"),
        brier=brier_score(hazard, event),
        by_band=by_band, by_group=by_group, regularisation_c=model.C,
    )


def _six(hazard: float) -> str:
    return percent(1 - (1 - hazard) ** 6, 1)


def card_markdown(check: OwnChanceCheck) -> str:
    """The model card in Dutch, for staff and the algorithm register."""
    where = f"Gemeente {check.municipality}" if check.municipality else "Alle gemeenten in de database"
    lines = [
        "# Modelkaart: kans om zelf werk te vinden",
        "",
        ("**Wat het doet.** Schat per kandidaat de kans om zonder het programma (zonder "
        "uitnodiging voor een prettig gesprek) een werkervaringsplaats of baan te vinden, per "
        "maand en over een periode. Het verschil dat een uitnodiging maakt en de "
        "maatschappelijke waarde van een uitnodiging rekenen ermee."),
        "",
        ("**Hoe.** Een logistisch model van de kans per maand (discrete-tijd hazardmodel) op de "
        "maanden dat niemand de kandidaat uitnodigde. Kenmerken: trede, soort en duur van de "
        "uitkering, maanden in het bestand, opleiding, taalniveau en eerder betaald werk. "
        "Leeftijd, geslacht, statushouderschap, banenafspraak en nationaliteit zijn geen "
        "kenmerk; ze worden alleen gebruikt om te controleren."),
        "",
        (f"**Gegevens.** {where}; geleerd van {number(check.train_months)} maanden in het bestand "
        f"tot {dutch_date(check.fitted_as_of)} met {check.train_events} keer zelf werk gevonden."),
        "",
        (f"**Getoetst op latere maanden** ({dutch_date(check.fitted_as_of)} tot "
        f"{dutch_date(check.tested_up_to)}, {number(check.test_months)} maanden, "
        f"{check.test_events} keer zelf werk):"),
        "",
        "| | voorspeld per maand | werkelijk per maand | over 6 maanden (voorspeld) | maanden |",
        "|---|---:|---:|---:|---:|",
        (f"| iedereen | {percent(check.predicted_hazard)} | {percent(check.observed_hazard)} | "
        f"{_six(check.predicted_hazard)} | {number(check.test_months)} |"),
    ]
    for row in (*check.by_band, *check.by_group):
        lines.append(f"| {row['label']} | {percent(row['predicted'])} | {percent(row['observed'])} | "
                     f"{_six(row['predicted'])} | {number(row['months'])} |")
    lines += [
        "",
        (f"Kalibratiefout (ECE over tienden van de voorspelling): {number(check.ece, 4)}; "
        f"Brier-score {number(check.brier, 4)}."),
        "",
        ("**Grenzen.** Wie uitgenodigd werd, telt vanaf die maand niet meer mee: het model kent "
        "alleen de tijd zonder programma. Zelf gevonden werk dat niet is vastgelegd, telt als "
        "niet gevonden. Bij weinig maanden of weinig gevonden werk is de schatting grof."),
    ]
    return "\n".join(lines) + "\n"


def log_own_chance(
    check: OwnChanceCheck, *, tracking_uri: str, tags: dict[str, str] | None = None
) -> str:
    """One MLflow run with the check's parameters, metrics and card; returns the run id.

    Raises
    ------
    TrackingError
        The tracking store cannot be reached or refuses a write.
    """
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors("log the own-chance run", uri):
        found = client.get_experiment_by_name(EXPERIMENT)
        experiment_id = found.experiment_id if found is not None else client.create_experiment(EXPERIMENT)
        run_id: str = client.create_run(
            experiment_id, tags={"mlflow.runName": f"own-chance-{check.tested_up_to}", **(tags or {})}
        ).info.run_id
        params = {
            "fitted_as_of": str(check.fitted_as_of), "tested_up_to": str(check.tested_up_to),
            "train_months": str(check.train_months), "train_events": str(check.train_events),
            "test_months": str(check.test_months), "test_events": str(check.test_events),
            "features": ",".join(check.features), "C": str(check.regularisation_c),
        }
        for key, text in params.items():
            client.log_param(run_id, key, text)
        for key, value in check.metrics().items():
            client.log_metric(run_id, metric_key(key), value)
        client.log_dict(run_id, check.to_dict(), "own_chance_card.json")
        client.log_text(run_id, card_markdown(check), "own_chance_card.md")
        client.set_terminated(run_id, "FINISHED")
    logger.info("own-chance check logged as run %s", run_id)
    return run_id
