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

    def crash(*_args, **_kwargs):
        raise RuntimeError(f"lookup failed for {customer.phone} / {customer.id_number}")

    monkeypatch.setattr(views, "fetch_batch", crash)
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


# The forms people and apps write a mobile or an ID number in: each is masked, its hidden
# middle gone.
WRITTEN_FORMS = [
    ("15873863413", "7386"),
    ("+8615873863413", "7386"),
    ("8615873863413", "7386"),
    ("008615873863413", "7386"),
    ("+86 158 7386 3413", "7386"),
    ("+86-158-7386-3413", "7386"),
    ("158-7386-3413", "7386"),
    ("158 7386 3413", "7386"),
    ("158.7386.3413", "7386"),
    ("%2B8615873863413", "7386"),
    ("%2b86%20158%207386%203413", "7386"),
    ("158%207386%203413", "7386"),
    ("158+7386+3413", "7386"),
    ("11010519491231002X", "19491231"),
    ("11010519491231002x", "19491231"),
    ("110105 19491231 002X", "19491231"),
    ("110105-19491231-002x", "19491231"),
    ("110105%2019491231%20002X", "19491231"),
    ("110105+19491231+002X", "19491231"),
]


@pytest.mark.parametrize(("written", "hidden"), WRITTEN_FORMS)
def test_every_written_form_of_a_number_is_masked(written: str, hidden: str):
    for text in (written, f"q={written}&x=1", f"/customers/{written}/bookshelf", f"“{written}”"):
        clean = scrub(text)
        assert hidden not in clean, (text, clean)
        assert "*" in clean


@pytest.mark.parametrize(
    "ordinary",
    [
        "took 0.005500386866212345s",
        "0.15873863413",
        "158738634131",  # twelve digits: not a mobile
        "115873863413",
        "1733045695123",  # a timestamp in milliseconds
        "2026-12-01T10:41:35.123456+08:00",
        "10.158.73.86",
        "id=1587386 page=2 total 158.73 CNY",
        "customer C0001587 order 20261201000123",
        "rows 158 7386 34",
        "version 1.58.7386.3413",
        "uuid 5f1587386341349c8a0d0c2f0e1b2c3d",
    ],
)
def test_ordinary_numbers_are_left_alone(ordinary: str):
    assert scrub(ordinary) == ordinary


def test_error_bodies_mask_unknown_parameter_names_and_every_written_form(
    office: Office, app_api: APIClient
):
    customer = make_customer(tier=Tier.GOLD, agent=office.agent)
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    answers = [
        app_api.get(url, {"15873863413": "1"}),
        app_api.get(url, {"110105-19491231-002x": "1"}),
        app_api.get(url, {"benefit": "x", "+8615873863413": "1"}),
        app_api.post(url, {"benefit": "158-7386-3413"}, format="json"),
        app_api.post(url, {"benefit": "110105 19491231 002X"}, format="json"),
        app_api.get(url, {"page_size": "+86 158 7386 3413"}),
        app_api.post("/api/v1/demand-signals", {"customer": "158.7386.3413"}, format="json"),
    ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.content
        body = response.json()
        assert set(body) == {"code", "message", "fields"}
        text = response.content.decode()
        assert "7386" not in text and "19491231" not in text, text
    unknown = answers[0].json()
    assert unknown["code"] == "unknown_parameter"
    assert list(unknown["fields"]) == [scrub("15873863413")]


def _unscrubbed_handlers() -> list[str]:
    loggers = {"root": logging.getLogger(), **logging.Logger.manager.loggerDict}
    return [
        f"{name}: {handler!r}"
        for name, logger in loggers.items()
        for handler in getattr(logger, "handlers", ())
        if not isinstance(handler, logging.NullHandler)  # writes nothing
        and not type(handler).__module__.startswith("_pytest")  # the test runner's capture
        and not any(isinstance(f, PiiScrubFilter) for f in handler.filters)
    ]


def test_every_handler_of_every_logger_scrubs():
    """Django's `django` logger keeps its own default handlers (a DEBUG console, mail_admins)
    and runserver's `django.server` has its own, unless the settings replace them."""
    assert _unscrubbed_handlers() == []


def test_the_handlers_a_celery_worker_adds_scrub_too():
    from config.celery import app

    task_logger = logging.getLogger("celery.task")
    saved = (list(task_logger.handlers), task_logger.propagate, app.log.already_setup)
    app.log.already_setup = False
    try:
        app.log.setup(loglevel="INFO")  # what `celery worker` runs at start
        assert task_logger.handlers  # Celery gave its task logger a handler of its own
        assert _unscrubbed_handlers() == []
    finally:
        for handler in task_logger.handlers:
            if handler not in saved[0]:
                task_logger.removeHandler(handler)
        task_logger.propagate, app.log.already_setup = saved[1], saved[2]
