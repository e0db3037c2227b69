"""The README's API examples work on the demo a newcomer gets from `make run`: every fenced
block marked `<!-- readme-example -->` is run, line by line, against a live server on the
seeded demo: `manage.py` lines as the command they name, `curl` lines as the HTTP request
they make (parsed, not shelled out: curl may not be installed), with the token the
README's own `create_api_client` line printed. A `# 201` comment at the end of a curl line is
the status it must answer (else any 2xx), and naming a header there checks it is sent."""

from __future__ import annotations

import re
import shlex
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.management import call_command

README = Path(settings.BASE_DIR) / "README.md"
MARKER = "<!-- readme-example -->"
DEMO_HOST = "http://127.0.0.1:8000"


def marked_blocks(text: str) -> list[list[str]]:
    """The lines of each fenced block right after the marker, continuations joined."""
    blocks = []
    for match in re.finditer(re.escape(MARKER) + r"\s*\n```[a-z]*\n(.*?)\n```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", match.group(1))
        blocks.append([line.strip() for line in joined.splitlines() if line.strip()])
    return blocks


def _expectation(line: str) -> tuple[str, int | None, list[str]]:
    command, _, comment = line.partition("  # ")
    found = re.match(r"\s*(\d{3})\b(.*)", comment)
    if not found:
        return command, None, []
    return (
        command,
        int(found.group(1)),
        re.findall(r"[A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)+", found.group(2)),
    )


def _curl(words: list[str], token: str, base: str) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "GET", "headers": {}, "data": None}
    words = iter(words[1:])
    for word in words:
        if word == "-X":
            request["method"] = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            request["headers"][name.strip()] = value.strip().replace("$TOKEN", token)
        elif word in {"-d", "--data"}:
            request["data"] = next(words).encode()
            if request["method"] == "GET":
                request["method"] = "POST"
        elif word in {"-i", "-s", "-sS", "--include"}:
            continue
        elif word.startswith(DEMO_HOST):
            request["url"] = base + word[len(DEMO_HOST) :]
        else:
            raise AssertionError(f"the README's curl uses {word!r}, which this test can't run")
    return request


def _manage(words: list[str]) -> str:
    args = words[words.index("manage.py") + 1 :]
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(transactional_db: Any) -> None:
    # The demo `make run` seeds (seed 42): its first customers cover every tier in order, so a
    # small one has the README's customer as the full one does.
    call_command("seed_demo", "--customers", "12", "--no-progress", "--force", stdout=StringIO())


def test_the_readme_marks_its_api_examples():
    blocks = marked_blocks(README.read_text())
    assert blocks, f"README.md marks its API examples with {MARKER}"
    lines = [line for block in blocks for line in block]
    assert any("create_api_client" in line for line in lines)
    assert sum(line.startswith("curl") for line in lines) >= 3


def test_the_readme_api_examples_run_against_the_demo(demo, live_server):
    token = ""
    ran = []
    for block in marked_blocks(README.read_text()):
        for line in block:
            command, status, headers = _expectation(line)
            words = shlex.split(command)
            if words[0] == "export":
                continue  # `export TOKEN=...`: the test holds the token itself
            if "manage.py" in words:
                output = _manage(words)
                if "create_api_client" in words:
                    token = output.strip().splitlines()[-1]
                continue
            assert words[0] == "curl", f"the README runs {words[0]!r}: not an API example"
            assert token, "the README creates its token before it uses it"
            request = _curl(words, token, live_server.url)
            response = requests.request(timeout=30, **request)
            if status is None:
                assert response.ok, (line, response.status_code, response.text[:300])
            else:
                assert response.status_code == status, (line, response.text[:300])
            for header in headers:
                assert header in response.headers, (line, header)
            ran.append((request["method"], response.status_code))
    assert ("POST", 201) in ran and ("GET", 200) in ran
