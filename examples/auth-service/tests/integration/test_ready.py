from __future__ import annotations

import dataclasses
import socket

from fastapi.testclient import TestClient

from enterprise.main import create_app
from enterprise.settings import Settings


def test_ready_with_real_postgres_and_redis(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}}


def test_ready_names_only_the_dependency_that_is_down(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    broken = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{closed_port}/0")
    with TestClient(create_app(broken)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert response.json()["checks"]["postgres"] == "ok"
