"""Logging in: OAuth2 password flow giving a signed, expiring access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api import security
from api.auth import Role
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


def issue_token(username: str, role: str, municipality: str, config: ApiConfig) -> TokenOut:
    token = security.create_access_token(
        username=username,
        role=role,
        municipality=municipality,
        secret=config.secret_key,
        minutes=config.token_minutes,
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
    store: StoreDep,
    config: ConfigDep,
    throttle: ThrottleDep,
) -> TokenOut:
    """Send `username` and `password` as form fields; get an access token back.

    After 5 failed attempts for a username within 15 minutes (20 from one
    address), logins for it are refused with 429 and a `Retry-After` header,
    without checking the password."""
    address = request.client.host if request.client else None
    try:
        user = throttle.authenticate(store, form.username, form.password, address)
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
    return issue_token(user.username, user.role.value, user.municipality, config)


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
