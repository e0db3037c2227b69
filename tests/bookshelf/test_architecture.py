"""The house rules of the code, checked like behaviour: the API contract and the job names
others depend on stay what they were, the import contracts hold, and no function outside the
development tools grows past 80 lines."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from bookshelf import jobs

ROOT = Path(settings.BASE_DIR)
# The schema as it was before the reshape, for each database: integer fields derived from a
# model take the database's integer range as their maximum (int32 on PostgreSQL, int64 on
# SQLite), so the embedded default documents wider bounds than production.
CONTRACTS = {
    "postgresql": Path(__file__).parent / "api" / "openapi_contract.json",
    "sqlite": Path(__file__).parent / "api" / "openapi_contract.sqlite.json",
}

# The names Celery knows the jobs by. Beat's schedule rows in the database store these
# strings, and so do messages already queued: they never change when code moves.
PINNED_TASK_NAMES = {
    "bookshelf.customer_values_refresh",
    "bookshelf.followups_escalate",
    "bookshelf.survey_invitations_sweep",
    "bookshelf.fulfilment_expire_sweep",
    "bookshelf.fulfilment_overdue_sweep",
    "bookshelf.proposals_auto_retire",
    "bookshelf.redemption_partitions_ensure",
    "bookshelf.shelf_review",
    "bookshelf.shelf_review_chunk",
    "bookshelf.shelf_review_finish",
    "bookshelf.statements_draft_month",
    "bookshelf.tasks.deliver_push",
    "bookshelf.tasks.idempotency_prune_task",
    "bookshelf.tasks.peer_usage_refresh_task",
    "bookshelf.tasks.requeue_pending_pushes",
    "bookshelf.tasks.suggestions_for_event",
    "bookshelf.tasks.suggestions_sweep",
    "bookshelf.tasks.webhook_deliver",
    "bookshelf.tasks.webhooks_sweep",
    "customers.tiers_recalculate",
}


def test_the_openapi_schema_is_the_contract(tmp_path):
    """The schema the code generates is the one clients were generated from
    (`openapi_contract.json`, PostgreSQL, the production database). A deliberate API change
    updates both files in the same commit, where a reviewer sees it."""
    from django.db import connection

    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out), "--validate")
    contract = CONTRACTS[connection.vendor]
    assert json.loads(out.read_text()) == json.loads(contract.read_text())


def test_every_task_keeps_its_name():
    from config.celery import app

    app.loader.import_default_modules()
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert registered == PINNED_TASK_NAMES
    assert set(jobs.ALL) | {"customers.tiers_recalculate"} == PINNED_TASK_NAMES
    for name in jobs.ALL:
        assert jobs.task(name).name == name


@pytest.mark.django_db
def test_every_scheduled_job_names_a_registered_task():
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    app.loader.import_default_modules()
    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))
    assert scheduled, "the migrations seed the schedule"
    assert scheduled <= PINNED_TASK_NAMES
    assert all(name in app.tasks for name in scheduled)


def test_the_import_contracts_hold():
    """`lint-imports` (also in `make lint`): layers, no circles, no task imported by domain
    code, integrations import no feature, development tools out of runtime code."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _long_functions(
    base: Path = ROOT, packages: tuple[str, ...] = ("bookshelf", "customers", "benefits", "config")
) -> list[str]:
    limit = 80
    found = []
    for package in packages:
        for path in sorted((base / package).rglob("*.py")):
            relative = path.relative_to(base).as_posix()
            if "/migrations/" in relative or relative.startswith("bookshelf/devtools/"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > limit:
                        found.append(f"{relative}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_outside_the_development_tools_is_over_80_lines():
    assert _long_functions() == []


def test_the_function_length_check_sees_a_long_function(tmp_path):
    """The check above would notice: a long function is reported, unless it is a dev tool."""
    for where in ("bookshelf/ledger", "bookshelf/devtools"):
        (tmp_path / where).mkdir(parents=True)
        body = "\n".join(f"    x{i} = {i}" for i in range(85))
        (tmp_path / where / "probe.py").write_text(f"def probe():\n{body}\n")
    found = _long_functions(tmp_path, ("bookshelf",))
    assert found == ["bookshelf/ledger/probe.py:1 probe (86 lines)"]
