"""Tests for matching.sroi.calculation, sroi_inputs and sroi_prices on hand-computed cases with a round-number
price list."""

from __future__ import annotations

import json
import random

import pytest

from matching.sroi.calculation import compute_sroi, run_scenarios
from matching.sroi.inputs import (
    STAKEHOLDERS,
    CostLine,
    JobGroup,
    SroiInputs,
    deadweight_from_comparison,
)
from matching.sroi.prices import Price, PriceList

# Round numbers so every expected euro below can be checked with pencil and paper.
TOY = {
    "bijstand_per_year": 20000,
    "bijstand_net_per_year": 15000,
    "ww_per_year": 25000,
    "ww_net_per_year": 18000,
    "minimum_wage_per_year": 20000,
    "employer_charges_per_fte_year": 4000,  # wage cost 24,000
    "employee_tax_per_fte_year": 2000,  # net wage 18,000
    "wellbeing_per_person_year": 5000,
    "productivity_factor": 0.8,
    "wep_productivity_factor": 0.5,
    "wage_subsidy_per_fte_year": 6000,
    "job_coach_per_placement": 4000,
    "wep_supervision_per_year": 2400,
}
# One full-time job from bijstand for one person-year, by line:
ONE_JOB = {
    "bijstand_saving": 20000.0,  # net wage 18,000 >= benefit 15,000: benefit ends
    "productivity": 19200.0,  # 0.8 * 24,000
    "wage_cost": -24000.0,
    "taxes_premiums": 6000.0,  # 4,000 + 2,000
    "net_income_gain": 3000.0,  # 18,000 - 15,000
    "wellbeing": 5000.0,
}
ONE_JOB_TOTAL = 29200.0


@pytest.fixture
def prices() -> PriceList:
    return PriceList.from_mapping(TOY)


def _inputs(**kwargs) -> SroiInputs:
    base = {"jobs": (JobGroup(1),), "discount_rate": 0.0, "costs": (CostLine("staff", 1, 10000.0),)}
    base.update(kwargs)
    return SroiInputs(**base)


# ------------------------------------------------------------- hand-computed


def test_one_job_one_year_no_discounting(prices):
    res = compute_sroi(_inputs(), prices)
    assert res.benefits_by_line == pytest.approx(ONE_JOB)
    assert res.by_stakeholder == pytest.approx(
        {"municipality": 20000, "central_government": 6000, "employer": -4800, "candidate": 8000}
    )
    assert res.total_benefits == pytest.approx(ONE_JOB_TOTAL)
    assert res.total_costs == pytest.approx(10000)
    assert res.ratio == pytest.approx(2.92)
    assert res.net_present_value == pytest.approx(19200)
    assert res.net_by_stakeholder["municipality"] == pytest.approx(10000)
    # Transfers cancel: what is left is production + wellbeing + saved administration.
    assert res.total_benefits == pytest.approx(19200 + 5000 + (20000 - 15000))


def test_every_line_is_traceable(prices):
    res = compute_sroi(_inputs(), prices)
    for line in res.lines:
        assert line.year == 1 and line.quantity == 1.0
        assert line.deadweight == 0.0 and line.attribution == 1.0
        assert line.drop_off_factor == 1.0 and line.discount_factor == 1.0
        assert line.present_value == pytest.approx(line.quantity * line.unit_value)
        assert line.basis and line.unit
    (cost,) = res.costs
    assert (cost.name, cost.payer) == ("staff", "municipality")
    assert cost.amount == cost.present_value == 10000


def test_two_years_discounted_at_2_25_percent(prices):
    res = compute_sroi(_inputs(duration_years=2, discount_rate=0.0225), prices)
    assert res.benefits_by_year == pytest.approx({1: ONE_JOB_TOTAL, 2: ONE_JOB_TOTAL})
    assert res.present_value_by_year == pytest.approx(
        {1: ONE_JOB_TOTAL, 2: ONE_JOB_TOTAL / 1.0225}, rel=1e-12
    )
    assert res.total_benefits == pytest.approx(29200 + 28557.457212713936, rel=1e-12)
    assert res.total_costs == pytest.approx(10000)  # year-1 costs are not discounted
    assert SroiInputs().discount_rate == 0.0225


