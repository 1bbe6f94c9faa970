"""The OpenAPI document, saying what the server really answers.

FastAPI documents only the success and its own 422 shape; this server answers errors with one
body of its own ({"detail": "...", "code"?, "errors"?}) from the handlers in main.py, and more
statuses than the success. Each operation gets, derived from its route (never listed by hand):
401 when it needs credentials, 403 when an officer's role or CSRF token can refuse it, 404 when
it names a record in its path, 413 when it takes a body, 422 always (bad input), 429 when it
is rate-limited. File downloads are documented with the file types actually served.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from feedback_api.attachments.serving import FILE_TYPES
from feedback_api.deps import current_actor, require_service, service_or_actor

ERROR = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "why, in Vietnamese"},
        "code": {"type": "string", "description": "a machine-readable reason, when there is one"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                },
            },
        },
    },
}
DESCRIPTIONS = {
    400: "The body could not be parsed",
    401: "Missing or invalid credentials",
    403: "Not allowed for this role, or a missing CSRF token",
    404: "No such record within the caller's reach",
    413: "Body too large",
    422: "Invalid input",
    429: "Too many requests; retry later",
}
RATE_LIMITED = {"status_lookup", "login"}
# Routes that look a record up from their body, not their path (the citizen's own submission).
# Routes that look a record up from the body or the query string (404 when out of reach).
FOUND_BY_BODY = {"add_from_citizen", "get_report"}
FILES = {"attachment_file", "attachment_original"}


def _api_routes(routes):
    """Every APIRoute, also inside included routers (recent FastAPI keeps those whole)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def _depends_on(dependant, calls) -> bool:
    return any(d.call in calls or _depends_on(d, calls) for d in dependant.dependencies)


def _error_codes(route: APIRoute, method: str) -> list[int]:
    codes = {422}
    if _depends_on(route.dependant, {current_actor, require_service, service_or_actor}):
        codes.add(401)
    if _depends_on(route.dependant, {current_actor, service_or_actor}):
        codes.add(403)
    if route.dependant.path_params or route.name in FOUND_BY_BODY:
        codes.add(404)
    if route.body_field is not None or method in {"POST", "PUT", "PATCH"}:
        codes.update((400, 413))  # 400: a body that is not even JSON / multipart
    if route.name in RATE_LIMITED:
        codes.add(429)
        codes.add(401) if route.name == "login" else None
    return sorted(codes)


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        routes = {r.path_format: r for r in _api_routes(app.routes)}
        for path, operations in document.get("paths", {}).items():
            route = routes.get(path)
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in _error_codes(route, method.upper()) if route else [422]:
                    responses[str(code)] = {"description": DESCRIPTIONS[code], "content": error}
                if route is not None and route.name in FILES:
                    binary = {"schema": {"type": "string", "format": "binary"}}
                    responses["200"] = {
                        "description": "The file, with the type it really is",
                        "content": {mime: binary for mime in FILE_TYPES},
                    }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
