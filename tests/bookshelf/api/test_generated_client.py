"""An app team's first hour: generate a Python client from the published schema with
openapi-python-client (offline, from the schema this code publishes) and drive a live
server through its typed functions only: read the benefit centre, redeem with an
Idempotency-Key, replay it, read recommendations, ask for a benefit not on the shelf, and
read the benefit centre and an error in Chinese (Accept-Language in, Content-Language out)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bookshelf.integrations.services import api_client_create
from bookshelf.models import DemandSignal, Redemption
from customers.models import Tier
from tests.bookshelf.api.schema_check import generated_schema
from tests.factories import make_benefit, make_customer

PACKAGE = "bookshelf_client"
CONFIG = f"package_name_override: {PACKAGE}\nproject_name_override: {PACKAGE}\npost_hooks: []\n"


@pytest.fixture(scope="session")
def client_package(tmp_path_factory: Any) -> Any:
    """The generated client, imported: generated once per test session (per xdist worker)."""
    root = tmp_path_factory.mktemp("generated-client")
    generated_schema(root)  # writes root / "schema.json", as `manage.py spectacular` does
    schema = root / "schema.json"
    config = root / "config.yml"
    config.write_text(CONFIG)
    tool = Path(sys.executable).parent / "openapi-python-client"
    command = [str(tool), "generate", "--path", str(schema), "--config", str(config)]
    command += ["--meta", "none", "--output-path", str(root / PACKAGE)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _modules(package: Any) -> Any:
    class Api:
        pass

    api = Api()
    for name in (
        "customer_bookshelf_get",
        "customer_redemption_create",
        "customer_recommendations_get",
        "demand_signal_create",
    ):
        setattr(api, name, importlib.import_module(f"{PACKAGE}.api.v1.{name}"))
    api.models = importlib.import_module(f"{PACKAGE}.models")
    return api


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_reads_redeems_replays_and_asks(client_package, live_server):
    customer = make_customer(tier=Tier.GOLD, tags=["chronic_condition"])
    benefit = make_benefit(
        cells={Tier.GOLD: 2},
        category_code="HLT",
        name="Chronic-disease management",
        description="A health manager follows your readings for a year. Calls every month.",
        tags=["chronic_condition"],
    )
    unlimited = make_benefit(cells={Tier.GOLD: None}, category_code="TRV", name="Rescue")
    _client, token = api_client_create(name="generated-app")
    api = _modules(client_package)
    models = api.models
    client = client_package.AuthenticatedClient(base_url=live_server.url, token=token)
    no = customer.customer_no

    shelf = api.customer_bookshelf_get.sync(no, client=client)
    assert isinstance(shelf, models.Bookshelf)
    entries = {e.code: e for c in shelf.categories for e in c.benefits}
    entry = entries[benefit.code]
    assert (entry.quota, entry.used, entry.remaining) == (2, 0, 2)
    assert entry.summary == "A health manager follows your readings for a year."
    assert entry.source == models.ShelfEntrySourceEnum.TIER
    assert entries[unlimited.code].period_start is None  # no placeholder date
    assert shelf.customer.tier == models.TierEnum.GOLD

    body = models.RedemptionInRequest(benefit=benefit.code)
    first = api.customer_redemption_create.sync_detailed(
        no, client=client, body=body, idempotency_key="app-order-1"
    )
    assert first.status_code == 201
    used = first.parsed
    assert isinstance(used, models.RedemptionCreated)
    assert (used.benefit, used.remaining, used.status) == (
        benefit.code,
        1,
        models.RedemptionStatusEnum.COMPLETED,
    )
    assert "idempotent-replayed" not in first.headers

    replay = api.customer_redemption_create.sync_detailed(
        no, client=client, body=body, idempotency_key="app-order-1"
    )
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.parsed.to_dict() == used.to_dict()
    assert Redemption.objects.count() == 1

    after = api.customer_bookshelf_get.sync(no, client=client)
    left = {e.code: e.remaining for c in after.categories for e in c.benefits}
    assert left[benefit.code] == 1

    recs = api.customer_recommendations_get.sync(no, client=client, limit=5)
    assert isinstance(recs, models.Recommendations)
    assert benefit.code in [r.code for r in recs.recommendations]
    assert all(isinstance(r.push, models.PushAction) for r in recs.recommendations)

    asked = api.demand_signal_create.sync(
        client=client, body=models.DemandSignalInRequest(text="Pet vet video", customer=no)
    )
    assert isinstance(asked, models.DemandSignalOut)
    assert (asked.customer, asked.benefit) == (no, None)
    assert DemandSignal.objects.filter(text="Pet vet video").count() == 1

    # The last use, then one too many: the error parses into the typed Error, its code an enum.
    api.customer_redemption_create.sync(no, client=client, body=body, idempotency_key="o-2")
    refused = api.customer_redemption_create.sync_detailed(
        no, client=client, body=body, idempotency_key="o-3"
    )
    assert refused.status_code == 409
    assert refused.parsed.code == models.ErrorCodeEnum.QUOTA_EXHAUSTED
    assert refused.headers["Content-Language"] == "en"

    # The reader's language: sent as Accept-Language, said back in Content-Language.
    chinese = api.customer_bookshelf_get.sync_detailed(no, client=client, accept_language="zh-CN")
    assert chinese.headers["Content-Language"] == "zh-hans"
    names = {e.code: e.name for c in chinese.parsed.categories for e in c.benefits}
    assert names[benefit.code] == "测试权益"
    assert chinese.parsed.customer.tier_label == "黄金VIP"
    refused_zh = api.customer_redemption_create.sync_detailed(
        no, client=client, body=body, idempotency_key="o-4", accept_language="zh-CN"
    )
    assert refused_zh.headers["Content-Language"] == "zh-hans"
    assert refused_zh.parsed.code == models.ErrorCodeEnum.QUOTA_EXHAUSTED
    assert refused_zh.parsed.message != refused.parsed.message
