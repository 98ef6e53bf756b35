"""The access log never names a candidate."""

from __future__ import annotations

import logging

from api.access_log import ACCESS_LOGGER, PseudonymousPaths


def _uvicorn_record(path: str) -> logging.LogRecord:
    # what uvicorn's access logger emits: client, method, path with query, HTTP version, status
    return logging.LogRecord(
        ACCESS_LOGGER, logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50412", "GET", path, "1.1", 200), None,
    )


def test_candidate_ids_and_query_strings_leave_the_access_log(client, rm):
    assert client.get("/health").status_code == 200  # the app has started (lifespan ran)
    filters = [f for f in logging.getLogger(ACCESS_LOGGER).filters if isinstance(f, PseudonymousPaths)]
    assert len(filters) == 1
    for path, shown in [
        ("/candidates/c0408", "/candidates/[id]"),
        ("/candidates/c0408/history", "/candidates/[id]/history"),
        ("/shortlists/candidates/c0408?k=10", "/shortlists/candidates/[id]"),
        ("/outcomes?candidate_id=c0408", "/outcomes"),
        ("/candidates?q=Jansen", "/candidates"),
        ("/shortlists/work-needs/W1?k=10", "/shortlists/work-needs/W1"),
    ]:
        record = _uvicorn_record(path)
        assert filters[0].filter(record)
        message = record.getMessage()
        assert shown in message and "c0408" not in message and "Jansen" not in message
