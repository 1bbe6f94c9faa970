"""JSON routes: campaigns for officers' scripts (list, compose, count; approval and controls
are on the web pages, where the four-eyes step is seen), and the delivery protocol for workers
(service token). Thin: parse, authorise through the service, respond with wire objects."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from sqlmodel import Session

from feedback_api.broadcasts import delivery, images, links, service
from feedback_api.broadcasts.models import Broadcast
from feedback_api.broadcasts.schemas import (
    AudienceQuery,
    BroadcastDraft,
    BroadcastPublic,
    BroadcastsPublic,
    Claim,
    ClaimRequest,
    LinkRequest,
    LinkResult,
    RecipientCount,
    StepRequest,
    StepResult,
)
from feedback_api.deps import (
    CurrentActor,
    ServiceCaller,
    SessionDep,
    SettingsDep,
    client_ip,
)
from feedback_api.permissions import NotFound

router = APIRouter(prefix="/api/v1/broadcasts", tags=["broadcasts"])
work = APIRouter(prefix="/api/v1/broadcast-work", tags=["broadcast delivery (workers)"])


@router.get("", response_model=BroadcastsPublic)
def list_broadcasts(db: SessionDep, actor: CurrentActor) -> BroadcastsPublic:
    rows = service.list_in_reach(db_session=db, actor=actor)
    return BroadcastsPublic(data=[service.to_public(b) for b in rows], count=len(rows))


@router.post("", response_model=BroadcastPublic, status_code=201)
def create(data: BroadcastDraft, request: Request, db: SessionDep, actor: CurrentActor):
    broadcast = service.create(db_session=db, actor=actor, data=data, ip=client_ip(request))
    return service.to_public(broadcast)


@router.post("/count", response_model=RecipientCount)
def count(data: AudienceQuery, db: SessionDep, actor: CurrentActor) -> RecipientCount:
    n = service.recipient_count(
        db_session=db, actor=actor, unit_ids=data.unit_ids, topics=data.topics
    )
    return RecipientCount(count=n)


# -- workers --------------------------------------------------------------------------------------


# The claim and the step are every worker's hot path (a step per ten sends). Each is one hop
# to a worker thread that opens its own session, rather than the usual synchronous
# dependencies (settings, session, service check), which cost a thread hop each.


# The service check is ServiceCaller: an async dependency, so it costs no thread hop either.
Worker = ServiceCaller


def _in_session(request: Request, work, **kwargs):
    with Session(request.app.state.engine, expire_on_commit=False) as db_session:
        return work(db_session=db_session, settings=request.app.state.settings, **kwargs)


@work.post("/claim", response_model=Claim)
async def claim(data: ClaimRequest, request: Request, _w: Worker) -> Claim:
    return await run_in_threadpool(
        _in_session,
        request,
        delivery.claim,
        limit=data.limit,
        lease_seconds=data.lease_seconds,
    )


@work.post("/step", response_model=StepResult)
async def step(data: StepRequest, request: Request, _w: Worker) -> StepResult:
    return await run_in_threadpool(
        _in_session,
        request,
        delivery.step,
        lease_token=data.lease_token,
        outcomes=data.outcomes,
        start=data.start,
        renew_seconds=data.renew_seconds,
        lease_seconds=data.lease_seconds,
    )


@work.get("/{broadcast_id}/image")
def image(broadcast_id: int, db: SessionDep, settings: SettingsDep, _c: ServiceCaller):
    broadcast = db.get(Broadcast, broadcast_id)
    if broadcast is None or not broadcast.image_name:
        raise NotFound("image")
    return FileResponse(images.path_of(settings, broadcast.image_name))


@work.post("/links", response_model=LinkResult)
def link_chat(data: LinkRequest, db: SessionDep, _c: ServiceCaller) -> LinkResult:
    return LinkResult(
        linked=links.redeem(db_session=db, citizen_ref=data.citizen_ref, code=data.code)
    )