def test_costs_in_a_later_year_are_discounted(prices):
    later = (CostLine("aftercare", 2, 500.0, year=2),)
    res = compute_sroi(_inputs(discount_rate=0.0225, costs=later), prices)
    assert res.total_costs == pytest.approx(1000 / 1.0225)


def test_part_time_job_reduces_the_benefit_by_the_net_wage(prices):
    res = compute_sroi(_inputs(jobs=(JobGroup(1, fte=0.5),)), prices)
    # Net wage 9,000 < benefit 15,000: 60 % of the benefit ends, no net income gain.
    assert res.benefits_by_line == pytest.approx(
        {
            "bijstand_saving": 12000,
            "productivity": 9600,
            "wage_cost": -12000,
            "taxes_premiums": 3000,
            "wellbeing": 5000,
        }
    )
    assert "net_income_gain" not in res.benefits_by_line
    assert res.total_benefits == pytest.approx(17600)


def test_job_from_ww_saves_central_government(prices):
    res = compute_sroi(_inputs(jobs=(JobGroup(1, prior_benefit="ww"),)), prices)
    assert res.benefits_by_line["ww_saving"] == pytest.approx(25000)
    assert "bijstand_saving" not in res.benefits_by_line
    assert res.by_stakeholder["municipality"] == 0
    assert res.by_stakeholder["central_government"] == pytest.approx(31000)
    assert res.total_benefits == pytest.approx(19200 + 5000 + (25000 - 18000))


def test_job_without_prior_benefit(prices):
    res = compute_sroi(_inputs(jobs=(JobGroup(1, prior_benefit="none"),)), prices)
    assert res.benefits_by_line["net_income_gain"] == pytest.approx(18000)
    assert res.total_benefits == pytest.approx(24200)


def test_wage_subsidy_moves_money_from_municipality_to_employer(prices):
    plain = compute_sroi(_inputs(), prices)
    res = compute_sroi(_inputs(jobs=(JobGroup(1, subsidised=1),)), prices)
    assert res.by_stakeholder["municipality"] == pytest.approx(20000 - 6000)
    assert res.by_stakeholder["employer"] == pytest.approx(-4800 + 6000)
    assert res.total_benefits == pytest.approx(plain.total_benefits)
    assert res.total_costs == pytest.approx(plain.total_costs)  # a transfer, not a cost


def test_coaching_and_wep_supervision_are_programme_costs(prices):
    res = compute_sroi(
        _inputs(jobs=(JobGroup(2, coached=1),), weps=2, wep_months=6, wep_fte=0.5, costs=()),
        prices,
    )
    costs = {c.name: c.amount for c in res.costs}
    assert costs == pytest.approx({"job_coach": 4000, "wep_supervision": 2 * 0.5 * 2400})
    # 2 places x half a year = 1 place-year; 0.5 fte x 0.5 x 24,000 of production.
    assert res.benefits_by_line["wep_productivity"] == pytest.approx(6000)
    assert res.benefits_by_line["wep_wellbeing"] == pytest.approx(5000)
    assert res.total_benefits == pytest.approx(2 * ONE_JOB_TOTAL + 11000)


def test_deadweight_and_attribution_scale_every_benefit_line(prices):
    res = compute_sroi(_inputs(deadweight=0.25, attribution=0.8), prices)
    assert res.benefits_by_line == pytest.approx({k: v * 0.75 * 0.8 for k, v in ONE_JOB.items()})
    assert res.total_benefits == pytest.approx(17520)
    assert res.total_costs == pytest.approx(10000)  # costs were really spent
    for line in res.lines:
        assert (line.deadweight, line.attribution) == (0.25, 0.8)


def test_wep_deadweight_can_differ(prices):
    res = compute_sroi(_inputs(weps=2, deadweight=0.5, deadweight_wep=1.0), prices)
    assert "wep_productivity" in res.benefits_by_line
    assert res.benefits_by_line["wep_productivity"] == 0
    assert res.total_benefits == pytest.approx(ONE_JOB_TOTAL * 0.5)


