"""Errors on officer pages are pages, not JSON: the signed-in officer keeps the navigation and
the logout button (403/404/422 alike), so an error is never a dead end."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session

from feedback_api.deps import _browser_session


def is_page_request(request: Request) -> bool:
    path = request.url.path
    return path == "/officer" or path.startswith("/officer/")


def render_error(request: Request, status: int, message: str):
    """Called from synchronous exception handlers (Starlette runs them in a thread pool), so the
    session lookup does not block the event loop."""
    from feedback_api.pages.auth import page

    with Session(request.app.state.engine, expire_on_commit=False) as db:
        browser = _browser_session(request, db)
    return page(request, "error.html", browser, status_code=status, status=status, message=message)
