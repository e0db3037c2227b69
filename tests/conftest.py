"""Shared fixtures. CI points the suite at the real PostgreSQL and Redis; when they are
configured and unreachable the suite fails here instead of skipping."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

REPLICATION_PLUGIN = "tests.replication.cluster"


def pytest_ignore_collect(collection_path: Path, config: Any) -> bool | None:
    """The replica tests run in a session of their own, against the primary and replica
    their plugin starts (`make test` runs both sessions); the main session leaves them."""
    replication = Path(__file__).parent / "replication"
    if collection_path == replication and not config.pluginmanager.has_plugin(REPLICATION_PLUGIN):
        return True
    return None


@pytest.fixture(scope="session", autouse=True)
def _real_services_reachable(django_db_setup: Any, django_db_blocker: Any) -> None:
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            pytest.fail(f"REDIS_URL is set but Redis is unreachable: {exc}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _pooled_server_connections_closed(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[None]:
    """Behind pgbouncer (DATABASE_POOLING=transaction) the pooler keeps idle server
    connections to this worker's test database after the suite has closed its own, and
    pytest-django's DROP DATABASE would fail ("being accessed by other users"). Before that
    drop (this teardown runs first: it depends on django_db_setup), the server backends of the
    test database are ended from the server side, through the pooler's maintenance database;
    pgbouncer sees them gone and opens no new one until a client asks."""
    yield
    if settings.DATABASE_POOLING != "transaction":
        return
    from django.db import connection, connections

    test_db = connection.settings_dict["NAME"]
    connections.close_all()
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_db],
        )


@pytest.fixture(autouse=True)
def _reference_data(request: Any) -> None:
    """Transactional tests end with a flush that also removes what data migrations put in
    (the default tier ladder...). Put it back before each database test."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("_django_db_helper")
    from tests.factories import ensure_reference_data

    ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in Chinese leaves Chinese active in the thread (the locale middleware does
    not reset it): the next test on that worker, the OpenAPI contract say, would read it."""
    yield
    translation.deactivate()


@pytest.fixture
def today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """On the embedded SQLite default, tests that need PostgreSQL's concurrency are left out
    (and said so at the end). With DATABASE_URL set they run, and fail if it is unreachable."""
    needs = []
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        needs.append("postgres")
    else:
        needs.append("sqlite")  # the embedded default's own behaviour, checked in its pass
    if not settings.REDIS_URL:
        needs.append("redis")
    if settings.DATABASE_POOLING != "transaction":
        needs.append("pgbouncer")  # checks of the pooled pass itself (make test-pgbouncer)
    if not needs:
        return

    def wanted(item: Any) -> bool:
        return not any(item.get_closest_marker(name) for name in needs)

    keep = [item for item in items if wanted(item)]
    left_out = [item for item in items if not wanted(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep
        config._bookshelf_left_out = len(left_out)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    left_out = getattr(config, "_bookshelf_left_out", 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} PostgreSQL-only tests were not run on SQLite: set DATABASE_URL "
            "(see README) to run the whole suite against PostgreSQL and Redis.",
            yellow=True,
        )


def pytest_report_header(config: Any) -> list[str]:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    lines = [f"bookshelf: database {engine}, redis {'on' if settings.REDIS_URL else 'off'}"]
    if engine != "postgresql":
        lines.append("bookshelf: PostgreSQL-only tests (@pytest.mark.postgres) are left out")
    if not settings.REDIS_URL:
        lines.append("bookshelf: Redis-only tests (@pytest.mark.redis) are left out")
    return lines


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run tasks in-process even when REDIS_URL points Celery at a real broker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


# --- No phone or ID number in the whole test run's log -------------------------------------
#
# Every phone and ID number the run stores goes through `encrypt_value`; they are recorded
# here. Every log record of the run is written to a file by a handler configured exactly like
# the production console handler (same filters, same formatter), and the output each test
# printed is appended. At the end of the session (of each xdist worker) none of the numbers
# may appear in it.

_SEEN_NUMBERS: set[str] = set()
_CAPTURED_OUTPUT: list[str] = []


def pytest_runtest_logreport(report: Any) -> None:
    for name, content in report.sections:
        if "stdout" in name or "stderr" in name:
            _CAPTURED_OUTPUT.append(content)


class _RunLog:
    """A file handler on the root logger, set up like the production console handler. If the
    application reconfigures logging (Celery's Django fixup calls `django.setup()` again, which
    replaces the root handlers), it is attached again before the next test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handler: logging.Handler | None = None

    def ensure_attached(self) -> None:
        root = logging.getLogger()
        if self.handler is not None and self.handler in root.handlers:
            return
        self.detach()
        console = next(h for h in root.handlers if h.get_name() == "console")
        handler = logging.FileHandler(self.path, encoding="utf-8")
        handler.setFormatter(console.formatter)
        for log_filter in console.filters:
            handler.addFilter(log_filter)
        root.addHandler(handler)
        self.handler = handler

    def detach(self) -> None:
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
            self.handler.close()
            self.handler = None


def _numbers_in(text: str, numbers: set[str]) -> list[str]:
    """The numbers that stand alone in the text (no letter or digit either side), case
    aside. A number of letters and digits only stands alone exactly when it is one whole run
    of letters and digits, so the text is split into those runs once (a search per number
    over a long run's log took minutes); any other number is searched for."""
    runs = {run.lower() for run in re.findall(r"[0-9A-Za-z]+", text)}

    def stands_alone(number: str) -> bool:
        if re.fullmatch(r"[0-9A-Za-z]+", number):
            return number.lower() in runs
        pattern = rf"(?<![0-9A-Za-z]){re.escape(number)}(?![0-9A-Za-z])"
        return re.search(pattern, text, re.I) is not None

    return sorted(number for number in numbers if stands_alone(number))


@pytest.fixture(scope="session", autouse=True)
def _pii_run_log_capture(tmp_path_factory: Any) -> Iterator[_RunLog]:
    from customers import fields, pii

    real_encrypt = pii.encrypt_value

    def recording(text: str) -> str:
        if text:
            _SEEN_NUMBERS.add(str(text))
        return real_encrypt(text)

    fields.encrypt_value = recording  # type: ignore[assignment]
    pii.encrypt_value = recording  # type: ignore[assignment]
    run_log = _RunLog(tmp_path_factory.mktemp("pii-run-log") / "run.log")
    run_log.ensure_attached()
    try:
        yield run_log
    finally:
        run_log.detach()
        fields.encrypt_value = real_encrypt  # type: ignore[assignment]
        pii.encrypt_value = real_encrypt  # type: ignore[assignment]
    text = run_log.path.read_text(encoding="utf-8") + "\n".join(_CAPTURED_OUTPUT)
    leaked = _numbers_in(text, _SEEN_NUMBERS)
    assert not leaked, (
        f"{len(leaked)} phone/ID numbers stored during the run appear in its log or output "
        f"(e.g. {leaked[0][:3]}…), see {run_log.path}"
    )


@pytest.fixture(autouse=True)
def pii_run_log(_pii_run_log_capture: _RunLog) -> Path:
    """The path of this worker's run log (tests read it to check what was logged)."""
    _pii_run_log_capture.ensure_attached()
    return _pii_run_log_capture.path
