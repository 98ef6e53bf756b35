"""Event commands: plan a *prettig gesprek*, and record what happened there.

``werkkans plan-event`` makes the invitation list and table plan of a stored
event (JSON, printable HTML, mail-merge CSV; ``--save`` writes the
invitations and planned meetings) through the same use case as the event
page and the API (:func:`services.event_plans.plan_event`), so candidates
without consent are never shown and the plan shown is written to the audit
log. ``werkkans event attendance`` and ``werkkans event follow-up`` record
attendance and follow-ups afterwards. Every rejected request prints one
message with what to change and exits with code 1; nothing is written then.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.commands.common import (
    console,
    fail,
    failing_on,
    load_settings,
    open_store,
    print_json,
    read_prices,
)
from api.commands.options import (
    ActorOption,
    DbOption,
    JsonOption,
    MunicipalityOption,
    TodayOption,
    TrackingOption,
    cli_actor,
    ids,
    parse_today,
)
from matching.records.enums import dutch_date
from matching.report.numbers import euro

if TYPE_CHECKING:
    from matching.events.event_plan import EventPlan
    from matching.records.storage import Store
    from matching.shortlists.engine import ShortlistEngine

event_app = typer.Typer(
    help="Bijeenkomsten opzetten (aanmaken, wijzigen, tafels) en afronden (aanwezigheid, "
    "vervolggesprekken).",
    no_args_is_help=True,
)

PoolOption = Annotated[
    list[str] | None,
    typer.Option(
        help="Nodig alleen uit uit deze kandidaten (standaard: die van de gemeente); "
        "herhaal of scheid met komma's."
    ),
]
MustOption = Annotated[
    list[str] | None,
    typer.Option(help="Kandidaten die altijd uitgenodigd worden; herhaal of scheid met komma's."),
]
NeverOption = Annotated[
    list[str] | None,
    typer.Option(help="Kandidaten die nooit uitgenodigd worden; herhaal of scheid met komma's."),
]
EventOption = Annotated[str, typer.Option("--event", help="De bijeenkomst (id).")]


class InviteObjective(str, Enum):
    """``--objective``: what the invitation list maximises (see PlanControls.invite_by)."""

    CHANCE = "chance"
    NET = "net"
    VALUE = "value"


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    out = []
    for item in ids(values):
        left, sep, right = item.partition(":")
        if not sep or not left or not right:
            fail(f"{option}: {item!r} is niet WERKGEVER:KANDIDAAT")
        out.append((left, right))
    return out


def _seats(values: list[str] | None) -> dict[str, int] | None:
    if not values:
        return None
    out = {}
    for item in ids(values):
        table, sep, n = item.partition("=")
        try:
            out[table] = int(n)
        except ValueError:
            fail(f"--seats: {item!r} is niet TAFEL=PLAATSEN")
        if not sep:
            fail(f"--seats: {item!r} is niet TAFEL=PLAATSEN")
    return out


def open_engine(db: str | None, store: Store, tracking_uri: str | None) -> ShortlistEngine:
    """The shortlist engine with the model in service (tests swap this for a small one)."""
    from services.runtime import open_runtime

    return open_runtime(load_settings(db, tracking_uri).runtime(), store=store).engine


def plan_event_command(
    event: EventOption,
    db: DbOption = None,
    as_json: JsonOption = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Schrijf het afdrukbare tafelplan (A4).")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Schrijf de CSV voor een mailing.")
    ] = None,
    candidates: PoolOption = None,
    must_invite: MustOption = None,
    never_invite: NeverOption = None,
    no_thanks: Annotated[
        list[str] | None,
        typer.Option(
            "--no-thanks",
            help="WERKGEVER:KANDIDAAT die een werkgever liever niet spreekt; herhaalbaar.",
        ),
    ] = None,
    max_events: Annotated[
        int | None,
        typer.Option(
            "--max-events", help="Sla kandidaten over die in de periode al zo vaak uitgenodigd zijn."
        ),
    ] = None,
    period_months: Annotated[
        int, typer.Option("--period-months", help="Maanden voor het maximum en het spreiden.")
    ] = 3,
    spread: Annotated[
        float,
        typer.Option(
            "--spread", help="Waardefactor per recente uitnodiging, in (0, 1]; 1 is uit."
        ),
    ] = 0.7,
    rounds_per_candidate: Annotated[
        int | None,
        typer.Option(
            "--rounds-per-candidate", help="Gesprekken per kandidaat (standaard: alle rondes)."
        ),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", help="Wat als: plan met zoveel rondes.")
    ] = None,
    seats: Annotated[
        list[str] | None,
        typer.Option("--seats", help="Wat als: TAFEL=PLAATSEN; herhaalbaar."),
    ] = None,
    employer_weight: Annotated[
        float,
        typer.Option("--employer-weight", help="Gewicht van de werkgeverskant, in [0, 1]."),
    ] = 0.5,
    reserves: Annotated[
        int, typer.Option("--reserves", help="Reservekandidaten voor wie niet komt.")
    ] = 5,
    exploration: Annotated[
        float,
        typer.Option(
            "--exploration",
            min=0.0,
            max=0.5,
            help="Deel van de vrije plaatsen voor willekeurig gekozen kandidaten (verkenning, "
            "zo blijft het model leren); 0 zet het uit.",
        ),
    ] = 0.1,
    objective: Annotated[
        InviteObjective,
        typer.Option(
            "--objective",
            help="Wie uitnodigen: 'chance' (de beste kans op een goed gesprek), 'net' (het "
            "verschil dat de uitnodiging maakt: de kans als ze komen, maal de kans dat ze "
            "binnen 6 maanden niet zelf werk vinden) of 'value' (maatschappelijke waarde: dat "
            "verschil maal wat werk voor deze persoon waard is, min de kosten).",
        ),
    ] = InviteObjective.CHANCE,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="Aangepaste prijslijst (JSON) voor 'value' (standaard: "
                     "die van de werkruimte, anders de standaardlijst); zie 'stats prices'."),
    ] = None,
    save: Annotated[
        bool,
        typer.Option("--save", help="Sla de uitnodigingen en geplande gesprekken op."),
    ] = False,
    actor: ActorOption = None,
    municipality: MunicipalityOption = None,
    tracking_uri: TrackingOption = None,
) -> None:
    """Uitnodigingslijst en tafelplan voor een prettig gesprek."""
    from matching.events.event_plan_output import write_csv, write_html
    from services.event_plans import PlanRequest, plan_event
    from services.runtime import prepare_store

    settings = load_settings(db, tracking_uri)
    price_list, sroi_settings = read_prices(prices, settings)
    request = PlanRequest(
        candidate_ids=tuple(ids(candidates)) if candidates else None,
        must_invite=tuple(ids(must_invite)),
        never_invite=tuple(ids(never_invite)),
        max_events_per_period=max_events,
        period_months=period_months,
        recency_decay=spread,
        rounds_per_candidate=rounds_per_candidate,
        rounds=rounds,
        seats=_seats(seats),
        no_thanks=tuple(_pairs(no_thanks, "--no-thanks")),
        employer_weight=employer_weight,
        n_reserves=reserves,
        exploration_share=exploration,
        invite_by=objective.value,
        save=save,
        prices=price_list,
        sroi_settings=sroi_settings,
    )
    store = open_store(settings)
    prepare_store(store)
    engine = open_engine(db, store, tracking_uri)
    with failing_on(), console.status("tafelplan maken"):
        shown = plan_event(store, engine, cli_actor(actor, municipality), event, request)
    for path, write in ((html, write_html), (csv_path, write_csv)):
        if path is not None:
            try:
                write(shown.plan, path)
            except OSError as exc:
                fail(f"kan {path} niet schrijven: {exc.strerror or exc}", code=2)
    summary = shown.saved
    if as_json:
        payload = {**shown.shown, "audit_ref": shown.audit_ref}
        if summary is not None:
            payload["saved"] = summary.__dict__ | {"changed": summary.changed}
        print_json(payload)
        return
    _print_plan(shown.plan)
    if summary is not None:
        console.print(
            f"opgeslagen: {summary.invitations_added} uitnodigingen nieuw, "
            f"{summary.invitations_removed} vervallen; {summary.meetings_added} gesprekken nieuw, "
            f"{summary.meetings_changed} gewijzigd, {summary.meetings_removed} vervallen"
        )


def _print_plan(plan: EventPlan) -> None:
    """The table plan for staff: a block per table, a line per round, people by name."""
    from matching.events.event_plan import OBJECTIVE_NL

    def who(cid: str) -> str:
        name = plan.candidate_names.get(cid)
        return f"{name} ({cid})" if name else cid

    per_table = plan.by_table()
    console.print(f"[bold]tafelplan {plan.event.id}[/] ({dutch_date(plan.event.date)}, {plan.event.place})")
    for t in plan.tables:
        table = Table("ronde", "kandidaten", title=f"tafel {t.id}: {plan.employers[t.employer_id].name}",
                      title_justify="left")
        for r in range(plan.rounds):
            table.add_row(str(r + 1), ", ".join(who(m.candidate_id) for m in per_table[t.id][r]) or "-")
        console.print(table)
    console.print(
        f"{len(plan.invited)} uitgenodigd; doel {plan.objective:.3f}, bovengrens "
        f"{plan.lp_bound:.3f} (gat {plan.gap:.2%}), "
        f"eenvoudige toewijzing {plan.greedy_objective:.3f}; "
        f"Gini uitnodigingen {plan.concentration['gini']:.2f}"
    )
    if plan.reserves:
        console.print("reserves: " + ", ".join(map(who, plan.reserves)))
    if any(c.net is not None for c in plan.chances.values()):
        chances = Table(
            "kandidaat", "kans als uitgenodigd", f"kans zonder ({plan.horizon_months} mnd)",
            "verschil dat het maakt", "maatschappelijke waarde",
            title="uitgenodigd op " + OBJECTIVE_NL[plan.invite_by],
        )
        for cid, c in plan.chances.items():
            chances.add_row(who(cid), f"{c.if_invited:.0%}", f"{c.anyway or 0:.0%}",
                            f"{c.net or 0:.0%}", euro(c.value))
        console.print(chances)
    for note in plan.notes:
        console.print(f"[yellow]{note}[/]")


@event_app.command("attendance")
def attendance_command(
    event: EventOption,
    attended: Annotated[
        list[str] | None,
        typer.Option("--attended", help="Kandidaten die er waren; gescheiden door komma's."),
    ] = None,
    absent: Annotated[
        list[str] | None, typer.Option("--absent", help="Kandidaten die er niet waren.")
    ] = None,
    only_listed: Annotated[
        bool,
        typer.Option(
            "--only-listed",
            help="Laat uitgenodigden die niet genoemd zijn ongemoeid "
            "(standaard: die tellen als afwezig).",
        ),
    ] = False,
    db: DbOption = None,
    today: TodayOption = None,
    actor: ActorOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leg vast wie er was; geplande gesprekken van wie er niet was vervallen."""
    from services.events import record_attendance

    present, away = ids(attended), ids(absent)
    if not present and not away:
        fail("geef --attended en/of --absent")
    store = open_store(load_settings(db))
    with failing_on():
        result = record_attendance(
            store,
            cli_actor(actor, municipality),
            event,
            present,
            away,
            rest_absent=not only_listed,
            today=parse_today(today),
        )
    if as_json:
        print_json(result.__dict__)
        return
    console.print(
        f"{event}: {len(result.present)} aanwezig, {len(result.absent)} afwezig; "
        f"{result.meetings_removed} geplande gesprekken vervallen, "
        f"{result.meetings_restored} teruggezet"
    )


