"""Login, tokens and the role matrix."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from api_helpers import HOME, PASSWORD, SECRET, token_for

from api import security
from api.app import _PUBLIC, _permission_of, api_routes
from api.auth import ROLE_MATRIX, Permission, Role, users_table


def test_login_gives_a_working_token(client, users):
    r = client.post(
        "/token", data={"username": users["relationship_manager"], "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert claims["role"] == "relationship_manager" and claims["mun"] == HOME
    me = client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {
        "username": "relationship",
        "role": "relationship_manager",
        "municipality": HOME,
    }


@pytest.mark.parametrize(
    "username,password", [("relationship", "wrong password!"), ("nobody", PASSWORD), ("", "")]
)
def test_bad_login_is_401(client, users, username, password):
    r = client.post("/token", data={"username": username, "password": password})
    assert r.status_code in (401, 422)
    if r.status_code == 401:
        assert r.json() == {"detail": "incorrect username or password"}
        assert r.headers["www-authenticate"] == "Bearer"


def test_password_is_stored_as_bcrypt_hash(store, users):
    with store.engine.connect() as conn:
        hashed = conn.execute(users_table.select()).mappings().first()["password_hash"]
    assert hashed.startswith("$2") and PASSWORD not in hashed
    assert security.verify_password(PASSWORD, hashed)
    assert not security.verify_password(PASSWORD + "x", hashed)


def test_no_token_expired_forged_or_stale_tokens_are_401(client, users, store):
    assert client.get("/candidates").status_code == 401
    assert "Authorization" in client.get("/candidates").json()["detail"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    expired = token_for("relationship", "relationship_manager", now=past, minutes=5)
    r = client.get("/candidates", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    forged = token_for("relationship", "relationship_manager", secret="another-secret-" + "y" * 30)
    r = client.get("/candidates", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and "signature" in r.json()["detail"]
    # alg=none and a tampered role claim
    unsigned = jwt.encode(
        {
            "sub": "relationship",
            "role": "administrator",
            "mun": HOME,
            "exp": 9999999999,
            "iat": 1,
            "jti": "x",
            "typ": "access",
        },
        key=None,
        algorithm="none",
    )
    assert (
        client.get("/candidates", headers={"Authorization": f"Bearer {unsigned}"}).status_code
        == 401
    )
    promoted = token_for("relationship", "administrator")  # signed, but the account is an RM
    r = client.get("/candidates", headers={"Authorization": f"Bearer {promoted}"})
    assert r.status_code == 401 and "role" in r.json()["detail"]
    ghost = token_for("ghost", "administrator")
    assert (
        client.get("/candidates", headers={"Authorization": f"Bearer {ghost}"}).status_code == 401
    )
    garbage = client.get("/candidates", headers={"Authorization": "Bearer not.a.jwt"})
    assert garbage.status_code == 401
    with store.transaction() as conn:
        conn.execute(users_table.update().values(disabled=True))
    client.app.state.user_cache.clear()  # accounts are re-read at most every few seconds
    fresh = token_for("relationship", "relationship_manager")
    assert (
        client.get("/candidates", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    )


def test_a_token_checked_before_is_refused_once_it_expires(monkeypatch):
    import time

    now = dt.datetime.now(dt.UTC)
    token = token_for("relationship", "relationship_manager", now=now, minutes=5)
    claims = security.decode_access_token(token, secret=SECRET, max_minutes=60)
    assert claims.username == "relationship"
    assert security.decode_access_token(token, secret=SECRET, max_minutes=60) == claims
    with pytest.raises(security.TokenError, match="lives longer"):  # checked per lifetime allowed
        security.decode_access_token(token, secret=SECRET, max_minutes=4)
    with pytest.raises(security.TokenError, match="signature"):  # and per secret
        security.decode_access_token(token, secret="another-secret-" + "y" * 30, max_minutes=60)
    later = now.timestamp() + 5 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(security.TokenError, match="expired"):
        security.decode_access_token(token, secret=SECRET, max_minutes=60)


def test_a_role_calling_another_roles_endpoint_is_403_and_changes_nothing(client, auth, store):
    before = store.snapshot()
    organiser = auth("event_organiser")
    r = client.post("/candidates", headers=organiser, json={"id": "X1"})
    assert r.status_code == 403
    assert r.json()["detail"].startswith("role event_organiser may not use this endpoint")
    assert "candidates:write" in r.json()["detail"]
    assert client.get("/models", headers=auth("relationship_manager")).status_code in (403, 404)
    assert client.get("/audit", headers=auth("relationship_manager")).status_code == 403
    assert client.get("/audit", headers=auth("data_scientist")).status_code == 403
    assert client.get("/candidates", headers=auth("data_scientist")).status_code == 403
    assert client.delete("/candidates/C1", headers=auth("relationship_manager")).status_code == 403
    assert client.get("/shortlists/work-needs/W1", headers=organiser).status_code == 403
    assert store.snapshot() == before


def test_every_endpoint_but_health_and_token_needs_a_role(app):
    public = set()
    for route in api_routes(app.routes):
        if route.include_in_schema:
            permission = _permission_of(route.dependant)
            if permission is _PUBLIC:
                public.add(route.path)
            elif permission is not None:
                assert permission in ROLE_MATRIX
    assert public == {"/health", "/token"}


def test_role_matrix_documented_in_openapi(app):
    schema = app.openapi()
    op = schema["paths"]["/candidates/{candidate_id}"]["delete"]
    assert op["x-roles"] == ["administrator"]
    assert "Roles: administrator" in op["description"]
    assert schema["paths"]["/health"]["get"]["x-roles"] == []
    assert "OAuth2PasswordBearer" in schema["components"]["securitySchemes"]


def test_matrix_covers_every_permission_and_role():
    assert set(ROLE_MATRIX) == set(Permission)
    for role in Role:
        assert any(role in roles for roles in ROLE_MATRIX.values())
    assert ROLE_MATRIX[Permission.CANDIDATES_HEALTH] == {
        Role.RELATIONSHIP_MANAGER,
        Role.ADMINISTRATOR,
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client, name: str, password: str = PASSWORD) -> str:
    r = client.post("/token", data={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_logout_ends_the_token_everywhere(client, users):
    name = users["relationship_manager"]
    token = _login(client, name)
    assert client.get("/users/me", headers=_bearer(token)).status_code == 200
    assert client.post("/users/me/logout", headers=_bearer(token)).status_code == 204
    r = client.get("/users/me", headers=_bearer(token))
    assert r.status_code == 401 and "logged out" in r.json()["detail"]
    assert client.get("/users/me", headers=_bearer(_login(client, name))).status_code == 200


def test_logging_out_on_the_pages_ends_the_cookie_and_the_token(client, users):
    import re

    from api.deps import SESSION_COOKIE

    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": users["relationship_manager"], "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session = client.cookies.get(SESSION_COOKIE)
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 200
    form_csrf = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)
    assert client.post("/logout", data={"csrf": form_csrf}, follow_redirects=False).status_code == 303
    # the old session token no longer works, neither as a cookie nor as a bearer token
    client.cookies.set(SESSION_COOKIE, session)
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/users/me", headers=_bearer(session)).status_code == 401


def test_a_token_living_longer_than_a_login_may_is_refused(client, users):
    ten_years = token_for("relationship", "relationship_manager", minutes=10 * 365 * 24 * 60)
    r = client.get("/users/me", headers=_bearer(ten_years))
    assert r.status_code == 401 and "longer than" in r.json()["detail"]
    assert client.get("/users/me", headers=_bearer(token_for("relationship", "relationship_manager"))).status_code == 200


def test_an_unknown_name_takes_as_long_as_a_wrong_password(store):
    import time

    from api.auth import authenticate, create_user

    create_user(store, username="anna.real", password=PASSWORD, role="relationship_manager",
                municipality=HOME, rounds=security.BCRYPT_ROUNDS)

    def seconds(name: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert authenticate(store, name, "wrong password!") is None
            times.append(time.perf_counter() - start)
        return sorted(times)[1]

    seconds("nobody.at.all")  # the stand-in hash is made once, not timed
    ratio = seconds("nobody.at.all") / seconds("anna.real")
    assert 0.5 < ratio < 2.0, ratio


def test_change_history_is_for_relationship_managers_and_administrators_only(app, client, auth):
    """The role matrix says so for every kind of record; an organiser once read outcomes'."""
    history = [r for r in api_routes(app.routes) if r.path.endswith("/history")]
    assert {r.path.split("/")[1] for r in history} >= {"candidates", "employers", "work-needs", "outcomes"}
    for route in history:
        assert _permission_of(route.dependant) == Permission.RECORD_HISTORY, route.path
    organiser = auth("event_organiser")
    assert client.get("/outcomes/O1/history", headers=organiser).status_code == 403


def test_the_documented_role_matrix_is_the_one_enforced(app):
    from pathlib import Path

    from api.role_doc import embed_in

    path = Path(__file__).resolve().parents[2] / "docs" / "api.md"
    doc = path.read_text(encoding="utf-8")
    assert embed_in(doc, app) == doc, (
        "docs/api.md's role matrix is out of date: regenerate it with api.role_doc.embed_in"
    )
