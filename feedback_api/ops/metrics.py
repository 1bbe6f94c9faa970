"""Prometheus metrics at `/metrics`, for the operators and never for the public.

What is measured and why this way:

* Request latency by *route template* (`/status/{code}`), never the raw path: a raw path
  carries tracking codes (the key to a citizen's tip) and would make one series per tip.
* Submissions created by kind and channel, and outbox deliveries by outcome, are counted from
  SQLAlchemy mapper events: every writer (API, CLI, tests) is covered without touching the
  services, and an idempotent replay that inserts nothing counts nothing.
* Channel updates (webhooks) by channel and outcome, from the webhook routes' answers.
* Outbox depth is a gauge computed at scrape time from the database, so several processes
  report the same truth.

Access: a bearer token (`LANGNGHE_METRICS_TOKEN`) or a client address in
`LANGNGHE_METRICS_ALLOW` (decided by feedback_api.clientaddr, so X-Forwarded-For is believed
only from trusted proxies). Anyone else gets 404: the endpoint is not advertised.
"""

from __future__ import annotations

import ipaddress
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import event, func, inspect
from sqlmodel import Session, select

from feedback_api.clientaddr import client_address, parse_networks
from feedback_api.officers.security import same_secret
from feedback_api.outbox.models import OutboxMessage
from feedback_api.submissions.models import Submission

REGISTRY = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "langnghe_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SUBMISSIONS_CREATED = Counter(
    "langnghe_submissions_created_total",
    "Submissions stored, by kind and channel.",
    ["kind", "channel"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "langnghe_outbox_deliveries_total",
    "Outbox delivery outcomes acknowledged by the senders (sent, retry, failed).",
    ["outcome"],
    registry=REGISTRY,
)
UPDATES = Counter(
    "langnghe_channel_updates_total",
    "Updates received on channel webhooks, by channel and outcome.",
    ["channel", "outcome"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "langnghe_outbox_depth",
    "Outbox messages not yet delivered, by state (computed at scrape).",
    ["state"],
    registry=REGISTRY,
)

# Webhook route templates → channel name; other branches add theirs here.
WEBHOOK_CHANNELS = {"/telegram/webhook": "telegram", "/zalo/webhook": "zalo"}

router = APIRouter(include_in_schema=False)


async def remember_route(request: Request) -> None:
    """An app-wide dependency: note the matched route's template where the middleware finds
    it (request.state is shared; the scope the middleware holds may not get the route when
    an endpoint raises). `async` so that FastAPI does not send it to the thread pool."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        request.state.route_template = path


def route_template(scope: dict) -> str:
    template = (scope.get("state") or {}).get("route_template")
    if template:
        return template
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static/{path}"
    return "unmatched"  # unknown paths are never labels: anyone could mint series


def _outcome(status: int) -> str:
    if status < 400:
        return "accepted"
    return "refused" if status < 500 else "error"


class MeasureRequests:
    """Time every request; count webhook updates. Pure ASGI (see feedback_api.headers)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with the route dependency that names the route
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
            channel = WEBHOOK_CHANNELS.get(route)
            if channel is not None:
                UPDATES.labels(channel, _outcome(status)).inc()


def install(app: FastAPI) -> None:
    app.add_middleware(MeasureRequests)


@event.listens_for(Submission, "after_insert")
def _submission_created(_mapper, _connection, target: Submission) -> None:
    submission_created(kind=str(target.kind), channel=str(target.channel))


def submission_created(*, kind: str, channel: str) -> None:
    """Count one stored submission. ORM writers are counted by the mapper event above; the
    intake's SQL-core insert (feedback_api.submissions.service.create) calls this itself."""
    SUBMISSIONS_CREATED.labels(kind, channel).inc()


@event.listens_for(OutboxMessage, "after_update")
def _delivery_acknowledged(_mapper, _connection, target: OutboxMessage) -> None:
    history = inspect(target).attrs.state.history
    if not history.has_changes() or "leased" not in [str(v) for v in history.deleted or ()]:
        return  # only a lease's end is a delivery outcome (not leasing, not withdrawing)
    outcome = {"sent": "sent", "pending": "retry", "failed": "failed"}.get(str(target.state))
    if outcome:
        DELIVERIES.labels(outcome).inc()


def allowed(request: Request) -> bool:
    settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if settings.metrics_token and token and same_secret(token, settings.metrics_token):
        return True
    networks = parse_networks(settings.metrics_allow)
    if not networks:
        return False
    peer = request.client.host if request.client else None
    address = client_address(
        peer, request.headers.getlist("x-forwarded-for"), request.app.state.trusted_proxies
    )
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _refresh_outbox_depth(engine) -> None:
    with Session(engine) as db:
        rows = db.exec(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.state.in_(("pending", "leased")))
            .group_by(OutboxMessage.state)
        ).all()
    counts = {"pending": 0, "leased": 0} | {str(state): n for state, n in rows}
    for state, n in counts.items():
        OUTBOX_DEPTH.labels(state).set(n)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not allowed(request):
        return Response(status_code=404)
    _refresh_outbox_depth(request.app.state.engine)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