@event_app.command("follow-up")
def follow_up_command(
    event: EventOption,
    candidate: Annotated[str, typer.Option("--candidate", help="De kandidaat (id).")],
    employer: Annotated[str, typer.Option("--employer", help="De werkgever (id).")],
    follow_up: Annotated[
        bool, typer.Option("--yes/--no", help="Of beiden een vervolggesprek willen.")
    ] = True,
    db: DbOption = None,
    today: TodayOption = None,
    actor: ActorOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leg vast dat een tafelgesprek tot een vervolggesprek leidt."""
    from services.events import record_follow_up_at_table

    store = open_store(load_settings(db))
    with failing_on():
        meeting = record_follow_up_at_table(
            store,
            cli_actor(actor, municipality),
            event,
            candidate_id=candidate,
            employer_id=employer,
            follow_up=follow_up,
            today=parse_today(today),
        )
    if as_json:
        print_json(meeting.model_dump(mode="json"))
        return
    console.print(
        f"vervolggesprek {'ja' if follow_up else 'nee'}: {candidate} met {employer} "
        f"(ronde {meeting.round}, tafel {meeting.table_id})"
    )


def register(app: typer.Typer) -> None:
    from api.commands import event_setup

    app.command("plan-event")(plan_event_command)
    event_setup.register(event_app)
    app.add_typer(event_app, name="event")
