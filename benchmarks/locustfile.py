"""Mixed traffic for ``benchmarks/bench_load.py``: relationship managers asking shortlists
(their own municipality's and the region's) and opening work-need pages, and colleagues
recording outcomes.

The plan (``WERKKANS_LOAD_PLAN``, written by the benchmark) lists per municipality its
user, its open work needs and some candidate and employer ids; a user belongs to a
municipality with a probability proportional to its caseload, as staff would.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, constant, task

PLAN = json.loads(Path(os.environ["WERKKANS_LOAD_PLAN"]).read_text(encoding="utf-8"))
PASSWORD = PLAN["password"]
MUNICIPALITIES = PLAN["municipalities"]
WEIGHTS = [m["size"] for m in MUNICIPALITIES]


class _Staff(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.place = random.choices(MUNICIPALITIES, weights=WEIGHTS)[0]
        r = self.client.post("/token", data={"username": self.place["user"], "password": PASSWORD},
                             name="login")
        token = r.json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.client.cookies.set("werkkans_session", token)


class RelationshipManager(_Staff):
    weight = 15
    wait_time = between(0.0, 0.2)

    def _need(self) -> str:
        return random.choice(self.place["work_needs"])

    @task(6)
    def shortlist(self) -> None:
        name = "shortlist largest" if self.place["largest"] else "shortlist"
        self.client.get(f"/shortlists/work-needs/{self._need()}?k=10", name=name)

    @task(2)
    def regional_shortlist(self) -> None:
        self.client.get(f"/shortlists/work-needs/{self._need()}?k=10&scope=region",
                        name="shortlist region")

    @task(1)
    def work_need_page(self) -> None:
        self.client.get(f"/werkvragen/{self._need()}", name="page work need")


class OutcomeRecorder(_Staff):
    """Follow-up conversations recorded through the day: one every few seconds per user."""

    weight = 1
    wait_time = constant(3)

    @task
    def record(self) -> None:
        body = {
            "candidate_id": random.choice(self.place["candidates"]),
            "employer_id": random.choice(self.place["employers"]),
            "kind": "follow_up",
        }
        with self.client.post("/outcomes", json=body, name="outcome write", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")
