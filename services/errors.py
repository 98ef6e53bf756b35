"""Why a use case refuses a request, independent of the front end that asked.

The HTTP service turns these into status codes (404, 409, 422, 503), the web
pages into an error page or a message on the form, the command line into a
message and an exit code. Messages are English sentences for the API; the
fields (``kind``, ``record_id``, ``issues``) let a front end word them in its
own language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AuditUnavailable",
    "Conflict",
    "InvalidInput",
    "Issue",
    "NotFound",
    "Unavailable",
    "UseCaseError",
]


class UseCaseError(Exception):
    """A request a use case refuses; nothing was written."""


class NotFound(UseCaseError):
    """The record does not exist, or belongs to another municipality (which reads the same).

    Parameters
    ----------
    kind : str
        What was looked for, in English words (``"work need"``, ``"event"``).
    record_id : str
    message : str, optional
        A sentence saying more than "<kind> <id> not found".
    """

    def __init__(self, kind: str, record_id: str, message: str | None = None) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(message or f"{kind} {record_id} not found")


@dataclass(frozen=True)
class Issue:
    """One problem with the input: where (``("body", "hours")``), what, and its type."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"

    @property
    def field(self) -> str:
        return str(self.loc[-1]) if self.loc else ""


class InvalidInput(UseCaseError):
    """The input cannot be used as given; one :class:`Issue` per problem.

    Examples
    --------
    >>> str(InvalidInput.of("k", "k must be >= 1, got 0", where="query"))
    'k: k must be >= 1, got 0'
    """

    def __init__(self, issues: Sequence[Issue], *, dutch: str | None = None) -> None:
        if not issues:
            raise ValueError("InvalidInput needs at least one issue")
        self.issues = tuple(issues)
        self.dutch = dutch  # the same for staff, where the domain worded it in Dutch
        super().__init__("; ".join(f"{i.field}: {i.msg}" if i.field else i.msg for i in issues))

    @classmethod
    def of(
        cls, field: str, message: str, *, where: str = "body", dutch: str | None = None
    ) -> InvalidInput:
        """One problem with one field of the request ``where`` (body, query or path)."""
        return cls([Issue((where, field), message)], dutch=dutch)

    @property
    def field(self) -> str:
        """The field of the first problem."""
        return self.issues[0].field

    @property
    def message(self) -> str:
        """The message of the first problem."""
        return self.issues[0].msg


class Conflict(UseCaseError):
    """The request contradicts what is stored (an id in use, a plan already held, ...);
    ``dutch`` is the message for staff where it differs."""

    def __init__(self, message: str, *, dutch: str | None = None) -> None:
        super().__init__(message)
        self.dutch = dutch


class Unavailable(UseCaseError):
    """Something the use case needs cannot be reached (the model registry, ...)."""


class AuditUnavailable(Unavailable):
    """What was asked cannot be shown: its audit-log entry could not be committed in time."""
