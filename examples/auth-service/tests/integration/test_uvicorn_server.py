"""The image's command, run for real: uvicorn with the app factory on a loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess  # nosec B404 - starting the service under test
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from enterprise.settings import Settings
from tests.conftest import random_secret

SERVICE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def uvicorn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "enterprise.main:create_app"]
    return subprocess.Popen(  # nosec B603 - fixed argv, no shell
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=SERVICE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # nosec B310 - loopback URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "JWT_SECRET_KEY": random_secret(),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "APP_VERSION": "9.8.7-test",
    }
    process = uvicorn(port, env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                get_json(base + "/health")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"uvicorn did not serve /health within 20s:\n{output}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def test_served_by_uvicorn(server: str) -> None:
    assert get_json(server + "/health") == (200, {"status": "ok"})
    assert get_json(server + "/") == (200, {"service": "fm-auth-service", "version": "9.8.7-test"})
    status, body = get_json(server + "/ready")
    assert (status, body["status"]) == (200, "ready")


def test_startup_fails_clearly_without_jwt_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k != "JWT_SECRET_KEY"}
    process = uvicorn(free_port(), env)
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert b"JWT_SECRET_KEY is not set" in output
