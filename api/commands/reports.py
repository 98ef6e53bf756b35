"""Report commands: ``werkkans report`` (the outcome report) and ``werkkans stats chi2|prices``
(the chi-square calculator and the social-value price list), through the same use cases
as the pages and the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import (
    console,
    fail,
    failing_on,
    load_settings,
    open_store,
    out,
    print_json,
    read_prices,
)
from api.commands.options import DbOption, JsonOption, MunicipalityOption

stats_app = typer.Typer(help="Statistiek: chi-kwadraattoets en prijslijst.", no_args_is_help=True)


def report(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="2026, 2026-Q1, 2026-03 of 2025-06:2026-05; standaard de laatste 12 hele maanden.",
        ),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Het HTML-bestand om te schrijven.")
    ] = None,
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="Aangepaste prijslijst (JSON; standaard die van de "
                     "werkruimte); zie 'stats prices'."),
    ] = None,
    goals: Annotated[
        str | None, typer.Option("--goals", help='Doelen als JSON, bijv. \'{"jobs": 30}\'.')
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="Map van een gesimuleerde gemeente: toon het ware effect."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Het uitkomstenrapport: kengetallen, trechter, netto-effect, SROI en eerlijkheid."""
    import datetime as dt

    from matching.report.kpis import Goals
    from matching.report.period import last_months, parse_period
    from services import reports

    if period is None:
        period = last_months(dt.date.today())
        console.print(f"periode: {period} (de laatste 12 hele maanden)")
    try:
        parse_period(period)
    except ValueError:
        fail(f"--period {period!r}: schrijf een jaar (2026), kwartaal (2026-Q1), maand (2026-03) "
             "of maandreeks (2025-06:2026-05)")
    if out_file is None and not as_json:
        fail("geef --out rapport.html en/of --json")
    settings = load_settings(db)
    price_list, sroi_settings = read_prices(prices, settings)
    goal_values = Goals()
    if goals:
        try:
            goal_values = Goals.from_mapping(json.loads(goals))
        except (ValueError, TypeError) as exc:
            fail(f"--goals: {exc}")
    store = open_store(settings)
    with failing_on(), console.status("rapport maken"):
        result = reports.outcome_report(
            store,
            period,
            municipality=municipality,
            goals=goal_values,
            prices=price_list,
            sroi_settings=sroi_settings,
            truth_dir=truth,
        )
        if out_file is not None:
            reports.write_report(result, out_file)
    if out_file is not None:
        console.print(f"rapport geschreven naar {out_file}")
    if as_json:
        print_json(result.to_dict())


@stats_app.command("chi2")
def stats_chi2(
    table: Annotated[
        str,
        typer.Option("--table", help='Aantallen, rijen gescheiden door "/": "12 30 / 7 41".'),
    ],
    yates: Annotated[
        bool, typer.Option("--yates", help="Yates-correctie (alleen bij 2x2).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Chi-kwadraattoets op onafhankelijkheid van een ingetypte kruistabel."""
    from services.statistics import chi_square

    with failing_on(as_json=as_json):
        result = chi_square(table, correction=yates).result
    payload = {
        "chi2": result.chi2,
        "df": result.df,
        "p": result.p,
        "n": result.n,
        "cramers_v": result.cramers_v,
        "expected": result.expected.tolist(),
        "correction": result.correction,
        "warning": result.warning,
    }
    if as_json:
        print_json(payload)
        return
    out.print(
        f"chi-kwadraat = {result.chi2:.3f}, df = {result.df}, p = {result.p:.4g}, "
        f"n = {result.n}, Cramérs V = {result.cramers_v:.3f}"
    )
    if result.warning:
        console.print(f"[yellow]let op:[/] {result.warning}")


@stats_app.command("prices")
def stats_prices(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Schrijf de JSON naar dit bestand.")
    ] = None,
) -> None:
    """De standaardprijslijst van de SROI met bronnen, als JSON voor 'report --prices'."""
    from matching.sroi.prices import PriceList

    text = json.dumps(PriceList().to_dict(), ensure_ascii=False, indent=2)
    if out_file is None:
        typer.echo(text)
        return
    out_file.write_text(text + "\n", encoding="utf-8")
    console.print(f"prijslijst geschreven naar {out_file}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(stats_app, name="stats")
