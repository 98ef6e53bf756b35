"""Bad input and hostile requests: the right 4xx, a clear message, nothing changed."""

from __future__ import annotations

from fastapi import APIRouter

from api.app import create_app


def test_oversized_bodies_are_413_and_change_nothing(client, rm, store):
    before = store.snapshot()
    big = b'{"id": "C10", "wishes": "' + b"a" * 1_100_000 + b'"}'
    r = client.post("/candidates", headers={**rm, "Content-Type": "application/json"}, content=big)
    assert r.status_code == 413 and "larger than the limit" in r.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(12):
            yield b"x" * 100_000

    r = client.post(
        "/candidates", headers={**rm, "Content-Type": "application/json"}, content=chunks()
    )
    assert r.status_code == 413
    r = client.post("/candidates", headers={**rm, "Content-Length": "abc"}, content=b"{}")
    assert r.status_code in (400, 413)
    assert store.snapshot() == before


def test_wrong_types_and_malformed_json(client, rm, store):
    before = store.snapshot()
    r = client.post("/candidates", headers=rm, json=["not", "an", "object"])
    assert r.status_code == 422
    r = client.post("/stats/chi2", headers=rm, json={"table": "1 2 / 3 x"})
    assert r.status_code == 422 and "x" in r.json()["detail"][0]["msg"]
    r = client.post("/stats/chi2", headers=rm, json={"table": [[1, 2], [3, -4]]})
    assert r.status_code == 422
    r = client.put("/events/EV1/attendance", headers=rm, json={"attended": {"C1": "maybe"}})
    assert r.status_code == 422
    r = client.post(
        "/outcomes",
        headers={**rm, "Content-Type": "application/json"},
        content=b"{'single': 'quotes'}",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    assert store.snapshot() == before


def test_security_headers_and_no_cors_by_default(client, rm):
    r = client.get("/candidates", headers={**rm, "Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
    for name, value in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ]:
        assert r.headers[name] == value
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    preflight = client.options(
        "/candidates",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_only_for_configured_origins(settings, runtime):
    import dataclasses

    from fastapi.testclient import TestClient

    configured = dataclasses.replace(settings, cors_origins=("https://intranet.example",))
    with TestClient(create_app(configured, runtime=runtime)) as c:
        ok = c.get("/health", headers={"Origin": "https://intranet.example"})
        assert ok.headers["access-control-allow-origin"] == "https://intranet.example"
        other = c.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_unexpected_errors_are_a_generic_500_without_trace(app, rm, caplog):
    from fastapi.testclient import TestClient

    boom = APIRouter()

    @boom.get("/boom")
    def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"detail": "internal server error; it has been logged"}
    assert "hunter2" not in r.text and "Traceback" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert any("unhandled error on GET /boom" in rec.getMessage() for rec in caplog.records)


def test_unknown_ids_and_methods(client, rm):
    assert client.get("/work-needs/W404", headers=rm).json() == {
        "detail": "work need W404 not found"
    }
    assert client.get("/events/EV404", headers=rm).status_code == 404
    assert client.get("/outcomes/O404", headers=rm).status_code == 404
    assert client.delete("/work-needs/W1/overrides/999", headers=rm).status_code == 404
    assert client.get("/nowhere", headers=rm).status_code == 404
    assert client.put("/health").status_code == 405


def test_the_report_values_by_the_workspace_price_list(client, auth, runtime):
    import dataclasses

    from matching.sroi.prices import PriceList

    runtime.config = dataclasses.replace(
        runtime.config, prices=PriceList().with_values(wellbeing_per_person_year=1234))
    r = client.get("/reports/outcomes", headers=auth("data_scientist"), params={"period": "2026"})
    assert r.json()["social_value"]["prices"]["wellbeing_per_person_year"]["value"] == 1234


def test_report_and_stats(client, auth):
    ds = auth("data_scientist")
    r = client.post("/stats/chi2", headers=ds, json={"table": "18 17 79 / 5 35 99"})
    assert r.status_code == 200 and round(r.json()["chi2"], 2) == 13.49 and r.json()["df"] == 2
    assert (
        client.get("/reports/outcomes", headers=ds, params={"period": "2026-13"}).status_code == 422
    )
    assert client.get("/reports/outcomes", headers=ds, params={"period": "soon"}).status_code == 422
    r = client.get("/reports/outcomes", headers=ds, params={"period": "2026"})
    assert r.status_code == 200, r.text
    assert r.json()["municipality"] == "GM0855" and "kpis" in r.json()
    assert r.json()["social_value"]["prices"]["wellbeing_per_person_year"]["value"] == 5000
    html = client.get("/reports/outcomes.html", headers=ds, params={"period": "2026-Q1"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
