"""Use cases: one function or class per thing a user does.

Every front end (the HTTP routers, the web pages, the command line) parses
its input, calls one of these and renders the answer; none of them reaches
the engine, the store's tables or the model registry another way. So a
shortlist asked for on the command line and one asked for in the browser go
through the same overrides, consent checks and audit log.

Use cases take typed inputs and an :class:`~services.actor.Actor` (who asks,
for which municipality) and return typed results. They refuse requests with
the errors of :mod:`services.errors`, which each front end turns into its own
answer (an HTTP status, an error page, an exit code). They never read
settings or the environment: the front end hands in what they need.
"""
