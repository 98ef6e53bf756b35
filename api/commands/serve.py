"""Run the HTTP service, and manage its user accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.commands.common import DbOption, console, fail, open_store, settings

users_app = typer.Typer(help="User accounts of the web service and API.", no_args_is_help=True)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Worker processes (each loads the model and index; "
            "needs WERKKANS_SECRET_KEY so they share logins).",
        ),
    ] = 1,
) -> None:
    """Start the web service and API (uvicorn). Pages at /, API documentation at /docs."""
    import os

    import uvicorn

    from api.app import create_app
    from matching.records.storage import StoreError

    config = settings(db)
    if workers > 1:
        if not config.secret_key:
            fail(
                "--workers needs WERKKANS_SECRET_KEY: every worker must sign with the same key",
                code=2,
            )
        # each worker builds its app from the environment (api.app.app_from_env)
        os.environ["WERKKANS_DB"] = config.db_url
        console.print(f"werkkans luistert op http://{host}:{port} met {workers} processen")
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            proxy_headers=False,
            server_header=False,
        )
        return
    if not config.secret_key:
        console.print(
            "[yellow]let op:[/] WERKKANS_SECRET_KEY is niet gezet; er wordt een tijdelijke "
            "sleutel gebruikt en iedereen moet opnieuw inloggen na een herstart."
        )
    try:
        with console.status("tekstmodel en index laden"):
            app = create_app(config)
    except StoreError as exc:
        fail(str(exc), code=2)
    console.print(f"werkkans luistert op http://{host}:{port} (API-documentatie: /docs)")
    uvicorn.run(
        app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False
    )


def add_user(
    username: Annotated[str, typer.Option("--username", help="Login name.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="relationship_manager, event_organiser, data_scientist or administrator.",
        ),
    ],
    municipality: Annotated[
        str, typer.Option("--municipality", help="Municipality code, e.g. GM0855.")
    ],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Password (avoid on shared machines: it ends up in the shell history). "
            "Default: $WERKKANS_USER_PASSWORD, else asked.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an account; the password is stored as a bcrypt hash."""
    from api.auth import UserExists, create_user

    password = password or getattr(settings(db), "user_password", None)
    if not password:
        password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    store = open_store(db)
    try:
        user = create_user(
            store, username=username, password=password, role=role, municipality=municipality
        )
    except UserExists as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    console.print(f"gebruiker {user.username} ({user.role.value}, {user.municipality}) aangemaakt")


def list_users(db: DbOption = None) -> None:
    """List the accounts (never the password hashes)."""
    import sqlalchemy as sa

    from api.auth import ensure_tables, users_table

    store = open_store(db, create=False)
    ensure_tables(store)
    table = Table("gebruiker", "rol", "gemeente", "uitgeschakeld")
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                users_table.c.username,
                users_table.c.role,
                users_table.c.municipality,
                users_table.c.disabled,
            ).order_by(users_table.c.username)
        ).all()
    for row in rows:
        table.add_row(row.username, row.role, row.municipality, "ja" if row.disabled else "nee")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    users_app.command("add")(add_user)
    users_app.command("list")(list_users)
    app.add_typer(users_app, name="users")
