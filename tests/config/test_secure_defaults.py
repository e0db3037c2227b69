"""A process that forgets DJANGO_SETTINGS_MODULE loads the production settings, which refuse
to start without real secrets: never the dev settings (DEBUG on, a public secret key, personal
data keys derived from it). `manage.py` keeps dev for `make run`; the local Celery targets name
the dev settings themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SECRETS = {
    "DJANGO_SECRET_KEY": "s" * 64 + "-a-real-secret",
    "DJANGO_ALLOWED_HOSTS": "bookshelf.example.com",
    "PII_ENCRYPTION_KEYS": "zQ9v3XvZ4rS0dS3o3m2Jj1sJx0oOq4X9S8n1pPq7k2M=",
    "PII_HASH_KEY": "h" * 48,
}
PROBE = (
    "import importlib, sys; importlib.import_module(sys.argv[1]);"
    "from django.conf import settings;"
    "print(settings.SETTINGS_MODULE, settings.DEBUG)"
)


def _load(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery"])
def test_without_a_settings_module_the_servers_refuse_to_start_insecure(module):
    result = _load(module, {})
    assert result.returncode != 0, result.stdout
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "config.settings.dev" not in result.stdout


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery"])
def test_without_a_settings_module_the_servers_load_production(module):
    result = _load(module, SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["config.settings.production", "False"]


@pytest.mark.parametrize(
    "key", ["dev-only-insecure-key-not-for-production", "test-only-insecure-key", "change-me"]
)
def test_production_refuses_the_public_development_keys(key):
    result = _load("config.wsgi", {**SECRETS, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "public development key" in result.stderr
    assert key not in result.stderr


def test_production_refuses_to_start_without_the_personal_data_keys():
    env = {k: v for k, v in SECRETS.items() if not k.startswith("PII_")}
    result = _load("config.wsgi", env)
    assert result.returncode != 0
    assert "Set PII_ENCRYPTION_KEYS" in result.stderr


def test_manage_py_and_the_local_celery_commands_name_the_dev_settings():
    assert '"config.settings.dev"' in (ROOT / "manage.py").read_text()
    procfile = (ROOT / "Procfile.dev").read_text()
    for line in procfile.splitlines():
        if " celery " in f" {line} ":
            assert "DJANGO_SETTINGS_MODULE=" in line and "config.settings.dev" in line, line
    makefile = (ROOT / "Makefile").read_text()
    assert "config.settings.dev" in makefile


@pytest.mark.parametrize(
    "setting", ["BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS", "BOOKSHELF_TRUSTED_PROXIES"]
)
def test_a_malformed_network_in_a_setting_refuses_to_start(setting):
    """Not a 500 at the first subscription or request: the process does not start."""
    result = _load("config.wsgi", {**SECRETS, setting: "10.0.0.0/8,10.0.0.300/33"})
    assert result.returncode != 0
    assert setting in result.stderr and "10.0.0.300/33" in result.stderr
    good = _load("config.wsgi", {**SECRETS, setting: "10.0.0.0/8,fd00::/8"})
    assert good.returncode == 0, good.stderr
