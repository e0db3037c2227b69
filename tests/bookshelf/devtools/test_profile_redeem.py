"""The redemption profile (`devtools.scale.profile_redeem`): its stage clock puts each query
of a use in the stage that sent it, and the probe renders a table whose stages add up."""

from __future__ import annotations

import sys

import pytest
from django.core import signals
from django.db import close_old_connections, connection

from bookshelf.devtools.scale.profile_redeem import (
    ORDER,
    TOOL_ID,
    StageClock,
    probe_redeem_profile,
    redeem_profile_table,
)
from customers.models import Tier
from tests.bookshelf.api.conftest import _client_with, post_json
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def test_the_stage_clock_puts_each_query_in_its_stage():
    app_api = _client_with(None, "app-backend")
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    path = f"/api/v1/customers/{customer.customer_no}/redemptions"
    post_json(app_api, path, {"benefit": benefit.code})
    clock = StageClock()
    with clock.running():
        response = post_json(app_api, path, {"benefit": benefit.code})
    assert response.status_code == 201
    assert sys.monitoring.get_tool(TOOL_ID) is None  # released
    assert clock.queries["auth + throttle"] == 1
    assert clock.queries["customer lookup"] == 1
    # One round trip: the use's six reads (its suppliers among them), their prices, the budgets.
    assert clock.queries["benefit + allowance options"] == 8
    assert clock.queries["quota check + balance UPDATE"] == 1
    assert clock.queries["usage rollup"] == 1
    assert clock.seconds["framework/middleware"] > 0
    assert all(seconds >= 0 for seconds in clock.seconds.values())


@pytest.fixture
def connection_kept():
    """As Django's test client does: a request through the WSGI handler must not close the
    test's connection (its transaction holds the test's data)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the probe's sample is PostgreSQL's")
def test_the_probe_times_every_use_and_renders_its_stages(connection_kept):
    benefit = make_benefit(cells={Tier.GOLD: 12})
    for _ in range(2):
        make_customer(tier=Tier.GOLD)
    result = probe_redeem_profile(redemptions=4, warmup=2, top=5)
    assert result["redemptions"] == 4
    assert [row["stage"] for row in result["stages"]] == ORDER
    assert result["queries_per_redemption"] > 5
    assert len(result["top_functions"]) == 5
    table = redeem_profile_table(result)
    assert "| quota check + balance UPDATE |" in table
    assert "| **total** |" in table
    assert benefit.code  # the only benefit the sample could take
