"""Readiness: can this instance reach Postgres and Redis right now?"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import text

from enterprise.context import AppContext


@dataclass(frozen=True)
class ReadinessReport:
    """Per-dependency result: "ok" or the failure's class name (never a URL or a secret)."""

    checks: dict[str, str]

    @property
    def failed(self) -> list[str]:
        return sorted(name for name, result in self.checks.items() if result != "ok")

    @property
    def ready(self) -> bool:
        return not self.failed

    def as_body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "status": "ready" if self.ready else "unavailable",
            "checks": self.checks,
        }
        if not self.ready:
            body["failed"] = self.failed
        return body


def run_checks(probes: Mapping[str, Callable[[], None]]) -> ReadinessReport:
    """Run every probe (none hides another) and record which ones raised."""
    results: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            probe()
            results[name] = "ok"
        except (
            Exception
        ) as exc:  # noqa: BLE001 - any failure means "not ready"; the class says which
            results[name] = f"error: {type(exc).__name__}"
    return ReadinessReport(results)


def dependency_probes(context: AppContext) -> dict[str, Callable[[], None]]:
    """The probes of this service: Postgres ``SELECT 1`` and Redis ``PING``."""

    def postgres() -> None:
        with context.engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()

    def redis() -> None:
        if not context.redis.ping():
            raise ConnectionError("PING was not answered with PONG")

    return {"postgres": postgres, "redis": redis}
