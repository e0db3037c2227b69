"""PostgreSQL unreachable: a clean 503 in the error shape for the API and a plain 503 page
elsewhere (no stack trace, `Retry-After`), and the service recovers by itself when the
database returns. The real test breaks the real connection (a closed port, a terminated
backend) and drives the real WSGI handler, whose signals open and close connections."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.test import Client, RequestFactory
from werkzeug.test import Client as WsgiClient

from bookshelf.integrations.services import api_client_create
from config.middleware import ServiceGuardMiddleware, server_error
from config.wsgi import application
from customers.models import Tier
from tests.factories import UserFactory, make_benefit, make_customer

LEAKS = ("Traceback", "psycopg", "OperationalError", "127.0.0.1", "port")


def assert_clean_api_503(status: int, body: bytes, headers: Any) -> None:
    import json

    assert status == 503, body[:300]
    document = json.loads(body)
    assert document["code"] == "service_unavailable"
    assert set(document) == {"code", "message", "fields"}
    assert headers["Retry-After"] == "5"
    assert not any(leak in body.decode() for leak in LEAKS)


# -- the handlers, on any database -----------------------------------------------------------
@pytest.mark.parametrize("error", [OperationalError("server closed"), InterfaceError("gone")])
def test_middleware_turns_database_errors_into_503(error):
    guard = ServiceGuardMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    api = guard.process_exception(RequestFactory().get("/api/v1/benefits"), error)
    assert api is not None
    assert_clean_api_503(api.status_code, api.content, api)
    page = guard.process_exception(RequestFactory().get("/admin/"), error)
    assert page is not None
    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/plain")
    assert page["Retry-After"] == "5"


def test_server_error_handler_answers_503_for_a_database_error_outside_a_view():
    request = RequestFactory().get("/admin/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503


def test_an_unexpected_error_in_the_api_is_a_500_in_the_error_shape(monkeypatch, db):
    import bookshelf.api.benefit_centre as views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr(views, "fetch_batch", broken)
    customer = make_customer(tier=Tier.GOLD)
    _client, token = api_client_create(name="app")
    response = Client(raise_request_exception=False).get(
        f"/api/v1/customers/{customer.customer_no}/bookshelf",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "Something went wrong on our side. It has been logged.",
        "fields": {},
    }


def test_a_database_error_in_an_api_view_is_503(monkeypatch, db):
    import bookshelf.api.benefit_centre as views

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(views, "fetch_batch", down)
    customer = make_customer(tier=Tier.GOLD)
    _client, token = api_client_create(name="app")
    response = Client().get(
        f"/api/v1/customers/{customer.customer_no}/bookshelf",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_clean_api_503(response.status_code, response.content, response)


# -- the real thing, on PostgreSQL ----------------------------------------------------------
@pytest.fixture
def live(transactional_db: Any) -> Any:
    customer = make_customer(tier=Tier.GOLD)
    make_benefit(cells={Tier.GOLD: 2})
    _client, token = api_client_create(name="app")
    staff = UserFactory(is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    wsgi = WsgiClient(application)
    wsgi.set_cookie("sessionid", browser.cookies["sessionid"].value)
    api_url = f"/api/v1/customers/{customer.customer_no}/bookshelf"
    auth = {"Authorization": f"Bearer {token}"}
    return wsgi, api_url, auth


@pytest.mark.postgres
def test_database_unreachable_is_503_then_recovers_by_itself(live):
    wsgi, api_url, auth = live
    assert wsgi.get(api_url, headers=auth).status_code == 200
    assert wsgi.get("/admin/").status_code == 200

    connection = connections[DEFAULT_DB_ALIAS]
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # the database is gone: nothing listens there
    try:
        for _ in range(2):
            api = wsgi.get(api_url, headers=auth)
            assert_clean_api_503(api.status_code, api.get_data(), api.headers)
            page = wsgi.get("/admin/")
            assert page.status_code == 503
            assert page.headers["Content-Type"].startswith("text/plain")
            assert not any(leak in page.get_data(as_text=True) for leak in LEAKS)
        assert wsgi.get("/healthz").status_code == 200  # the process itself is alive
        assert wsgi.get("/readyz").status_code == 503
    finally:
        connection.settings_dict["PORT"] = port  # the database is back; nobody resets anything

    assert wsgi.get(api_url, headers=auth).status_code == 200
    assert wsgi.get("/admin/").status_code == 200
    assert wsgi.get("/readyz").status_code == 200


def _terminate(params: dict[str, Any], pid: int) -> None:
    """End server process `pid` from another one. Through pgbouncer a new connection may be
    handed that very server process: two are held in a transaction (so each keeps its own)
    and the one that is not `pid` ends it."""
    held = [psycopg.connect(**params), psycopg.connect(**params)]
    try:
        mine = [int(c.execute("SELECT pg_backend_pid()").fetchone()[0]) for c in held]
        killer = held[0] if mine[0] != pid else held[1]
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        for c in held:
            c.close()


def _server_pid(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@pytest.mark.postgres
def test_a_connection_killed_under_a_persistent_connection_recovers(live, settings):
    """The server ends our session (a restart, a failover): the request that meets the dead
    connection is a 503 at worst, and the next one is served on a new connection."""
    wsgi, api_url, auth = live
    connection = connections[DEFAULT_DB_ALIAS]
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600  # persistent, as in production
    try:
        connection.close()
        assert wsgi.get(api_url, headers=auth).status_code == 200
        # The server process serving us (behind pgbouncer: the pooled server connection, which
        # the pooler replaces while our own connection to it lives on).
        pid = _server_pid(connection)
        _terminate(connection.get_connection_params(), pid)
        first = wsgi.get(api_url, headers=auth)
        assert first.status_code in (200, 503)
        if first.status_code == 503:
            assert_clean_api_503(first.status_code, first.get_data(), first.headers)
        assert wsgi.get(api_url, headers=auth).status_code == 200
        assert _server_pid(connection) != pid
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        connection.close()
