"""Users, roles and what each role may do: the role matrix lives here and only here.

Accounts are kept in the ``api_users`` table on the store's shared metadata.
Every user belongs to exactly one municipality and has exactly one role; the
API shows a user only their own municipality's records (another
municipality's record answers 404, as if it did not exist).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter, ValidationError

from api import security
from matching.records.schemas import MunicipalityCode
from matching.records.storage import Store, metadata
from services.actor import Actor

__all__ = [
    "ROLE_MATRIX",
    "Permission",
    "Role",
    "User",
    "UserExists",
    "allowed",
    "authenticate",
    "create_user",
    "end_sessions",
    "get_user",
    "reset_password",
    "roles_for",
    "set_disabled",
]


class Role(str, Enum):
    RELATIONSHIP_MANAGER = "relationship_manager"
    EVENT_ORGANISER = "event_organiser"
    DATA_SCIENTIST = "data_scientist"
    ADMINISTRATOR = "administrator"


class Permission(str, Enum):
    CANDIDATES_READ = "candidates:read"
    CANDIDATES_WRITE = "candidates:write"
    CANDIDATES_ERASE = "candidates:erase"
    CANDIDATES_EXPORT = "candidates:export"  # everything held about one, for their right of access
    CANDIDATES_HEALTH = "candidates:health"  # see limits and help_needed
    RECORD_HISTORY = "records:history"
    EMPLOYERS_READ = "employers:read"
    EMPLOYERS_WRITE = "employers:write"
    WORK_NEEDS_READ = "work_needs:read"
    WORK_NEEDS_WRITE = "work_needs:write"
    SHORTLISTS_VIEW = "shortlists:view"
    OVERRIDES_WRITE = "overrides:write"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    OUTCOMES_READ = "outcomes:read"
    OUTCOMES_WRITE = "outcomes:write"
    REPORTS_READ = "reports:read"
    STATS_USE = "stats:use"
    MODELS_READ = "models:read"
    MODELS_MANAGE = "models:manage"
    AUDIT_READ = "audit:read"


_RM = Role.RELATIONSHIP_MANAGER
_EO = Role.EVENT_ORGANISER
_DS = Role.DATA_SCIENTIST
_AD = Role.ADMINISTRATOR
_ALL = frozenset(Role)

#: Which roles hold which permission. Every endpoint except /health and /token
#: names exactly one permission; docs/api.md prints this table.
ROLE_MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.CANDIDATES_READ: frozenset({_RM, _EO, _AD}),
    Permission.CANDIDATES_WRITE: frozenset({_RM, _AD}),
    Permission.CANDIDATES_ERASE: frozenset({_AD}),
    Permission.CANDIDATES_EXPORT: frozenset({_RM, _AD}),
    Permission.CANDIDATES_HEALTH: frozenset({_RM, _AD}),
    Permission.RECORD_HISTORY: frozenset({_RM, _AD}),
    Permission.EMPLOYERS_READ: frozenset({_RM, _EO, _AD}),
    Permission.EMPLOYERS_WRITE: frozenset({_RM, _AD}),
    Permission.WORK_NEEDS_READ: frozenset({_RM, _EO, _AD}),
    Permission.WORK_NEEDS_WRITE: frozenset({_RM, _AD}),
    Permission.SHORTLISTS_VIEW: frozenset({_RM, _AD}),
    Permission.OVERRIDES_WRITE: frozenset({_RM, _AD}),
    Permission.EVENTS_READ: frozenset({_RM, _EO, _AD}),
    Permission.EVENTS_WRITE: frozenset({_EO, _AD}),
    Permission.OUTCOMES_READ: frozenset({_RM, _EO, _AD}),
    Permission.OUTCOMES_WRITE: frozenset({_RM, _EO, _AD}),
    Permission.REPORTS_READ: _ALL,
    Permission.STATS_USE: _ALL,
    Permission.MODELS_READ: frozenset({_DS, _AD}),
    Permission.MODELS_MANAGE: frozenset({_DS, _AD}),
    Permission.AUDIT_READ: frozenset({_AD}),
}

def allowed(role: Role | str, permission: Permission) -> bool:
    try:
        return Role(role) in ROLE_MATRIX[permission]
    except ValueError:
        return False


def roles_for(permission: Permission) -> list[str]:
    return sorted(r.value for r in ROLE_MATRIX[permission])


# ---- accounts --------------------------------------------------------------------------------

users_table = sa.Table(
    "api_users",
    metadata,
    sa.Column("username", sa.String(80), primary_key=True),
    sa.Column("password_hash", sa.String(100), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("municipality", sa.String(40), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # raised by a logout, a password reset or disabling: every token issued before stops working
    sa.Column("session_version", sa.Integer, nullable=False, default=0, server_default="0"),
)

_MUNICIPALITY: TypeAdapter[str] = TypeAdapter(MunicipalityCode)
USERNAME_PATTERN = r"^[A-Za-z0-9_.@\-]{2,80}$"


class UserExists(ValueError):
    """An account with this username already exists."""


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    municipality: str
    disabled: bool = False
    session: int = 0

    def can(self, permission: Permission) -> bool:
        return allowed(self.role, permission)

    @property
    def sees_health(self) -> bool:
        """May see candidates' limits and support needs (:data:`services.records.HEALTH_FIELDS`)."""
        return self.can(Permission.CANDIDATES_HEALTH)

    @property
    def actor(self) -> Actor:
        """This user as the use cases know them."""
        return Actor(self.username, self.role.value, self.municipality, self.sees_health)


