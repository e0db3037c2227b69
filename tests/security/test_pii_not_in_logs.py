"""Phone and ID numbers never reach the logs or the error pages, even when a request carries
them or a crash message holds them.

These requests make the application log (404s, bad requests, a crash with a traceback), with
the numbers of seeded customers in the path, the body and the exception; the run log is then
read back. The session fixture `pii_run_log` (tests/conftest.py) checks the same for the whole
run: no number stored by any test may appear in the log or in any test's output.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from config.logs import PiiScrubFilter, scrub
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _numbers(*customers) -> list[str]:
    return [n for c in customers for n in (c.phone, c.id_number)]


def test_requests_that_log_keep_the_numbers_out_of_the_log_and_the_pages(
    office: Office, app_api: APIClient, pii_run_log: Path, monkeypatch, settings
):
    assert settings.DEBUG is False
    customer = make_customer(tier=Tier.GOLD, agent=office.agent, name="钱多多")
    start = pii_run_log.stat().st_size
    bodies = []
    # 404s with the numbers in the path (an app that put a phone where a customer number goes).
    for number in _numbers(customer):
        bodies.append(app_api.get(f"/api/v1/customers/{number}/bookshelf"))
        bodies.append(Client().get(f"/no-such-page/{number}"))
        admin = office.client_for(office.agent.user)
        bodies.append(admin.get(f"/admin/customers/customer/{number}/change/"))
    # 400s with the numbers in the body and the query string.
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    bodies.append(app_api.post(url, {"benefit": customer.phone}, format="json"))
    bodies.append(app_api.get(url, {"benefit": customer.id_number, "page_size": "x"}))
    bodies.append(app_api.post("/api/v1/demand-signals", {"customer": customer.phone}, "json"))
    # A 400 from the host check (SuspiciousOperation), with a number in the Host header.
    bodies.append(Client().get("/healthz", HTTP_HOST=f"{customer.phone}.example.com"))
    # A crash whose message holds both numbers: a 500 with a traceback in the log.
    import bookshelf.api.benefit_centre as views

    def crash(**_kwargs):
        raise RuntimeError(f"lookup failed for {customer.phone} / {customer.id_number}")

    monkeypatch.setattr(views, "bookshelf_for_customer", crash)
    crashing = APIClient(raise_request_exception=False)
    crashing.credentials(**app_api._credentials)
    response = crashing.get(f"/api/v1/customers/{customer.customer_no}/bookshelf")
    assert response.status_code == 500
    bodies.append(response)
    # Code that logs a number by mistake, with and without a traceback.
    log = logging.getLogger("bookshelf.anything")
    log.warning("calling customer at %s", customer.phone)
    try:
        raise ValueError(f"bad id {customer.id_number}")
    except ValueError:
        log.exception("while checking")

    for response in bodies:
        assert response.status_code in {400, 404, 500}, response.status_code
        body = response.content.decode(errors="replace")
        for number in _numbers(customer):
            assert number not in body
    logged = pii_run_log.read_text(encoding="utf-8")[start:]
    for number in _numbers(customer):
        assert number not in logged
    # The log did get those lines, scrubbed: the check above is not vacuous.
    assert scrub(customer.phone) in logged
    assert scrub(customer.id_number) in logged
    assert "Not Found" in logged and "Traceback" in logged and "lookup failed" in logged


def test_the_plain_log_format_scrubs_tracebacks_too():
    customer_phone, customer_id = "13912340000", "11010519491231002X"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(PiiScrubFilter())
    log = logging.getLogger("tests.plain")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise RuntimeError(f"{customer_phone} {customer_id}")
        except RuntimeError:
            log.exception("failed for %s", customer_phone)
        log.warning("here", stack_info=True, extra={"x": customer_id})
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = stream.getvalue()
    assert "Traceback" in text and "139****0000" in text
    assert customer_phone not in text and customer_id not in text
