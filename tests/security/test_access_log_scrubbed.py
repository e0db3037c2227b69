"""The access lines the web servers write themselves (gunicorn's request line and Referer,
runserver's `django.server` log) go through the same scrubber as the application's log.

A real server is started on loopback (gunicorn with deploy/gunicorn.conf.py, as the load test
does; `manage.py runserver`), sent requests carrying a mobile and an ID number in the path, the
query string and the Referer, in the written forms people use, and its whole output is read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MOBILE, ID_NUMBER = "15873863413", "11010519491231002X"
# What must never appear: the hidden middle of each number, in any form.
SECRET_PARTS = ("7386", "19491231", "1010519")
REQUESTS = [
    (f"/api/v1/customers/{ID_NUMBER.lower()}/bookshelf?q=%2B86{MOBILE}", f"/desk?q={MOBILE}"),
    ("/api/v1/customers/110105%2019491231%20002X/bookshelf", "https://x.example/158-7386-3413"),
    (f"/admin/customers/customer/?q=+86{MOBILE}&p=158.7386.3413", f"/?q=0086{MOBILE}"),
    ("/no-such-page/158%207386%203413?id=110105-19491231-002x", f"/?q=86{MOBILE}"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="INFO",
    )
    # The servers run on their own SQLite file: no pooler, no replica of the suite's database.
    for name in (
        "REDIS_URL",
        "PROMETHEUS_MULTIPROC_DIR",
        "DATABASE_POOLING",
        "DATABASE_REPLICA_URLS",
    ):
        env.pop(name, None)
    return env


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def _send_requests(port: int) -> None:
    for path, referer in REQUESTS:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Referer": referer}
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as error:
            assert error.code in {302, 401, 404}, error.code


def _server_output(command: list[str], tmp_path: Path, port: int) -> str:
    """Start the server, send the requests, stop it: everything it wrote."""
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        env = _env(tmp_path, port)
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            _wait_for(port, proc)
            _send_requests(port)
            time.sleep(0.5)  # the access line is written after the response
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return log.read_text(encoding="utf-8", errors="replace")


def _assert_scrubbed(text: str) -> None:
    for part in SECRET_PARTS:
        assert part not in text, f"{part!r} in the server's log:\n{text[-4000:]}"


def test_gunicorn_access_and_error_log_keep_the_numbers_out(tmp_path: Path):
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "deploy/gunicorn.conf.py"]
    text = _server_output(command, tmp_path, port)
    assert '"GET /api/v1/customers/' in text, text[-2000:]  # gunicorn's own access line
    assert "Booting worker" in text  # and its error log
    _assert_scrubbed(text)


def test_runserver_log_keeps_the_numbers_out(tmp_path: Path):
    port = _free_port()
    command = [
        sys.executable,
        "manage.py",
        "runserver",
        "--noreload",
        "--skip-checks",
        f"127.0.0.1:{port}",
    ]
    text = _server_output(command, tmp_path, port)
    assert '"GET /api/v1/customers/' in text, text[-2000:]  # runserver's own access line
    _assert_scrubbed(text)
