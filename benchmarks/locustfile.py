"""Mixed traffic for ``benchmarks/bench_load.py``: relationship managers asking shortlists
(their own municipality's and the region's) and opening work-need pages, and colleagues
recording outcomes and editing profiles.

The plan (``WERKKANS_LOAD_PLAN``, written by the benchmark) lists per municipality its
user (and a token they logged in with before the run, if any), its open work needs and
some candidate and employer ids; a user belongs to a
municipality with a probability proportional to its caseload, as staff would (one draw
seeded by ``WERKKANS_LOAD_SEED``, default 7, so every run places its users alike).

Users are locust's ``FastHttpUser`` (geventhttpclient), which costs the load generator
less of the cores it shares with the service here (the requests-based ``HttpUser`` made no
measurable difference: 107 against 106 requests/s). ``WERKKANS_LOAD_PAUSE=lo,hi`` makes
relationship managers pause ``lo``-``hi`` seconds between requests (default 0-0.2: as
fast as the service answers).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant, task

PLAN = json.loads(Path(os.environ["WERKKANS_LOAD_PLAN"]).read_text(encoding="utf-8"))
PASSWORD = PLAN["password"]
MUNICIPALITIES = PLAN["municipalities"]
WEIGHTS = [m["size"] for m in MUNICIPALITIES]
#: Users are placed in municipalities by one seeded draw, so runs compare like with like
#: (each run used to draw anew, and the largest municipality's share of requests halved).
PLACES = random.Random(int(os.environ.get("WERKKANS_LOAD_SEED", "7")))
PAUSE = tuple(float(x) for x in os.environ.get("WERKKANS_LOAD_PAUSE", "0,0.2").split(","))


class _Staff(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.place = PLACES.choices(MUNICIPALITIES, weights=WEIGHTS)[0]
        token = self.place.get("token")  # logged in before the run, as staff do once a day
        if token is None:
            r = self.client.post(
                "/token", data=urlencode({"username": self.place["user"], "password": PASSWORD}),
                headers={"Content-Type": "application/x-www-form-urlencoded"}, name="login",
            )
            token = r.json()["access_token"]
        # the API reads the header, the pages the session cookie
        self.auth = {"Authorization": f"Bearer {token}", "Cookie": f"werkkans_session={token}"}


class RelationshipManager(_Staff):
    weight = 15
    wait_time = between(*PAUSE)

    def _need(self) -> str:
        return random.choice(self.place["work_needs"])

    @task(6)
    def shortlist(self) -> None:
        name = "shortlist largest" if self.place["largest"] else "shortlist"
        self.client.get(f"/shortlists/work-needs/{self._need()}?k=10", name=name, headers=self.auth)

    @task(2)
    def regional_shortlist(self) -> None:
        self.client.get(f"/shortlists/work-needs/{self._need()}?k=10&scope=region",
                        name="shortlist region", headers=self.auth)

    @task(1)
    def work_need_page(self) -> None:
        self.client.get(f"/werkvragen/{self._need()}", name="page work need", headers=self.auth)


#: What a relationship manager writes in a candidate's wishes after a conversation.
WISHES = (
    "Ik wil graag in de zorg werken, liefst in de ochtend.",
    "Liefst buiten aan het werk, in het groen of op een bouwplaats.",
    "Iets in een magazijn of in de logistiek, met vaste uren.",
    "Koken of afwassen in een restaurant lijkt me mooi.",
    "Ik wil weer met mensen werken, in een winkel of aan een balie.",
)


class OutcomeRecorder(_Staff):
    """Colleagues writing through the day, one write every few seconds per user: follow-up
    conversations recorded, and now and then a candidate's profile edited (their wishes
    after a conversation, or how far they can travel)."""

    weight = 1
    wait_time = constant(3)

    @task(3)
    def record(self) -> None:
        body = {
            "candidate_id": random.choice(self.place["candidates"]),
            "employer_id": random.choice(self.place["employers"]),
            "kind": "follow_up",
        }
        with self.client.post("/outcomes", json=body, name="outcome write", catch_response=True,
                              headers=self.auth) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(1)
    def edit_profile(self) -> None:
        body = random.choice([{"wishes": random.choice(WISHES)}, {"max_travel_km": random.choice([5, 10, 15, 25])}])
        with self.client.patch(f"/candidates/{random.choice(self.place['candidates'])}", json=body,
                               name="profile edit", catch_response=True, headers=self.auth) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
