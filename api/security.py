"""Passwords (bcrypt), access tokens (JWT, HS256) and CSRF tokens for the pages.

Pure functions of their inputs: the secret and the lifetime come from the
settings through the app factory, never from module state.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import bcrypt
import jwt

ALGORITHM = "HS256"
BCRYPT_ROUNDS = 12
#: bcrypt only looks at the first 72 bytes; longer passwords are refused, not cut.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_LENGTH = 10



@functools.lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    """Compared against when the user does not exist: as costly as a real account's hash,
    so a wrong name takes as long as a wrong password."""
    return bcrypt.hashpw(b"werkkans-dummy-password", bcrypt.gensalt(rounds))


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


def verify_password(password: str, hashed: str | None, *, rounds: int = BCRYPT_ROUNDS) -> bool:
    """Whether ``password`` matches ``hashed``; a missing hash still costs a bcrypt check
    of ``rounds`` (the cost of the accounts' hashes)."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        encoded = encoded[:MAX_PASSWORD_BYTES]
        hashed = None  # never matches, but costs the same
    try:
        if hashed is None:
            bcrypt.checkpw(encoded, _dummy_hash(rounds))
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
    session: int = 0


def create_access_token(
    *,
    username: str,
    role: str,
    municipality: str,
    secret: str,
    minutes: int,
    session: int = 0,
    now: dt.datetime | None = None,
) -> str:
    """A signed token naming the user, their role and municipality, valid ``minutes``;
    ``session`` is the account's session version (a logout raises it, ending the token)."""
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
        "ses": session,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str, max_minutes: int | None = None) -> TokenClaims:
    """Check signature, expiry, lifetime (at most ``max_minutes`` from issue to expiry)
    and shape; raise :class:`TokenError` saying what is wrong.

    Staff send the same token with every request of the day: what does not change with
    the time is checked once per token (:func:`_verified`, the last 4,096 tokens), expiry
    every time.
    """
    claims = _verified(token, secret, max_minutes)
    if claims.expires_at.timestamp() <= time.time():
        raise TokenError("token has expired; log in again")
    return claims


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str, max_minutes: int | None) -> TokenClaims:
    """:func:`decode_access_token` for a token that has not expired yet; a token found
    good stays good until it expires (a refused one is checked again). Verifying the
    signature and claims on every request was some 3 % of the workers' Python in the load
    test's reads (60 µs a request); a token checked before takes under 1 µs."""
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
    issued, expires = payload.get("iat"), payload["exp"]
    if not isinstance(issued, int) or issued > time.time() + 60:
        raise TokenError("token is issued in the future")
    if max_minutes is not None and expires - issued > max_minutes * 60:
        raise TokenError(f"token lives longer than the {max_minutes} minutes a login may last")
    fields = (payload.get("sub"), payload.get("role"), payload.get("mun"), payload.get("jti"))
    if not all(isinstance(f, str) and f for f in fields):
        raise TokenError("token is missing user, role or municipality")
    session = payload.get("ses", 0)
    if not isinstance(session, int):
        raise TokenError("token has an invalid session")
    return TokenClaims(
        username=payload["sub"],
        role=payload["role"],
        municipality=payload["mun"],
        token_id=payload["jti"],
        session=session,
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
