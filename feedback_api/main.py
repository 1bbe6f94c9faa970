"""`create_app(settings)`: the feedback API and the officer web view, from settings passed in."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.utils import is_body_allowed_for_status_code
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from feedback_api import accesslog, openapi
from feedback_api.attachments.storage import AttachmentRejected, AttachmentStore
from feedback_api.attachments_service import TooManyAttachments
from feedback_api.audit.api import router as audit_router
from feedback_api.bodylimit import BodySizeLimit
from feedback_api.broadcasts.api import router as broadcasts_router
from feedback_api.broadcasts.api import work as broadcast_work_router
from feedback_api.broadcasts.service import BroadcastError
from feedback_api.clientaddr import parse_networks
from feedback_api.db import engine_for
from feedback_api.forums.api import router as forums_router
from feedback_api.forums.service import ForumError
from feedback_api.knowledge.api import router as knowledge_router
from feedback_api.knowledge.pages import router as knowledge_pages_router
from feedback_api.knowledge.service import KnowledgeError
from feedback_api.officers.api import router as officers_router
from feedback_api.officers.service import OfficerError
from feedback_api.ops import logs, metrics
from feedback_api.ops.health import router as health_router
from feedback_api.outbox.api import router as outbox_router
from feedback_api.pages import router as pages_router
from feedback_api.pages.auth import install_login_redirect
from feedback_api.pages.errors import is_page_request, render_error
from feedback_api.permissions import Forbidden, NotFound
from feedback_api.quizzes.api import router as quizzes_router
from feedback_api.quizzes.service import QuizError
from feedback_api.ratelimit import RateLimiter
from feedback_api.settings import Settings
from feedback_api.submissions.api import router as submissions_router
from feedback_api.submissions.contacts import sealer_for
from feedback_api.submissions.service import SubmissionError
from feedback_api.subscriptions.api import router as subscriptions_router
from feedback_api.units.api import remembered_router
from feedback_api.units.api import router as units_router
from feedback_api.units.service import UnitError
from feedback_api.zalo.api import router as zalo_router

STATIC_DIR = Path(__file__).resolve().parent / "static"

CACHEABLE_PREFIXES = ("/static/",)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
}


class SecurityHeaders:
    """Security headers on every answer, and `no-store` on everything but static files.

    Pure ASGI (see feedback_api.ops.metrics.RequestMetrics for why)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not path.startswith(CACHEABLE_PREFIXES):
                    # Officer pages and API answers carry tips and names: never stored by the
                    # browser, so after logout the Back button fetches again (and meets the
                    # login page).
                    headers.setdefault("Cache-Control", "no-store")
                if path == "/docs":  # Swagger UI boots from one inline script
                    headers["Content-Security-Policy"] = SECURITY_HEADERS[
                        "Content-Security-Policy"
                    ].replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
            await send(message)

        await self.app(scope, receive, with_headers)


PAGE_ERRORS = {
    403: lambda exc: str(exc.detail) if exc.detail != "Forbidden" else "Bạn không có quyền.",
    404: lambda exc: "Không tìm thấy trang này.",
    405: lambda exc: "Trang này không nhận thao tác đó.",
}


def _error(request: Request, status: int, message: str):
    if is_page_request(request):
        return render_error(request, status, message)
    return JSONResponse({"detail": message}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    # Synchronous on purpose: an error page looks up the signed-in officer (to keep the
    # navigation), and Starlette runs sync handlers in its thread pool.
    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden):
        return _error(request, 403, "Bạn không có quyền thực hiện thao tác này.")

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound):
        return _error(request, 404, "Không tìm thấy.")

    @app.exception_handler(BroadcastError)
    @app.exception_handler(SubmissionError)
    @app.exception_handler(ForumError)
    @app.exception_handler(QuizError)
    @app.exception_handler(OfficerError)
    @app.exception_handler(UnitError)
    def rule_broken(request: Request, exc: ValueError):
        return _error(request, 422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException):
        """Unknown pages, wrong methods, a refused CSRF token or login on an officer page answer
        a page (with the navigation when signed in), never raw JSON; the API keeps FastAPI's
        JSON."""
        if is_page_request(request) and exc.status_code >= 400:
            message = PAGE_ERRORS.get(exc.status_code, lambda e: str(e.detail))(exc)
            return render_error(request, exc.status_code, message)
        if not is_body_allowed_for_status_code(exc.status_code):  # as FastAPI's own handler
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(KnowledgeError)
    def knowledge_refused(request: Request, exc: KnowledgeError):
        if is_page_request(request):
            return render_error(request, exc.status, "\n".join([str(exc), *exc.faults]))
        return JSONResponse({"detail": str(exc), "faults": exc.faults}, status_code=exc.status)

    @app.exception_handler(AttachmentRejected)
    async def attachment_rejected(request: Request, exc: AttachmentRejected):
        status = 413 if exc.code == "too_large" else 422
        return JSONResponse({"detail": exc.message_vi, "code": exc.code}, status_code=status)

    @app.exception_handler(TooManyAttachments)
    async def too_many(request: Request, exc: TooManyAttachments):
        return JSONResponse(
            {"detail": TooManyAttachments.message_vi.format(limit=exc.args[0]), "code": "too_many"},
            status_code=422,
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    def out_of_range(request: Request, exc: Exception):
        # The safety net behind feedback_api.wire: a number or date the database or the
        # calendar cannot hold is bad input (422), never a server error.
        return _error(request, 422, "Dữ liệu không hợp lệ (giá trị ngoài phạm vi cho phép).")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": "Dữ liệu không hợp lệ.", "errors": errors}, status_code=422)


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. The caller runs migrations first (`langnghe db upgrade`, or the tests)."""
    app = FastAPI(
        title="Lắng Nghe — feedback API",
        version="0.1.0",
        description="Tips, questions and opinions from citizens; triage for police officers.",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(metrics.remember_route)],
    )
    app.state.settings = settings
    accesslog.install()
    app.state.engine = engine or engine_for(settings)
    app.state.attachment_store = AttachmentStore(
        settings.resolved_attachments_dir,
        max_bytes=settings.max_upload_bytes,
        max_media_bytes=settings.max_media_upload_bytes,
    )
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    app.state.contact_sealer = sealer_for(settings.secret_key)
    app.state.status_limiter = RateLimiter(settings.status_lookups_per_minute)
    app.state.login_limiter = RateLimiter(30)

    app.add_middleware(SecurityHeaders)
    metrics.install(app)
    logs.install(app)
    if settings.log_format == "json":
        logs.configure_json()
    largest = max(settings.max_upload_bytes, settings.max_media_upload_bytes)
    app.add_middleware(BodySizeLimit, max_bytes=largest + 256 * 1024)
    _install_error_handlers(app)
    install_login_redirect(app)
    for router in (
        health_router,
        metrics.router,
        submissions_router,
        forums_router,
        quizzes_router,
        subscriptions_router,
        outbox_router,
        units_router,
        remembered_router,
        officers_router,
        audit_router,
        broadcasts_router,
        broadcast_work_router,
        knowledge_router,
        zalo_router,
        pages_router,
        knowledge_pages_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    openapi.install(app)

    @app.get("/docs", include_in_schema=False)
    def docs():
        """Swagger UI from vendored assets: units often run offline, so never a CDN."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Lắng Nghe API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app
