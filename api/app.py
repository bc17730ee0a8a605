"""The FastAPI application factory.

``create_app`` builds everything (settings, campus, job runner) when called, never at import, so
tests and several workers can each hold their own app. Routers are thin: they parse, call one
library function and serialise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.auth import AuthGate, StoreAuthenticator, current_principal
from api.errors import install_problem_handlers
from api.layers import default_layers
from api.lifespan import start_live, stop_live
from api.limits import install_request_gate
from api.parameter_glossary import install_parameter_glossary
from api.routers import router_modules
from api.settings import Settings
from twin import __version__
from twin.live.demo_seed import seed_demo
from twin.live.sla import load_policies
from twin.service.campus import Campus, serve_files
from twin.service.campus_routes import Site, load_site
from twin.service.jobs import JobRunner
from twin.service.warmup import warm_up_in_background

__all__ = ["create_app"]

log = logging.getLogger(__name__)

DESCRIPTION = """
Spatial service of the hospital building twin: IFC models joined with live state.

Identifiers are IFC GlobalIds; coordinates are metres in the model's frame (WGS84 is given too
where the model is georeferenced). Errors are RFC 9457 problem documents.
"""


def create_app(
    settings: Settings | None = None, *, campus: Campus | None = None, site: Site | None = None
) -> FastAPI:
    """Build the app. ``campus`` lets a caller (CLI, tests) hand in twins it already loaded,
    ``site`` a campus file already served into it (else ``settings.campus`` is loaded)."""
    settings = settings or Settings()
    campus = campus if campus is not None else Campus()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.models:
            serve_files(
                campus, settings.models, cache_dir=settings.cache_dir, federate=settings.federate
            )
        if settings.campus and app.state.site is None:
            app.state.site = load_site(campus, settings.campus, cache_dir=settings.cache_dir)
        if settings.warm_up:
            for twin in campus:
                warm_up_in_background(campus, twin)
        await start_live(app, settings, campus)
        if settings.demo_seed and len(campus):
            seed_demo(app.state.store, next(iter(campus)))
        # The viewer reads /openapi.json before its first paint; build it now, off the event loop,
        # instead of on that first request (about a second on the CI machine).
        threading.Thread(target=app.openapi, name="openapi-warmup", daemon=True).start()
        yield
        await stop_live(app)
        app.state.jobs.shutdown()

    app = FastAPI(
        title="Hospital building twin",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs is served from local assets by _docs (works without internet)
        redoc_url=None,  # ReDoc only loads from a CDN: /redoc now redirects to /docs
        # Roles are enforced by AuthGate from one table (api/roles.py); this dependency hands the
        # gate's decision to the handlers and documents the key on every operation.
        dependencies=[Depends(current_principal)],
    )
    app.add_middleware(AuthGate)
    app.state.settings = settings
    app.state.sla = load_policies(settings.sla)  # bad JSON fails here, not per dispatch
    app.state.campus = campus
    app.state.site = site
    app.state.jobs = JobRunner(
        settings.cache_dir, on_done=campus.add, workers=settings.ingest_workers
    )
    app.state.authenticator = StoreAuthenticator(app)
    app.state.plan_layers, app.state.scene_layers = default_layers()
    install_problem_handlers(app)
    install_parameter_glossary(app)
    install_request_gate(
        app, max_body_mb=settings.max_body_mb, max_upload_mb=settings.max_upload_mb
    )
    for name in router_modules():
        app.include_router(import_module(f"api.routers.{name}").router)
    _mount_viewer(app, settings.viewer_dir)
    _docs(app, settings.viewer_dir)
    return app


#: Swagger UI's files as npm installs them beside three.js (viewer/package.json).
SWAGGER_DIST = "node_modules/swagger-ui-dist"


def _docs(app: FastAPI, viewer_dir: Path) -> None:
    """Swagger UI at /docs from the viewer's copy of swagger-ui-dist, so the docs render on an
    intranet without internet; FastAPI's CDN copy only when that copy is not installed."""
    local = (viewer_dir / SWAGGER_DIST / "swagger-ui-bundle.js").exists()
    if not local:
        log.warning("%s not installed (make viewer-deps): /docs uses a CDN", SWAGGER_DIST)
    base = f"/viewer/{SWAGGER_DIST}"

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        spec, title = app.openapi_url or "/openapi.json", f"{app.title} - API"
        if not local:
            return get_swagger_ui_html(openapi_url=spec, title=title)
        return get_swagger_ui_html(
            openapi_url=spec,
            title=title,
            swagger_js_url=f"{base}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/swagger-ui.css",
            swagger_favicon_url=f"{base}/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")


def _mount_viewer(app: FastAPI, viewer_dir: Path) -> None:
    """Serve the static web client at /viewer and send / there."""
    if not (viewer_dir / "index.html").exists():
        log.info("no viewer at %s; serving the API only", viewer_dir)
        return
    app.mount("/viewer", StaticFiles(directory=viewer_dir, html=True), name="viewer")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/viewer/")

    @app.get("/m", include_in_schema=False)
    def technician_page() -> RedirectResponse:
        """The technician's phone page (docs/viewer.md, "Technician's phone")."""
        return RedirectResponse("/viewer/m.html")