def test_retention_and_drop_off(prices):
    job = JobGroup(4, sustained_6m=2, sustained_12m=1)
    assert job.person_years(1) == pytest.approx(2 * 0.25 + 1 * 0.75 + 1)
    assert job.person_years(2) == 1
    res = compute_sroi(_inputs(jobs=(job,), duration_years=3, drop_off=0.5), prices)
    assert res.benefits_by_year == pytest.approx(
        {1: 2.25 * ONE_JOB_TOTAL, 2: 0.5 * ONE_JOB_TOTAL, 3: 0.25 * ONE_JOB_TOTAL}
    )
    assert {line.drop_off_factor for line in res.lines if line.year == 3} == {0.25}


def test_stakeholder_split_sums_to_total_and_transfers_cancel(prices):
    rng = random.Random(11)
    for _ in range(30):
        jobs = []
        for i in range(rng.randint(1, 4)):
            count = rng.randint(1, 30)
            s6 = rng.randint(0, count)
            jobs.append(JobGroup(
                count, fte=rng.choice([0.3, 0.5, 0.8, 1.0]),
                prior_benefit=rng.choice(["bijstand", "ww", "none"]),
                sustained_6m=s6, sustained_12m=rng.randint(0, s6),
                subsidised=rng.randint(0, count), coached=rng.randint(0, count), label=f"g{i}",
            ))
        inputs = SroiInputs(
            jobs=tuple(jobs), weps=rng.randint(0, 20), duration_years=rng.randint(1, 5),
            deadweight=rng.random() * 0.5,
            attribution=rng.uniform(0.5, 1),
            drop_off=rng.random() * 0.3,
            costs=(
                CostLine("staff", 1000, 75.0),
                CostLine("rijk", 1, 5000.0, payer="central_government"),
            ),
        )
        res = compute_sroi(inputs, prices)
        assert sum(res.by_stakeholder.values()) == pytest.approx(res.total_benefits)
        assert sum(res.costs_by_payer.values()) == pytest.approx(res.total_costs)
        assert sum(res.net_by_stakeholder.values()) == pytest.approx(res.net_present_value)
        assert sum(res.benefits_by_line.values()) == pytest.approx(res.total_benefits)
        assert sum(res.present_value_by_year.values()) == pytest.approx(res.total_benefits)
        real = {"productivity", "wellbeing", "wep_productivity", "wep_wellbeing"}
        transfers = sum(v for k, v in res.benefits_by_line.items() if k not in real)
        # What survives of the transfers is the administration no longer needed.
        admin_share = {"bijstand_saving": 5000 / 20000, "ww_saving": 7000 / 25000}
        saved_admin = sum(
            line.present_value * admin_share[line.name]
            for line in res.lines
            if line.name in admin_share
        )
        assert transfers == pytest.approx(saved_admin, abs=1e-6)


def test_ratio_is_none_without_costs(prices):
    res = compute_sroi(_inputs(costs=()), prices)
    assert res.ratio is None and res.net_present_value == pytest.approx(ONE_JOB_TOTAL)


# ------------------------------------------------------------------ scenarios


def test_scenarios_change_exactly_what_they_should(prices):
    inputs = _inputs(attribution=0.5)
    table = run_scenarios(
        inputs,
        prices,
        {
            "attributie 75%": {"attribution": 0.75},
            "attributie 100%": {"attribution": 1.0},
            "kosten -10%": {"cost_factor": 0.9},
            "geen welzijn": {"wellbeing_per_person_year": 0},
        },
    )
    assert table.names == (
        "basis", "attributie 75%", "attributie 100%", "kosten -10%", "geen welzijn"
    )
    base = table["basis"]
    assert base.total_benefits == pytest.approx(ONE_JOB_TOTAL * 0.5)
    assert table["attributie 75%"].total_benefits == pytest.approx(ONE_JOB_TOTAL * 0.75)
    assert table["attributie 100%"].total_benefits == pytest.approx(ONE_JOB_TOTAL)
    for name in ("attributie 75%", "attributie 100%", "geen welzijn"):
        assert table[name].total_costs == pytest.approx(base.total_costs)
    cheaper = table["kosten -10%"]
    assert cheaper.total_costs == pytest.approx(9000)
    assert cheaper.total_benefits == pytest.approx(base.total_benefits)
    assert cheaper.ratio == pytest.approx(base.ratio / 0.9)
    no_wellbeing = table["geen welzijn"]
    assert no_wellbeing.total_benefits == pytest.approx(base.total_benefits - 2500)
    assert "wellbeing" not in no_wellbeing.benefits_by_line
    # Overrides start from the base each time and leave the base objects alone.
    assert inputs.attribution == 0.5 and prices.wellbeing_per_person_year.value == 5000
    rows = table.rows()
    assert [r["scenario"] for r in rows] == list(table.names)
    assert rows[1]["overrides"] == {"attribution": 0.75}
    assert rows[3]["total_costs"] == pytest.approx(9000)


