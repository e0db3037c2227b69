"""The load test's workload (run by `manage.py load_test`, which seeds, starts gunicorn and
checks the quotas afterwards). The customer app's backend, at a fixed rate per user:
6 benefit-centre reads : 3 recommendation reads : 1 redemption. Half the traffic goes to a
small set of hot customers, so their quotas run out and the last uses are contended.

A 409 (no quota left) is the shelf answering correctly, not an error; anything else but the
expected status counts as a failure.

Environment: LOAD_TARGETS (JSON file: [{"no": ..., "benefits": [...]}, ...]), LOAD_TOKEN,
LOAD_RATE_PER_USER (requests per second per user), LOAD_SEED.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, constant_throughput, task

TARGETS: list[dict[str, Any]] = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text())
TOKEN = os.environ["LOAD_TOKEN"]
RATE = float(os.environ.get("LOAD_RATE_PER_USER", "1"))
SEED = int(os.environ.get("LOAD_SEED", "42"))
HOT = TARGETS[: max(1, len(TARGETS) // 20)]
_users = iter(range(1_000_000))


class AppBackend(HttpUser):
    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        self.rng = random.Random(SEED * 1000 + next(_users))  # noqa: S311 - a workload
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    def target(self) -> dict[str, Any]:
        return self.rng.choice(HOT if self.rng.random() < 0.5 else TARGETS)

    def expect(self, path: str, name: str, ok: tuple[int, ...], **kwargs: Any) -> None:
        method = "POST" if "json" in kwargs else "GET"
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            if r.status_code in ok:
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(6)
    def bookshelf(self) -> None:
        no = self.target()["no"]
        self.expect(f"/api/v1/customers/{no}/bookshelf", "GET bookshelf", (200,))

    @task(3)
    def recommendations(self) -> None:
        no = self.target()["no"]
        self.expect(f"/api/v1/customers/{no}/recommendations", "GET recommendations", (200,))

    @task(1)
    def redemption(self) -> None:
        customer = self.target()
        self.expect(
            f"/api/v1/customers/{customer['no']}/redemptions",
            "POST redemption",
            (201, 409),
            json={"benefit": self.rng.choice(customer["benefits"]), "channel": "app"},
            headers={"Idempotency-Key": uuid.UUID(int=self.rng.getrandbits(128)).hex},
        )
