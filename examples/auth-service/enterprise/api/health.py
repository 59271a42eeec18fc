"""Service identity, liveness and readiness."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from enterprise.api.deps import ContextDep
from enterprise.readiness import dependency_probes, run_checks

router = APIRouter(tags=["health"])


SERVICE_NAME = "fm-auth-service"


def served_version(source_version: str) -> str:
    """APP_VERSION (baked into the image at build) wins, so a smoke test sees which build serves."""
    return os.environ.get("APP_VERSION") or source_version


@router.get("/")
def root(request: Request) -> dict[str, str]:
    return {"service": SERVICE_NAME, "version": served_version(request.app.state.source_version)}


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness only: no dependency is checked, so a DB outage does not restart tasks."""
    return {"status": "ok"}


@router.get("/ready")
def ready(context: ContextDep) -> JSONResponse:
    """Readiness: 200 when Postgres and Redis answer, else 503 naming the failed dependencies."""
    report = run_checks(dependency_probes(context))
    return JSONResponse(report.as_body(), status_code=200 if report.ready else 503)
