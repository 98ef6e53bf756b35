"""Event commands: plan a *prettig gesprek*, and record what happened there.

``werkkans plan-event`` makes the invitation list and table plan of a stored
event (JSON, printable HTML, mail-merge CSV; ``--save`` writes the
invitations and planned meetings). ``werkkans event attendance`` and
``werkkans event follow-up`` record attendance and follow-ups afterwards.
Every rejected request prints one message with what to change and exits
with code 1; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.commands.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    failing_on,
    open_store,
    print_json,
    settings,
)
from matching.records.storage import Store

event_app = typer.Typer(help="Na de bijeenkomst: aanwezigheid en vervolggesprekken.",
                        no_args_is_help=True)


def _ids_option(help: str):  # noqa: ANN202, A002
    return Annotated[
        list[str] | None, typer.Option(help=f"{help}; repeat or separate with commas.")
    ]


PoolOption = _ids_option("Invite only from these candidates (default: the municipality's)")
MustOption = _ids_option("Candidate ids always invited")
NeverOption = _ids_option("Candidate ids never invited")

TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date of today, YYYY-MM-DD (default: the real date).")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who records this (kept in the history).")
]


def _ids(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--today: {value!r} is geen datum (JJJJ-MM-DD)")


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    out = []
    for item in _ids(values):
        left, sep, right = item.partition(":")
        if not sep or not left or not right:
            fail(f"{option}: {item!r} is not EMPLOYER:CANDIDATE")
        out.append((left, right))
    return out


def _seats(values: list[str] | None) -> dict[str, int] | None:
    if not values:
        return None
    out = {}
    for item in _ids(values):
        table, sep, n = item.partition("=")
        try:
            out[table] = int(n)
        except ValueError:
            fail(f"--seats: {item!r} is not TABLE=SEATS")
        if not sep:
            fail(f"--seats: {item!r} is not TABLE=SEATS")
    return out


def open_engine(db: str | None, store: Store, tracking_uri: str | None):  # noqa: ANN201
    """The shortlist engine with the model in service (tests swap this for a small one)."""
    from api.services import open_services

    return open_services(settings(db, tracking_uri=tracking_uri), store=store).engine


def plan_event_command(
    event: Annotated[str, typer.Option("--event", help="Event id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the printable plan (A4).")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the mail-merge CSV.")
    ] = None,
    candidates: PoolOption = None,
    must_invite: MustOption = None,
    never_invite: NeverOption = None,
    no_thanks: Annotated[
        list[str] | None,
        typer.Option("--no-thanks", help="EMPLOYER:CANDIDATE an employer declined; repeatable."),
    ] = None,
    max_events: Annotated[
        int | None,
        typer.Option("--max-events", help="Skip candidates invited this often in the period."),
    ] = None,
    period_months: Annotated[
        int, typer.Option("--period-months", help="Months for the cap and spreading.")
    ] = 3,
    spread: Annotated[
        float,
        typer.Option("--spread", help="Value factor per recent invitation, (0, 1]; 1 is off."),
    ] = 0.7,
    rounds_per_candidate: Annotated[
        int | None,
        typer.Option("--rounds-per-candidate", help="Conversations each (default: all rounds)."),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", help="What-if: plan this many rounds.")
    ] = None,
    seats: Annotated[
        list[str] | None, typer.Option("--seats", help="What-if: TABLE=SEATS; repeatable.")
    ] = None,
    employer_weight: Annotated[
        float, typer.Option("--employer-weight", help="Weight of the employer side in [0, 1].")
    ] = 0.5,
    reserves: Annotated[int, typer.Option("--reserves", help="Reserves for no-shows.")] = 5,
    save: Annotated[
        bool, typer.Option("--save", help="Write the invitations and planned meetings.")
    ] = False,
    actor: ActorOption = "cli",
    tracking_uri: Annotated[
        str | None, typer.Option("--tracking-uri", help="MLflow store with the model.")
    ] = None,
) -> None:
    """Invitation list and table plan for a prettig gesprek."""
    from matching.events.event_plan import PlanControls
    from matching.events.event_plan_output import write_csv, write_html
    from matching.events.event_planning import plan_event
    from matching.events.event_records import save_plan
    from matching.events.table_plan_problem import PlanningError
    from matching.shortlists.shortlist import ShortlistError

    with failing_on(ValueError):
        controls = PlanControls(
            candidate_ids=tuple(_ids(candidates)) if candidates else None,
            must_invite=frozenset(_ids(must_invite)),
            never_invite=frozenset(_ids(never_invite)),
            max_events_per_period=max_events,
            period_months=period_months,
            recency_decay=spread,
            rounds_per_candidate=rounds_per_candidate,
            rounds=rounds,
            seats=_seats(seats),
            no_thanks=frozenset(_pairs(no_thanks, "--no-thanks")),
            employer_weight=employer_weight,
            n_reserves=reserves,
        )
    store = open_store(db)
    engine = open_engine(db, store, tracking_uri)
    with failing_on(PlanningError, ShortlistError):
        with console.status("tafelplan maken"):
            plan = plan_event(store, engine, event, controls)
        summary = save_plan(store, plan, actor=actor) if save else None
    for path, write in ((html, write_html), (csv_path, write_csv)):
        if path is not None:
            try:
                write(plan, path)
            except OSError as exc:
                fail(f"cannot write {path}: {exc.strerror or exc}", code=2)
    if as_json:
        payload = plan.to_dict()
        if summary is not None:
            payload["saved"] = summary.__dict__ | {"changed": summary.changed}
        print_json(payload)
        return
    _print_plan(plan)
    if summary is not None:
        console.print(
            f"opgeslagen: {summary.invitations_added} uitnodigingen nieuw, "
            f"{summary.invitations_removed} vervallen; {summary.meetings_added} gesprekken nieuw, "
            f"{summary.meetings_changed} gewijzigd, {summary.meetings_removed} vervallen"
        )


def _print_plan(plan) -> None:  # noqa: ANN001
    names = {e: emp.name for e, emp in plan.employers.items()}
    table = Table("ronde", *(f"{t.id} {names[t.employer_id]}" for t in plan.tables),
                  title=f"tafelplan {plan.event.id} ({plan.event.date})")
    per_table = plan.by_table()
    for r in range(plan.rounds):
        table.add_row(str(r + 1), *(", ".join(m.candidate_id for m in per_table[t.id][r])
                                    for t in plan.tables))
    console.print(table)
    console.print(
        f"{len(plan.invited)} uitgenodigd; doel {plan.objective:.3f}, bovengrens "
        f"{plan.lp_bound:.3f} (gat {plan.gap:.2%}), "
        f"eenvoudige toewijzing {plan.greedy_objective:.3f}; "
        f"Gini uitnodigingen {plan.concentration['gini']:.2f}"
    )
    if plan.reserves:
        console.print("reserves: " + ", ".join(plan.reserves))
    for note in plan.notes:
        console.print(f"[yellow]{note}[/]")


@event_app.command("attendance")
def attendance_command(
    event: Annotated[str, typer.Option("--event", help="Event id.")],
    attended: Annotated[
        list[str] | None, typer.Option("--attended", help="Candidates who came; comma-separated.")
    ] = None,
    absent: Annotated[
        list[str] | None, typer.Option("--absent", help="Candidates who did not come.")
    ] = None,
    only_listed: Annotated[
        bool, typer.Option("--only-listed", help="Leave invited candidates not listed untouched "
                           "(default: they are recorded as absent).")
    ] = False,
    db: DbOption = None,
    today: TodayOption = None,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Record who came; meetings of those who did not are removed from the plan."""
    from matching.events.event_records import record_event_attendance
    from matching.outcomes.recording import OutcomeError

    present, away = _ids(attended), _ids(absent)
    if not present and not away:
        fail("give --attended and/or --absent")
    store = open_store(db)
    with failing_on(OutcomeError):
        result = record_event_attendance(store, event, present, away, rest_absent=not only_listed,
                                         today=_today(today), actor=actor)
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
    event: Annotated[str, typer.Option("--event", help="Event id.")],
    candidate: Annotated[str, typer.Option("--candidate", help="Candidate id.")],
    employer: Annotated[str, typer.Option("--employer", help="Employer id.")],
    follow_up: Annotated[
        bool, typer.Option("--yes/--no", help="Whether both want a follow-up conversation.")
    ] = True,
    db: DbOption = None,
    today: TodayOption = None,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Record that a table conversation leads to a follow-up conversation."""
    from matching.events.event_records import record_table_follow_up
    from matching.outcomes.recording import OutcomeError

    store = open_store(db)
    with failing_on(OutcomeError):
        meeting = record_table_follow_up(store, event, candidate, employer, follow_up,
                                         today=_today(today), actor=actor)
    if as_json:
        print_json(meeting.model_dump(mode="json"))
        return
    console.print(f"vervolggesprek {'ja' if follow_up else 'nee'}: {candidate} met {employer} "
                  f"(ronde {meeting.round}, tafel {meeting.table_id})")


def register(app: typer.Typer) -> None:
    app.command("plan-event")(plan_event_command)
    app.add_typer(event_app, name="event")
