from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

from config.logs import JsonFormatter, PiiScrubFilter, scrub
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db


def test_healthz_answers_without_auth_or_data():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_redis_and_migrations():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "redis": True, "migrations": True}


def test_readyz_says_503_when_redis_is_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] is False


def test_metrics_are_protected(settings):
    settings.METRICS_TOKEN = "scrape-me"
    client = Client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "bookshelf_outbox_backlog" in text
    staff = Client()
    staff.force_login(UserFactory(username="ops"))
    assert staff.get("/metrics").status_code == 200


def test_redemption_results_are_counted(app_api):
    from prometheus_client import REGISTRY

    from customers.models import Tier
    from tests.factories import make_benefit, make_customer

    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1})
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"

    def count(result: str) -> float:
        return REGISTRY.get_sample_value("bookshelf_redemptions_total", {"result": result}) or 0

    before_ok, before_409 = count("created"), count("quota_exhausted")
    app_api.post(url, {"benefit": benefit.code}, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    app_api.post(url, {"benefit": benefit.code}, format="json", HTTP_IDEMPOTENCY_KEY="m-2")
    assert count("created") == before_ok + 1
    assert count("quota_exhausted") == before_409 + 1


def test_request_id_is_echoed_or_made():
    client = Client()
    made = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-trace")["X-Request-ID"] == (
        "abc12345-trace"
    )
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_logs_are_json_with_request_id_and_no_personal_data():
    record = logging.LogRecord(
        "bookshelf",
        logging.INFO,
        __file__,
        1,
        "customer %s id %s",
        ("13812345678", "11010519900307123X"),
        None,
    )
    PiiScrubFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "customer 138****5678 id 110***********123X"
    assert "request_id" in line
    assert scrub("took 0.005500386866212345s") == "took 0.005500386866212345s"


def test_compose_file_names_real_services_and_documented_variables():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    assert services["beat"]["deploy"]["replicas"] == 1
    readme = (ROOT / "README.md").read_text()
    base = (ROOT / "config" / "settings" / "base.py").read_text()
    prod = (ROOT / "config" / "settings" / "production.py").read_text()
    for name in services["web"]["environment"]:
        if name.startswith("POSTGRES") or name == "PROMETHEUS_MULTIPROC_DIR":
            continue
        assert name in base + prod or name == "DJANGO_SETTINGS_MODULE", name
        assert f"`{name}`" in readme, f"{name} missing from the README's table"
    for service in ("web", "worker", "beat", "migrate"):
        command = services[service]["command"]
        assert command[0] in {"gunicorn", "celery", "python"}
    assert (ROOT / services["web"]["build"]["dockerfile"].replace("deploy/", "deploy/")).exists()
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 64 + "-production-like-secret-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "bookshelf.example.com",
    "PII_ENCRYPTION_KEYS": "zQ9v3XvZ4rS0dS3o3m2Jj1sJx0oOq4X9S8n1pPq7k2M=",
    "PII_HASH_KEY": "h" * 48,
    "PATH": "/usr/bin:/bin",
}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("PII_ENCRYPTION_KEYS", "", "Set PII_ENCRYPTION_KEYS"),
        ("PII_ENCRYPTION_KEYS", "not-a-fernet-key", "not a Fernet key"),
        ("PII_HASH_KEY", "short", "PII_HASH_KEY"),
    ],
)
def test_production_refuses_to_start_without_the_personal_data_keys(name, value, says):
    result = _manage({**PRODUCTION_ENV, name: value}, "check")
    assert result.returncode != 0
    assert says in result.stderr
    assert "not-a-fernet-key" not in result.stderr  # a bad key is never echoed