def test_scenarios_without_base_and_with_duration(prices):
    table = run_scenarios(_inputs(), prices, {"2 jaar": {"duration_years": 2}}, base_name=None)
    assert table.names == ("2 jaar",)
    assert table["2 jaar"].benefits_by_year == pytest.approx({1: ONE_JOB_TOTAL, 2: ONE_JOB_TOTAL})


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ({"x": {"atribution": 0.7}}, "scenario 'x': unknown override 'atribution'"),
        ({"x": {"attribution": 1.7}}, "scenario 'x': attribution must be a number between 0 and 1"),
        ({"x": {"wellbeing_per_person_year": -1}}, "scenario 'x': price 'wellbeing_per_person"),
        ({"basis": {"attribution": 0.7}}, "scenario name 'basis' is used twice"),
    ],
)
def test_bad_scenarios_are_rejected_by_name(prices, scenarios, message):
    with pytest.raises(ValueError, match=message):
        run_scenarios(_inputs(), prices, scenarios)


# ----------------------------------------------------------------- price list


def test_default_prices_have_sources_and_documented_values():
    prices = PriceList()
    assert prices.bijstand_per_year.value == 24174
    assert prices.ww_per_year.value == 25692
    assert prices.minimum_wage_per_year.value == 22500
    # 62.9 % rated below average (valued at 75 %), the rest at 100 %.
    assert prices.productivity_factor.value == pytest.approx(0.629 * 0.75 + 0.371, abs=0.005)
    for name in PriceList.names():
        price = getattr(prices, name)
        assert isinstance(price, Price) and price.value > 0
        assert price.unit and len(price.source) > 30


def test_price_list_round_trips_through_dict_and_json(prices):
    assert PriceList.from_mapping(prices.to_dict()) == prices
    assert PriceList.from_json(json.dumps(prices.to_dict())) == prices
    assert PriceList.from_mapping(TOY).wellbeing_per_person_year.source == "supplied price list"


def test_price_list_from_csv_text():
    text = "name;value;unit;source\n" + "\n".join(
        f"{k};{str(v).replace('.', ',')};;eigen cijfer" for k, v in TOY.items()
    )
    prices = PriceList.from_csv_text(text)
    assert prices.productivity_factor.value == 0.8
    assert prices.bijstand_per_year.source == "eigen cijfer"
    dutch = "name;value\nbijstand_per_year;24.174\nww_per_year;25.692,50\n"
    from_dutch = PriceList.from_csv_text(dutch, complete=False)
    assert from_dutch.bijstand_per_year.value == 24174
    assert from_dutch.ww_per_year.value == 25692.5
    comma = "name,value\nwellbeing_per_person_year,1234\n"
    assert PriceList.from_csv_text(comma, complete=False).wellbeing_per_person_year.value == 1234


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**TOY, "wellbeing_per_person_year": -5}, "price 'wellbeing_per_person_year' must be"),
        ({k: v for k, v in TOY.items() if k != "ww_per_year"}, "missing price 'ww_per_year'"),
        ({**TOY, "ww_per_year": "veel"}, "price 'ww_per_year' must be a number"),
        ({**TOY, "ww_per_year": ""}, "price 'ww_per_year' is missing a value"),
        ({**TOY, "ww_per_year": None}, "price 'ww_per_year' is missing a value"),
        ({**TOY, "ww_per_year": float("inf")}, "price 'ww_per_year' must be a finite number"),
        ({**TOY, "ww_per_year": {"source": "x"}}, "price 'ww_per_year' has no 'value'"),
        ({**TOY, "uitkering": 1}, "unknown price 'uitkering'"),
    ],
)
def test_bad_price_list_names_the_price(data, message):
    with pytest.raises(ValueError, match=message):
        PriceList.from_mapping(data)