def ensure_tables(store: Store) -> None:
    store.create_tables([users_table])
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns(users_table.name)}
    if "session_version" not in columns:  # accounts made before logouts ended sessions
        with store.transaction() as conn:
            conn.execute(
                sa.text("ALTER TABLE api_users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")
            )


def create_user(
    store: Store,
    *,
    username: str,
    password: str,
    role: Role | str,
    municipality: str,
    rounds: int = security.BCRYPT_ROUNDS,
) -> User:
    """Create an account; raises ValueError on a bad name, role, municipality or password."""
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise ValueError(f"username {username!r} must be 2-80 letters, digits or . _ - @")
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(
            f"role must be one of {', '.join(r.value for r in Role)}, got {role!r}"
        ) from None
    try:
        _MUNICIPALITY.validate_python(municipality)
    except ValidationError:
        raise ValueError(
            f"municipality {municipality!r} is not a valid municipality code"
        ) from None
    hashed = security.hash_password(password, rounds=rounds)
    ensure_tables(store)
    try:
        with store.transaction() as conn:
            conn.execute(
                users_table.insert().values(
                    username=username,
                    password_hash=hashed,
                    role=role.value,
                    municipality=municipality,
                    disabled=False,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
    except sa.exc.IntegrityError:
        raise UserExists(f"user {username!r} already exists") from None
    return User(username=username, role=role, municipality=municipality)


def _row_to_user(row: sa.RowMapping) -> User | None:
    try:
        role = Role(row["role"])
    except ValueError:
        return None  # a role this version does not know grants nothing
    return User(
        username=row["username"],
        role=role,
        municipality=row["municipality"],
        disabled=bool(row["disabled"]),
        session=int(row["session_version"] or 0),
    )


def get_user(store: Store, username: str) -> User | None:
    with store.reading() as conn:
        row = (
            conn.execute(sa.select(users_table).where(users_table.c.username == username))
            .mappings()
            .first()
        )
    return _row_to_user(row) if row else None


def end_sessions(store: Store, username: str) -> bool:
    """Make every token issued to ``username`` so far invalid (logout); False: no such user."""
    return _update_user(store, username, session_version=users_table.c.session_version + 1)


def set_disabled(store: Store, username: str, disabled: bool) -> bool:
    """Disable (ending their sessions) or enable an account; False: no such user."""
    return _update_user(
        store, username, disabled=disabled, session_version=users_table.c.session_version + 1
    )


def reset_password(
    store: Store, username: str, password: str, *, rounds: int = security.BCRYPT_ROUNDS
) -> bool:
    """Set a new password and end the account's sessions; False: no such user.

    Raises ValueError when the password is too short or too long.
    """
    hashed = security.hash_password(password, rounds=rounds)
    return _update_user(
        store, username, password_hash=hashed, session_version=users_table.c.session_version + 1
    )


def _update_user(store: Store, username: str, **values: Any) -> bool:
    ensure_tables(store)
    with store.transaction() as conn:
        changed = conn.execute(
            users_table.update().where(users_table.c.username == username).values(**values)
        ).rowcount
    return bool(changed)


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when name and password match and the account is enabled, else None."""
    with store.engine.connect() as conn:
        row = (
            conn.execute(sa.select(users_table).where(users_table.c.username == username))
            .mappings()
            .first()
        )
    hashed = row["password_hash"] if row else None
    if not security.verify_password(password, hashed) or row is None:
        return None
    user = _row_to_user(row)
    if user is None or user.disabled:
        return None
    return user
