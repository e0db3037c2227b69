"""The load test at a small fixed size (CI runs it on PostgreSQL): gunicorn and PostgreSQL on
loopback, the open-loop generator for 8 s at 20 req/s, no failed request, quotas exact
afterwards. Its own database (`<name>_load`), since gunicorn's processes must see committed
data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from bookshelf.devtools.loadtest import benchmarks_write


def _load_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_load"))


@pytest.mark.postgres
def test_a_small_load_run_has_no_errors_and_exact_quotas(tmp_path):
    benchmarks = tmp_path / "BENCHMARKS.md"
    benchmarks.write_text("# Benchmarks\n\n## Review\n\nkept as it was\n")
    env = dict(
        os.environ,
        DATABASE_URL=_load_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings.dev",
    )
    run = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "load_test",
            "--fresh",
            "--customers=40",
            "--users=8",
            "--rate=20",
            "--duration=8",
            "--workers=2",
            f"--benchmarks={benchmarks}",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    text = benchmarks.read_text()
    assert "## Review\n\nkept as it was\n" in text
    section = text[text.index("## Load") :]
    for request in ("GET bookshelf", "GET recommendations", "POST redemption", "**all**"):
        assert f"| {request} |" in section
    assert "Quotas afterwards: **exact**" in section
    assert "load test passed" in run.stdout


def test_the_load_section_replaces_only_itself(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    benchmarks_write(path, "## Load\n\nfirst\n")
    assert path.read_text() == "# Benchmarks\n\n## Load\n\nfirst\n"
    path.write_text(path.read_text() + "\n## Recommendations\n\nother helper's\n")
    benchmarks_write(path, "## Load\n\nsecond\n")
    assert path.read_text() == (
        "# Benchmarks\n\n## Load\n\nsecond\n\n## Recommendations\n\nother helper's\n"
    )
    assert Path(path).read_text().count("## Load") == 1
