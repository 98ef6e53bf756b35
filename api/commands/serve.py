"""Run the HTTP service, and manage its user accounts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from api.commands.common import console, fail, load_settings, open_store
from api.commands.options import DbOption

users_app = typer.Typer(
    help="Gebruikersaccounts van de webpagina's en de API.", no_args_is_help=True
)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Poort om op te luisteren.")] = 8000,
    log_level: Annotated[str, typer.Option(help="Logniveau van uvicorn.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Aantal werkprocessen (elk laadt het model en de index; "
            "vraagt WERKKANS_SECRET_KEY zodat ze dezelfde logins delen).",
        ),
    ] = 1,
    proxy: Annotated[
        str | None,
        typer.Option(
            help="Adres(sen) van de reverse proxy ervoor, met komma's: zijn X-Forwarded-For "
            "geeft dan het adres van de gebruiker (voor de limiet op inlogpogingen).",
        ),
    ] = None,
) -> None:
    """Start de webpagina's en de API (uvicorn). Pagina's op /, API-documentatie op /docs."""
    import os

    import uvicorn

    from api.app import create_app
    from matching.records.storage import StoreError

    config = load_settings(db)
    # behind a proxy every request comes from the proxy's address: trust its header, or the
    # login limit per address would hold back everyone at once
    http: dict[str, Any] = {
        "host": host, "port": port, "log_level": log_level, "server_header": False,
        "proxy_headers": bool(proxy), "forwarded_allow_ips": proxy or None,
    }
    if workers > 1:
        if not config.secret_key:
            fail(
                "--workers vraagt WERKKANS_SECRET_KEY: elk werkproces moet met dezelfde sleutel "
                "tekenen",
                code=2,
            )
        # each worker builds its app from the environment (api.app.app_from_env)
        os.environ["WERKKANS_DB"] = config.db_url
        console.print(f"werkkans luistert op http://{host}:{port} met {workers} processen")
        uvicorn.run("api.app:app_from_env", factory=True, workers=workers, **http)
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
    uvicorn.run(app, **http)


def add_user(
    username: Annotated[str, typer.Option("--username", help="Gebruikersnaam.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="relationship_manager (relatiemanager), event_organiser (organisator "
            "bijeenkomsten), data_scientist of administrator (beheerder).",
        ),
    ],
    municipality: Annotated[
        str, typer.Option("--municipality", help="Gemeentecode, bijv. GM0855.")
    ],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Wachtwoord (liever niet op gedeelde machines: het komt in de "
            "shellgeschiedenis). Standaard: $WERKKANS_USER_PASSWORD, anders wordt het gevraagd.",
        ),
    ] = None,
    db: DbOption = None,
    create: Annotated[
        bool,
        typer.Option("--create", help="Maak de database als die nog niet bestaat."),
    ] = False,
) -> None:
    """Maak een account; het wachtwoord wordt als bcrypt-hash bewaard."""
    from api.auth import UserExists, create_user

    config = load_settings(db)
    password = password or config.user_password
    if not password:
        password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    store = open_store(config, create=create)
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
    """Toon de accounts (nooit de wachtwoord-hashes)."""
    import sqlalchemy as sa

    from api.auth import ensure_tables, users_table

    store = open_store(load_settings(db))
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


UsernameArgument = Annotated[str, typer.Argument(help="Gebruikersnaam.")]


def disable_user(username: UsernameArgument, db: DbOption = None) -> None:
    """Schakel een account uit: inloggen kan niet meer en lopende sessies eindigen direct."""
    from api.auth import set_disabled

    if not set_disabled(open_store(load_settings(db)), username, True):
        fail(f"gebruiker {username} bestaat niet")
    console.print(f"gebruiker {username} uitgeschakeld; lopende sessies zijn beëindigd")


def enable_user(username: UsernameArgument, db: DbOption = None) -> None:
    """Schakel een account weer in (de gebruiker logt opnieuw in)."""
    from api.auth import set_disabled

    if not set_disabled(open_store(load_settings(db)), username, False):
        fail(f"gebruiker {username} bestaat niet")
    console.print(f"gebruiker {username} ingeschakeld")


def reset_password(
    username: UsernameArgument,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Nieuw wachtwoord (standaard: $WERKKANS_USER_PASSWORD, anders wordt het gevraagd).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Geef een account een nieuw wachtwoord; lopende sessies eindigen."""
    from api import security
    from api.auth import reset_password as reset

    config = load_settings(db)
    password = password or config.user_password
    if not password:
        password = typer.prompt("Nieuw wachtwoord", hide_input=True, confirmation_prompt=True)
    try:
        security.check_password_strength(password)
    except ValueError:
        fail(
            f"een wachtwoord heeft {security.MIN_PASSWORD_LENGTH} tot "
            f"{security.MAX_PASSWORD_BYTES} tekens (bytes in UTF-8)"
        )
    if not reset(open_store(config), username, password):
        fail(f"gebruiker {username} bestaat niet")
    console.print(f"wachtwoord van {username} vervangen; lopende sessies zijn beëindigd")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    users_app.command("add")(add_user)
    users_app.command("list")(list_users)
    users_app.command("disable")(disable_user)
    users_app.command("enable")(enable_user)
    users_app.command("reset-password")(reset_password)
    app.add_typer(users_app, name="users")