def test_bad_price_files_name_the_problem():
    with pytest.raises(ValueError, match="not valid JSON"):
        PriceList.from_json("{bijstand: 1")
    with pytest.raises(ValueError, match="'name' and 'value'"):
        PriceList.from_csv_text("naam,waarde\nx,1\n")
    with pytest.raises(ValueError, match="price 'job_coach_per_placement' must be >= 0"):
        PriceList.from_csv_text("name,value\njob_coach_per_placement,-10\n", complete=False)
    with pytest.raises(ValueError, match="price 'ww_per_year' must be >= 0"):
        PriceList(ww_per_year=Price(-1.0, "euro", "x"))
    with pytest.raises(ValueError, match="unknown price 'salaris'"):
        PriceList().with_values(salaris=1)


# --------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SroiInputs(attribution=1.5), "attribution must be a number between 0 and 1"),
        (lambda: SroiInputs(deadweight=-0.1), "deadweight must be"),
        (lambda: SroiInputs(drop_off=2), "drop_off must be"),
        (lambda: SroiInputs(deadweight_wep=1.1), "deadweight_wep must be"),
        (lambda: SroiInputs(discount_rate=1.5), "discount_rate must be"),
        (lambda: SroiInputs(duration_years=0), "duration_years must be"),
        (lambda: SroiInputs(cost_factor=-1), "cost_factor must be"),
        (lambda: SroiInputs(weps=-2), "weps must be a whole number"),
        (lambda: SroiInputs(wep_months=13), "wep_months must be"),
        (lambda: SroiInputs(jobs=(JobGroup(1), JobGroup(2))), "label 'bijstand 1 fte' is used"),
        (lambda: SroiInputs(jobs=({"count": 1},)), r"jobs\[0\] must be a JobGroup"),
        (lambda: JobGroup(-1), "count must be a whole number"),
        (lambda: JobGroup(2.5), "count must be a whole number"),
        (lambda: JobGroup(3, fte=0), r"fte must be a number in \(0, 1\]"),
        (lambda: JobGroup(3, prior_benefit="aow"), "prior_benefit must be"),
        (lambda: JobGroup(3, sustained_6m=4), r"sustained_6m \(4\) cannot exceed count \(3\)"),
        (lambda: JobGroup(3, sustained_6m=1, sustained_12m=2), r"sustained_12m \(2\) cannot"),
        (lambda: JobGroup(3, subsidised=4), r"subsidised \(4\) cannot exceed count"),
        (lambda: JobGroup(3, coached=5), r"coached \(5\) cannot exceed count"),
        (lambda: CostLine("events", 3, -100.0), "cost line 'events': unit_cost must be a number"),
        (lambda: CostLine("events", 3, 100.0, payer="uwv"), "cost line 'events': payer must be"),
        (lambda: CostLine("events", 3, 100.0, year=0), "cost line 'events': year must be"),
    ],
)
def test_bad_inputs_name_the_field(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_deadweight_from_comparison_group():
    assert deadweight_from_comparison(0.158, 0.036) == pytest.approx(0.036 / 0.158)
    assert deadweight_from_comparison(0.149, 0.252) == 1.0  # comparison group did better: no effect
    with pytest.raises(ValueError, match="rate_programme must be > 0"):
        deadweight_from_comparison(0.0, 0.1)
    with pytest.raises(ValueError, match="rate_comparison must be"):
        deadweight_from_comparison(0.5, 1.2)


def test_stakeholders_are_the_four_parties():
    assert STAKEHOLDERS == ("municipality", "central_government", "employer", "candidate")
