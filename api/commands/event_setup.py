"""Setting up a *prettig gesprek* from the command line: create, change and cancel, tables,
and invitations to the hosts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from api.commands.common import failing_on, load_settings, open_store, out, print_json
from api.commands.options import ActorOption, DbOption, JsonOption, MunicipalityOption, cli_actor
from api.wording import invalid_in_dutch

DateOption = Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Datum (JJJJ-MM-DD).")]
PlaceOption = Annotated[str | None, typer.Option("--place", help="Waar (bijv. de werkgever die ontvangt).")]
RoundsOption = Annotated[int | None, typer.Option("--rounds", help="Aantal gespreksrondes.")]
MinutesOption = Annotated[int | None, typer.Option("--minutes", help="Minuten per ronde.")]
MaxOption = Annotated[int | None, typer.Option("--max-candidates", help="Hoogstens zoveel kandidaten.")]
PostcodeOption = Annotated[str | None, typer.Option("--postcode", help="Postcode van de plek.")]


def _given(**values: Any) -> dict[str, Any]:
    return {k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in values.items() if v is not None}


M = TypeVar("M", bound=BaseModel)


def _body(model: type[M], values: dict[str, Any]) -> M:
    """The request the use case takes; a refused value reads as a Dutch message."""
    try:
        return model(**values)
    except ValidationError as exc:
        raise invalid_in_dutch(exc) from None


def create(
    event_id: Annotated[str, typer.Argument(help="Kenmerk van de nieuwe bijeenkomst, bijv. ev2027-01.")],
    date: DateOption = None,
    place: PlaceOption = None,
    rounds: RoundsOption = None,
    minutes: MinutesOption = None,
    max_candidates: MaxOption = None,
    postcode: PostcodeOption = None,
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Maak een nieuwe bijeenkomst; voeg daarna tafels toe met 'werkkans event table-add'."""
    from matching.records.schemas import Event
    from services import record_models, records

    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        body = _body(record_models.input_model(Event), _given(
            id=event_id, date=date, place=place, rounds=rounds, minutes_per_round=minutes,
            max_candidates=max_candidates, postcode=postcode, municipality=municipality,
        ))
        event = records.create(store, Event, body, cli_actor(actor, municipality))
    _done(event, as_json, f"bijeenkomst {event.id} op {event.date:%d-%m-%Y} in {event.place} aangemaakt")


def change(
    event_id: Annotated[str, typer.Argument(help="De bijeenkomst.")],
    date: DateOption = None,
    place: PlaceOption = None,
    rounds: RoundsOption = None,
    minutes: MinutesOption = None,
    max_candidates: MaxOption = None,
    postcode: PostcodeOption = None,
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Wijzig datum, plek, rondes of het aantal kandidaten van een bijeenkomst."""
    from matching.records.schemas import Event
    from services import record_models, records

    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        changes = _body(record_models.patch_model(Event), _given(
            date=date, place=place, rounds=rounds, minutes_per_round=minutes,
            max_candidates=max_candidates, postcode=postcode,
        ))
        event = records.patch(store, Event, event_id, changes, cli_actor(actor, municipality))
    _done(event, as_json, f"bijeenkomst {event.id} gewijzigd")


def cancel(
    event_id: Annotated[str, typer.Argument(help="De bijeenkomst die niet doorgaat.")],
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
) -> None:
    """Laat een bijeenkomst vervallen, met haar tafels; kan niet meer zodra er uitgenodigd is."""
    from matching.records.schemas import Event, EventTable
    from services import records

    store = open_store(load_settings(db))
    with failing_on():
        records.delete(store, Event, event_id, cli_actor(actor, municipality), cascade=(EventTable,))
    out.print(f"bijeenkomst {event_id} vervallen")


def table_add(
    event_id: Annotated[str, typer.Argument(help="De bijeenkomst.")],
    employer: Annotated[str, typer.Option("--employer", help="De werkgever die de tafel heeft.")],
    seats: Annotated[int, typer.Option("--seats", help="Plaatsen aan de tafel (1-50).")] = 4,
    table_id: Annotated[
        str | None, typer.Option("--table", help="Kenmerk van de tafel (standaard: bijeenkomst-t<n>).")
    ] = None,
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Zet een tafel neer voor een werkgever."""
    from services import events

    store = open_store(load_settings(db))
    who = cli_actor(actor, municipality)
    with failing_on(as_json=as_json):
        if table_id is None:
            table_id = events.free_table_id(store, who, event_id)
        table = events.add_table(
            store, who, event_id,
            _body(events.TableIn, {"id": table_id, "employer_id": employer, "seats": seats}),
        )
    _done(table, as_json, f"tafel {table.id} voor werkgever {table.employer_id} ({table.seats} plaatsen)")


def table_remove(
    event_id: Annotated[str, typer.Argument(help="De bijeenkomst.")],
    table_id: Annotated[str, typer.Argument(help="De tafel.")],
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
) -> None:
    """Haal een tafel weg (kan niet meer zodra er gesprekken aan gepland zijn)."""
    from services import events

    store = open_store(load_settings(db))
    with failing_on():
        events.remove_table(store, cli_actor(actor, municipality), event_id, table_id)
    out.print(f"tafel {table_id} weggehaald")


def hosts(
    event_id: Annotated[str, typer.Argument(help="De bijeenkomst.")],
    csv_path: Annotated[
        Path | None,
        typer.Option("--csv", help="Schrijf een CSV voor samenvoegen (contactpersoon, e-mail, tekst)."),
    ] = None,
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Nodig de contactpersonen van de werkgevers aan tafel uit: per werkgever een uitnodiging."""
    from matching.events.event_plan_output import CSV_DELIMITER
    from matching.records.csv_io import neutralise_formula
    from services import events

    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        invitations = events.host_invitations(store, cli_actor(None, municipality), event_id)
    if as_json:
        print_json([i.model_dump(mode="json") for i in invitations])
        return
    if csv_path is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        writer.writerow(["werkgever", "contactpersoon", "email", "telefoon", "tafels", "plaatsen",
                         "onderwerp", "tekst"])
        for i in invitations:
            writer.writerow([neutralise_formula(v) for v in (
                i.employer_name, i.contact_name, i.contact_email, i.contact_phone,
                " ".join(i.tables), str(i.seats), i.subject, i.body,
            )])
        csv_path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
        out.print(f"{len(invitations)} uitnodiging(en) geschreven naar {csv_path}")
        return
    table = Table("werkgever", "contactpersoon", "e-mail", "telefoon", "plaatsen",
                  title=f"uitnodigingen aan de werkgevers van {event_id}")
    for i in invitations:
        table.add_row(i.employer_name, i.contact_name or "-", i.contact_email or "-",
                      i.contact_phone or "-", str(i.seats))
    out.print(table)
    if invitations:
        out.print(f"\n[bold]{invitations[0].subject}[/]\n{invitations[0].body}")


def _done(record: Any, as_json: bool, message: str) -> None:
    if as_json:
        print_json(record.model_dump(mode="json"))
    else:
        out.print(message)


def register(event_app: typer.Typer) -> None:
    event_app.command("create")(create)
    event_app.command("change")(change)
    event_app.command("hosts")(hosts)
    event_app.command("cancel")(cancel)
    event_app.command("table-add")(table_add)
    event_app.command("table-remove")(table_remove)
