"""Who asks: the person (or command line) a use case acts for, and their scope."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMMAND_LINE_ROLE", "Actor"]

#: The role written to the audit log for work done on the command line.
COMMAND_LINE_ROLE = "command_line"


@dataclass(frozen=True)
class Actor:
    """The user a use case acts for.

    Attributes
    ----------
    username : str
        Written to the record history and the audit log (``"rm.jansen"``,
        ``"cli:anna"`` on the command line).
    role : str
        The role's code, written to the audit log.
    municipality : str or None
        The only municipality whose records they see. None means every
        municipality: someone on the command line with the database itself
        at hand; use cases then work in the municipality of the record asked
        about.
    sees_health : bool
        Whether candidates' limits and support needs (health information)
        may be shown to them.

    Examples
    --------
    >>> Actor("cli:anna", COMMAND_LINE_ROLE, None, sees_health=True).municipality is None
    True
    """

    username: str
    role: str
    municipality: str | None
    sees_health: bool = False
