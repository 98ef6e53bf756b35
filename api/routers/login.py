"""Logging in: OAuth2 password flow giving a signed, expiring access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api import security
from api.auth import Role, User, end_sessions
from api.deps import AnyUser, ApiConfig, ConfigDep, StoreDep, ThrottleDep
from api.openapi import responses
from api.throttle import TooManyAttempts

router = APIRouter(tags=["login"])


class TokenOut(BaseModel):
    access_token: str = Field(description="Signed JWT (HS256); send as 'Authorization: Bearer'.")
    token_type: str = Field("bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until the token expires.", examples=[3600])


class UserOut(BaseModel):
    username: str = Field(examples=["rm.jansen"])
    role: Role
    municipality: str = Field(examples=["GM0855"])


def issue_token(user: User, config: ApiConfig) -> TokenOut:
    token = security.create_access_token(
        username=user.username,
        role=user.role.value,
        municipality=user.municipality,
        secret=config.secret_key,
        minutes=config.token_minutes,
        session=user.session,
    )
    return TokenOut(access_token=token, expires_in=config.token_minutes * 60)


@router.post(
    "/token",
    summary="Log in (OAuth2 password flow)",
    response_model=TokenOut,
    responses=responses(401, 429),
)
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    config: ConfigDep,
    throttle: ThrottleDep,
) -> TokenOut:
    """Send `username` and `password` as form fields; get an access token back.

    After 5 failed attempts for a username from one address within 15 minutes
    (20 over all names from one address), that address is refused with 429 and
    a `Retry-After` header, without checking the password; over all addresses,
    attempts for a name slow down (at most 60 s apart), never a lock."""
    address = request.client.host if request.client else None
    try:
        user = throttle.authenticate(form.username, form.password, address)
    except TooManyAttempts as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(exc),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return issue_token(user, config)


@router.get(
    "/users/me",
    summary="Who am I",
    response_model=UserOut,
    tags=["users"],
    responses=responses(401),
)
def me(user: AnyUser) -> UserOut:
    """The logged-in user, their role and municipality."""
    return UserOut(username=user.username, role=user.role, municipality=user.municipality)


@router.post(
    "/users/me/logout",
    summary="Log out",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    responses=responses(401),
)
def logout(request: Request, user: AnyUser, store: StoreDep) -> None:
    """End this account's logins: every token issued to it so far stops working, here and
    on the web pages (other worker processes notice within 5 seconds)."""
    end_sessions(store, user.username)
    request.app.state.user_cache.clear()
