"""Passwords (bcrypt), access tokens (JWT, HS256) and CSRF tokens for the pages.

Pure functions of their inputs: the secret and the lifetime come from the
settings through the app factory, never from module state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import bcrypt
import jwt

ALGORITHM = "HS256"
BCRYPT_ROUNDS = 12
#: bcrypt only looks at the first 72 bytes; longer passwords are refused, not cut.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_LENGTH = 10

# compared against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY_HASH = bcrypt.hashpw(b"werkkans-dummy-password", bcrypt.gensalt(4))


class TokenError(ValueError):
    """The token cannot be used; the message says why (expired, bad signature, ...)."""


def check_password_strength(password: str) -> None:
    """Raise ValueError when a new password is too short or too long for bcrypt."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")


def hash_password(password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    """bcrypt hash of a new password (checked for length first)."""
    check_password_strength(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str | None) -> bool:
    """Whether ``password`` matches ``hashed``; a missing hash still costs a bcrypt check."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        encoded = encoded[:MAX_PASSWORD_BYTES]
        hashed = None  # never matches, but costs the same
    try:
        if hashed is None:
            bcrypt.checkpw(encoded, _DUMMY_HASH)
            return False
        return bcrypt.checkpw(encoded, hashed.encode("ascii"))
    except ValueError:
        return False


@dataclass(frozen=True)
class TokenClaims:
    username: str
    role: str
    municipality: str
    token_id: str
    expires_at: dt.datetime


def create_access_token(
    *,
    username: str,
    role: str,
    municipality: str,
    secret: str,
    minutes: int,
    now: dt.datetime | None = None,
) -> str:
    """A signed token naming the user, their role and municipality, valid ``minutes``."""
    if minutes < 1:
        raise ValueError(f"minutes must be >= 1, got {minutes}")
    issued = now or dt.datetime.now(dt.UTC)
    payload = {
        "sub": username,
        "role": role,
        "mun": municipality,
        "jti": secrets.token_hex(12),
        "iat": int(issued.timestamp()),
        "exp": int((issued + dt.timedelta(minutes=minutes)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    """Check signature, expiry and shape; raise :class:`TokenError` saying what is wrong."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token has expired; log in again") from None
    except jwt.InvalidSignatureError:
        raise TokenError("token signature is invalid") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"token is invalid: {exc}") from None
    if payload.get("typ") != "access":
        raise TokenError("token is not an access token")
    fields = (payload.get("sub"), payload.get("role"), payload.get("mun"), payload.get("jti"))
    if not all(isinstance(f, str) and f for f in fields):
        raise TokenError("token is missing user, role or municipality")
    return TokenClaims(
        username=payload["sub"],
        role=payload["role"],
        municipality=payload["mun"],
        token_id=payload["jti"],
        expires_at=dt.datetime.fromtimestamp(payload["exp"], dt.UTC),
    )


def csrf_token(session_token: str, *, secret: str) -> str:
    """Form token bound to the session: an HMAC of the session token."""
    return hmac.new(
        secret.encode("utf-8"), b"csrf:" + session_token.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def csrf_valid(session_token: str, submitted: str | None, *, secret: str) -> bool:
    if not submitted:
        return False
    return hmac.compare_digest(csrf_token(session_token, secret=secret), submitted)


def generate_secret() -> str:
    """A fresh random signing secret (for demos and when none is configured)."""
    return secrets.token_urlsafe(48)
