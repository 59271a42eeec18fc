"""Application factory. Run with: uvicorn --factory enterprise.main:create_app"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from enterprise.api import auth, health, teams
from enterprise.context import AppContext, build_context
from enterprise.errors import ServiceError
from enterprise.settings import Settings, load_settings

# Bumped by the release process; keep this exact one-line form, tools read it with a regex.
__version__ = "1.0.0"

logger = logging.getLogger("enterprise")


async def _service_error(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ServiceError):
        raise exc
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings default to the environment (SettingsError: no JWT_SECRET_KEY)."""
    settings = settings or load_settings()
    context: AppContext = build_context(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context.close()

    app = FastAPI(title="FaultMaven Auth Service", version=__version__, lifespan=lifespan)
    app.state.context = context
    app.state.source_version = __version__
    app.add_exception_handler(ServiceError, _service_error)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(teams.router)
    logging.basicConfig(level=settings.log_level)
    logger.info("fm-auth-service %s starting (environment=%s)", __version__, settings.environment)
    return app
