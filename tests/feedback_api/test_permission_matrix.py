"""Who may call which JSON endpoint, as one table: endpoint × role × unit scope → HTTP status.

The world is the conftest one (province T01 with commune XA and ward PB). Each role is one
signed-in officer with one client for the whole module: admin (province), officer.a, leader.a
and campaign.a (all XA), plus an anonymous client. "own" targets a record in XA; "other" its
twin in PB, which is what officer.b would own: outside the XA officers' reach, inside the
admin's province. "-" is an endpoint with no unit-bound target.

Expected statuses follow `permissions.ROLE_ACTIONS` and the unit scoping: 401 without a
session, 403 for an action the role lacks, 404 for a submission outside the actor's unit (no
hint it exists), the endpoint's 2xx otherwise; `test_the_table_follows_role_actions` derives
every row again from ROLE_ACTIONS, so the table and the rules cannot drift apart. Every 2xx
row also checks the body, so a success that returns the wrong record fails too.

The bot-only endpoints (intake, attachment upload, outbox lease/ack) answer the service token
and nothing else: 401 for every officer's session or API token.

The world is built once per backend for the whole module (a fresh database per row would cost
a minute); rows only make idempotent changes or create uniquely named records, so they do not
depend on each other's order.
"""

from __future__ import annotations

import io
import shutil
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text
from sqlmodel import Session

from faq import knowledge
from feedback_api.db import make_engine
from feedback_api.deps import current_actor
from feedback_api.knowledge import seeding, unanswered
from feedback_api.knowledge import service as service_kb
from feedback_api.knowledge.schemas import RevisionCreate, UnansweredCreate
from feedback_api.main import create_app
from feedback_api.officers import service as officers
from feedback_api.officers.models import Officer
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.outbox import service as outbox
from feedback_api.permissions import ROLE_ACTIONS, Action
from feedback_api.settings import Settings
from feedback_api.units import service as units
from tests.feedback_api.conftest import PASSWORD, SERVICE_TOKEN, TABLES, login, make_tip

ROLE_USER = {
    "admin": "admin",
    "officer": "officer.a",
    "leader": "leader.a",
    "campaign": "campaign.a",
}
ROLES = (*ROLE_USER, "anonymous")
# Which units' records each role reaches (the admin sits at the province above both).
REACH = {"admin": {"own", "other"}, "officer": {"own"}, "leader": {"own"}, "campaign": {"own"}}
TIP_TEXT = "Có người bán ma túy ở đầu ngõ 5 cạnh chợ"
REPLY = "Công an đã tiếp nhận tin của bạn."


# -- the endpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One officer-facing route, what it needs, and how to recognise a correct success.

    `before_scope` actions are checked before the record is looked up (403 even for a record
    out of reach); `after_scope` ones only once the record is in reach (out of reach → 404).
    """

    method: str
    route: str
    success: int
    before_scope: tuple[Action, ...] = ()
    after_scope: tuple[Action, ...] = ()
    unit_bound: bool = False  # the target is a submission (or its file) in a unit
    body: Callable[[Site, str], dict] | None = None
    params: Callable[[Site, str], dict] | None = None  # the query string, for GET rows
    check: Callable[[Site, str, str, object], None] = lambda site, role, scope, response: None


def _check_list(site, role, scope, response):
    listed = {row["id"] for row in response.json()["data"]}
    for where in ("own", "other"):
        assert (site.target(where).tip in listed) == (where in REACH[role]), where


def _check_is_the_tip(site, role, scope, response):
    assert response.json()["id"] == site.target(scope).tip


def _check_patched(site, role, scope, response):
    _check_is_the_tip(site, role, scope, response)
    assert response.json()["priority"] == "high"


def _check_note(site, role, scope, response):
    assert response.json()["author_id"] == site.officer_ids[ROLE_USER[role]]
    assert response.json()["text"] == "Ghi chú khi kiểm tra quyền"


def _check_replied(site, role, scope, response):
    _check_is_the_tip(site, role, scope, response)
    assert response.json()["public_reply"] == REPLY


def _check_duplicate(site, role, scope, response):
    _check_is_the_tip(site, role, scope, response)
    assert response.json()["status"] == "duplicate"
    assert response.json()["duplicate_of_id"] == site.target(scope).original


def _check_undone(site, role, scope, response):
    _check_is_the_tip(site, role, scope, response)
    assert response.json()["status"] != "duplicate"
    assert response.json()["duplicate_of_id"] is None


def _check_similar(site, role, scope, response):
    assert site.target(scope).original in [row["id"] for row in response.json()]


def _check_attachments(site, role, scope, response):
    assert [row["id"] for row in response.json()] == [site.target(scope).attachment]


def _check_officer_copy(site, role, scope, response):
    assert response.headers["content-type"] == "image/jpeg"
    assert "no-store" in response.headers["cache-control"]
    assert Image.open(io.BytesIO(response.content)).size == (40, 30)


def _check_original(site, role, scope, response):
    assert response.content == site.photo


def _check_report(site, role, scope, response):
    assert response.json()["unit_code"] == site.target(scope).unit_code
    assert response.json()["tips_received"] >= 2  # the target tip and its original


def _check_audit(site, role, scope, response):
    assert response.json()["count"] > 0


def _check_officers(site, role, scope, response):
    usernames = {o["username"] for o in response.json()["data"]}
    assert {"officer.a", "officer.b", "leader.a"} <= usernames  # the whole province


def _check_created_officer(site, role, scope, response):
    assert response.json()["unit_id"] == site.target(scope).unit_id
    assert response.json()["role"] == "officer"


def _check_patched_officer(site, role, scope, response):
    assert response.json()["id"] == site.target(scope).officer
    assert response.json()["full_name"] == "Cán bộ đã đổi tên"


def _check_unit(site, role, scope, response):
    assert response.json()["parent_id"] == site.target(scope).unit_id


def _check_token(site, role, scope, response):
    assert response.json()["token"].startswith("lnk_")


def _check_me(site, role, scope, response):
    assert response.json()["username"] == ROLE_USER[role]


def _check_broadcasts(site, role, scope, response):
    assert response.json()["count"] == len(response.json()["data"])


def _check_created_broadcast(site, role, scope, response):
    body = response.json()
    assert body["status"] == "draft" and body["author_id"] == site.officer_ids[ROLE_USER[role]]


SEE, TRIAGE = Action.VIEW_SUBMISSIONS, Action.TRIAGE
TIP = "/api/v1/submissions/{submission_id}"
ENDPOINTS = {
    "submissions.list": Endpoint(
        "GET", "/api/v1/submissions", 200, before_scope=(SEE,), check=_check_list
    ),
    "submission.get": Endpoint(
        "GET", TIP, 200, before_scope=(SEE,), unit_bound=True, check=_check_is_the_tip
    ),
    "submission.patch": Endpoint(
        "PATCH",
        TIP,
        200,
        before_scope=(TRIAGE, SEE),
        unit_bound=True,
        body=lambda site, scope: {"priority": "high"},
        check=_check_patched,
    ),
    "notes.get": Endpoint("GET", TIP + "/notes", 200, before_scope=(SEE,), unit_bound=True),
    "notes.post": Endpoint(
        "POST",
        TIP + "/notes",
        201,
        before_scope=(TRIAGE, SEE),
        unit_bound=True,
        body=lambda site, scope: {"text": "Ghi chú khi kiểm tra quyền"},
        check=_check_note,
    ),
    "submission.reply": Endpoint(
        "POST",
        TIP + "/reply",
        200,
        before_scope=(TRIAGE, SEE),
        unit_bound=True,
        body=lambda site, scope: {"text": REPLY},
        check=_check_replied,
    ),
    "submission.duplicate": Endpoint(
        "POST",
        TIP + "/duplicate",
        200,
        before_scope=(TRIAGE, SEE),
        unit_bound=True,
        body=lambda site, scope: {"duplicate_of": site.target(scope).original_code},
        check=_check_duplicate,
    ),
    "submission.undo_duplicate": Endpoint(
        "DELETE",
        TIP + "/duplicate",
        200,
        before_scope=(TRIAGE, SEE),
        unit_bound=True,
        check=_check_undone,
    ),
    "submission.similar": Endpoint(
        "GET", TIP + "/similar", 200, before_scope=(SEE,), unit_bound=True, check=_check_similar
    ),
    "attachments.list": Endpoint(
        "GET",
        TIP + "/attachments",
        200,
        before_scope=(SEE,),
        unit_bound=True,
        check=_check_attachments,
    ),
    "attachment.file": Endpoint(
        "GET",
        "/api/v1/attachments/{attachment_id}",
        200,
        before_scope=(SEE,),
        unit_bound=True,
        check=_check_officer_copy,
    ),
    "attachment.original": Endpoint(
        "GET",
        "/api/v1/attachments/{attachment_id}/original",
        200,
        before_scope=(SEE,),
        after_scope=(Action.VIEW_SEALED_ORIGINALS,),
        unit_bound=True,
        check=_check_original,
    ),
    "audit.browse": Endpoint(
        "GET", "/api/v1/audit", 200, before_scope=(Action.VIEW_AUDIT,), check=_check_audit
    ),
    "officers.list": Endpoint(
        "GET",
        "/api/v1/officers",
        200,
        before_scope=(Action.MANAGE_OFFICERS,),
        check=_check_officers,
    ),
    "officers.create": Endpoint(
        "POST",
        "/api/v1/officers",
        201,
        before_scope=(Action.MANAGE_OFFICERS,),
        body=lambda site, scope: {
            "username": f"moi.{uuid.uuid4().hex[:10]}",
            "full_name": "Cán bộ mới",
            "role": "officer",
            "unit_id": site.target(scope).unit_id,
            "password": "mat-khau-moi-du-dai-1",
        },
        check=_check_created_officer,
    ),
    "officers.patch": Endpoint(
        "PATCH",
        "/api/v1/officers/{officer_id}",
        200,
        before_scope=(Action.MANAGE_OFFICERS,),
        body=lambda site, scope: {"full_name": "Cán bộ đã đổi tên"},
        check=_check_patched_officer,
    ),
    "units.create": Endpoint(
        "POST",
        "/api/v1/units",
        201,
        before_scope=(Action.MANAGE_UNITS,),
        body=lambda site, scope: {
            "code": f"U{uuid.uuid4().hex[:10]}",
            "name": "Tổ công tác mới",
            "kind": "department",
            "parent_code": site.target(scope).unit_code,
        },
        check=_check_unit,
    ),
    "tokens.create": Endpoint(
        "POST",
        "/api/v1/officers/me/tokens",
        201,
        body=lambda site, scope: {"label": "kiểm tra quyền"},
        check=_check_token,
    ),
    "officers.me": Endpoint("GET", "/api/v1/officers/me", 200, check=_check_me),
    "broadcasts.list": Endpoint(
        "GET",
        "/api/v1/broadcasts",
        200,
        before_scope=(Action.VIEW_BROADCASTS,),
        check=_check_broadcasts,
    ),
    "broadcasts.create": Endpoint(
        "POST",
        "/api/v1/broadcasts",
        201,
        before_scope=(Action.BROADCAST,),
        body=lambda site, scope: {"title": "Kiểm tra quyền", "text": "Nội dung chiến dịch"},
        check=_check_created_broadcast,
    ),
    "broadcasts.count": Endpoint(
        "POST",
        "/api/v1/broadcasts/count",
        200,
        before_scope=(Action.BROADCAST,),
        body=lambda site, scope: {"topics": ["security"]},
        check=lambda site, role, scope, response: response.json()["count"] >= 0,
    ),
    "tokens.list": Endpoint("GET", "/api/v1/officers/me/tokens", 200),
    # Reports are for leaders and above (issue 13), each over their own unit subtree.
    "reports.get": Endpoint(
        "GET",
        "/api/v1/reports",
        200,
        before_scope=(Action.VIEW_REPORTS,),
        unit_bound=True,
        params=lambda site, scope: {"unit_id": site.target(scope).unit_id},
        check=_check_report,
    ),
    "officers.unlock": Endpoint(
        "POST",
        "/api/v1/officers/{officer_id}/unlock",
        200,
        before_scope=(Action.MANAGE_OFFICERS,),
    ),
}

EDIT_KB = (Action.EDIT_KNOWLEDGE,)
KB = "/api/v1/knowledge"


def _check_entries(site, role, scope, response):
    assert response.json()["count"] == len(list(knowledge.DEFAULT_DIR.glob("*.yaml")))


def _check_entry(site, role, scope, response):
    assert response.json()["slug"] == "trom-cap"


def _check_proposed(site, role, scope, response):
    body = response.json()
    assert body["status"] == "pending" and body["author_id"] == site.officer_ids[ROLE_USER[role]]


def _check_decided(status):
    def check(site, role, scope, response):
        body = response.json()
        assert body["status"] == status
        assert body["reviewer_id"] == site.officer_ids[ROLE_USER[role]]

    return check


def _unique_variant() -> str:
    return f"hỏi kiểm tra quyền {uuid.uuid4().hex}"


def _proposal(site, scope):
    with Session(site.engine) as db:
        document = service_kb.live_documents(db_session=db)["trom-cap"]
    document["questions"] = [*document["questions"], _unique_variant()]
    return {"slug": "trom-cap", "document": document}


def _fresh_question(site) -> int:
    with Session(site.engine) as db:
        question = unanswered.record_unanswered(
            db_session=db, data=UnansweredCreate(text=_unique_variant(), channel="web")
        )
        return question.id


ENDPOINTS.update(
    {
        "knowledge.entries": Endpoint(
            "GET", KB + "/entries", 200, before_scope=EDIT_KB, check=_check_entries
        ),
        "knowledge.entry": Endpoint(
            "GET", KB + "/entries/{slug}", 200, before_scope=EDIT_KB, check=_check_entry
        ),
        "knowledge.revisions": Endpoint("GET", KB + "/revisions", 200, before_scope=EDIT_KB),
        "knowledge.propose": Endpoint(
            "POST",
            KB + "/revisions",
            201,
            before_scope=EDIT_KB,
            body=_proposal,
            check=_check_proposed,
        ),
        # {revision_id}: a revision proposed just before the row by officer.p, a third officer.
        "knowledge.approve": Endpoint(
            "POST",
            KB + "/revisions/{revision_id}/approve",
            200,
            before_scope=EDIT_KB,
            check=_check_decided("approved"),
        ),
        "knowledge.reject": Endpoint(
            "POST",
            KB + "/revisions/{revision_id}/reject",
            200,
            before_scope=EDIT_KB,
            body=lambda site, scope: {"reason": "Kiểm tra quyền"},
            check=_check_decided("rejected"),
        ),
        "knowledge.unanswered": Endpoint("GET", KB + "/unanswered", 200, before_scope=EDIT_KB),
        "knowledge.variants": Endpoint(
            "POST",
            KB + "/unanswered/variants",
            201,
            before_scope=EDIT_KB,
            body=lambda site, scope: {
                "slug": "trom-cap",
                "question_ids": [_fresh_question(site)],
            },
            check=_check_proposed,
        ),
        "knowledge.dismiss": Endpoint(
            "POST",
            KB + "/unanswered/dismiss",
            200,
            before_scope=EDIT_KB,
            body=lambda site, scope: {"question_ids": [_fresh_question(site)]},
        ),
    }
)

# Officer-facing routes deliberately left out of the matrix.
NOT_IN_MATRIX = {
    ("POST", "/api/v1/auth/logout"),  # ends the session the other rows share
    # changes the caller's own password (every role may): test_officer_first_day.py
    ("POST", "/api/v1/officers/me/password"),
    # Only ever one's own token: test_security.py checks another's id answers 404.
    ("DELETE", "/api/v1/officers/me/tokens/{token_id}"),
}


# -- the matrix -----------------------------------------------------------------------------

# fmt: off
MATRIX = [
    # endpoint               role         scope    status
    ("submissions.list",     "admin",     "-",     200),
    ("submissions.list",     "officer",   "-",     200),
    ("submissions.list",     "leader",    "-",     200),
    ("submissions.list",     "campaign",  "-",     403),
    ("submissions.list",     "anonymous", "-",     401),

    ("submission.get",       "admin",     "own",   200),
    ("submission.get",       "admin",     "other", 200),
    ("submission.get",       "officer",   "own",   200),
    ("submission.get",       "officer",   "other", 404),
    ("submission.get",       "leader",    "own",   200),
    ("submission.get",       "leader",    "other", 404),
    ("submission.get",       "campaign",  "own",   403),
    ("submission.get",       "campaign",  "other", 403),
    ("submission.get",       "anonymous", "own",   401),

    ("submission.patch",     "admin",     "own",   200),
    ("submission.patch",     "admin",     "other", 200),
    ("submission.patch",     "officer",   "own",   200),
    ("submission.patch",     "officer",   "other", 404),
    ("submission.patch",     "leader",    "own",   403),
    ("submission.patch",     "leader",    "other", 403),
    ("submission.patch",     "campaign",  "own",   403),
    ("submission.patch",     "campaign",  "other", 403),
    ("submission.patch",     "anonymous", "own",   401),

    ("notes.get",            "admin",     "own",   200),
    ("notes.get",            "admin",     "other", 200),
    ("notes.get",            "officer",   "own",   200),
    ("notes.get",            "officer",   "other", 404),
    ("notes.get",            "leader",    "own",   200),
    ("notes.get",            "leader",    "other", 404),
    ("notes.get",            "campaign",  "own",   403),
    ("notes.get",            "campaign",  "other", 403),
    ("notes.get",            "anonymous", "own",   401),

    ("notes.post",           "admin",     "own",   201),
    ("notes.post",           "admin",     "other", 201),
    ("notes.post",           "officer",   "own",   201),
    ("notes.post",           "officer",   "other", 404),
    ("notes.post",           "leader",    "own",   403),
    ("notes.post",           "leader",    "other", 403),
    ("notes.post",           "campaign",  "own",   403),
    ("notes.post",           "campaign",  "other", 403),
    ("notes.post",           "anonymous", "own",   401),

    ("submission.reply",     "admin",     "own",   200),
    ("submission.reply",     "admin",     "other", 200),
    ("submission.reply",     "officer",   "own",   200),
    ("submission.reply",     "officer",   "other", 404),
    ("submission.reply",     "leader",    "own",   403),
    ("submission.reply",     "leader",    "other", 403),
    ("submission.reply",     "campaign",  "own",   403),
    ("submission.reply",     "campaign",  "other", 403),
    ("submission.reply",     "anonymous", "own",   401),

    ("submission.duplicate", "admin",     "own",   200),
    ("submission.duplicate", "admin",     "other", 200),
    ("submission.duplicate", "officer",   "own",   200),
    ("submission.duplicate", "officer",   "other", 404),
    ("submission.duplicate", "leader",    "own",   403),
    ("submission.duplicate", "leader",    "other", 403),
    ("submission.duplicate", "campaign",  "own",   403),
    ("submission.duplicate", "campaign",  "other", 403),
    ("submission.duplicate", "anonymous", "own",   401),

    ("submission.undo_duplicate", "admin",     "own",   200),
    ("submission.undo_duplicate", "admin",     "other", 200),
    ("submission.undo_duplicate", "officer",   "own",   200),
    ("submission.undo_duplicate", "officer",   "other", 404),
    ("submission.undo_duplicate", "leader",    "own",   403),
    ("submission.undo_duplicate", "leader",    "other", 403),
    ("submission.undo_duplicate", "campaign",  "own",   403),
    ("submission.undo_duplicate", "campaign",  "other", 403),
    ("submission.undo_duplicate", "anonymous", "own",   401),

    ("submission.similar",   "admin",     "own",   200),
    ("submission.similar",   "admin",     "other", 200),
    ("submission.similar",   "officer",   "own",   200),
    ("submission.similar",   "officer",   "other", 404),
    ("submission.similar",   "leader",    "own",   200),
    ("submission.similar",   "leader",    "other", 404),
    ("submission.similar",   "campaign",  "own",   403),
    ("submission.similar",   "campaign",  "other", 403),
    ("submission.similar",   "anonymous", "own",   401),

    ("attachments.list",     "admin",     "own",   200),
    ("attachments.list",     "admin",     "other", 200),
    ("attachments.list",     "officer",   "own",   200),
    ("attachments.list",     "officer",   "other", 404),
    ("attachments.list",     "leader",    "own",   200),
    ("attachments.list",     "leader",    "other", 404),
    ("attachments.list",     "campaign",  "own",   403),
    ("attachments.list",     "campaign",  "other", 403),
    ("attachments.list",     "anonymous", "own",   401),

    ("attachment.file",      "admin",     "own",   200),
    ("attachment.file",      "admin",     "other", 200),
    ("attachment.file",      "officer",   "own",   200),
    ("attachment.file",      "officer",   "other", 404),
    ("attachment.file",      "leader",    "own",   200),
    ("attachment.file",      "leader",    "other", 404),
    ("attachment.file",      "campaign",  "own",   403),
    ("attachment.file",      "campaign",  "other", 403),
    ("attachment.file",      "anonymous", "own",   401),

    ("attachment.original",  "admin",     "own",   200),
    ("attachment.original",  "admin",     "other", 200),
    ("attachment.original",  "officer",   "own",   403),
    ("attachment.original",  "officer",   "other", 404),
    ("attachment.original",  "leader",    "own",   403),
    ("attachment.original",  "leader",    "other", 404),
    ("attachment.original",  "campaign",  "own",   403),
    ("attachment.original",  "campaign",  "other", 403),
    ("attachment.original",  "anonymous", "own",   401),

    ("audit.browse",         "admin",     "-",     200),
    ("audit.browse",         "officer",   "-",     403),
    ("audit.browse",         "leader",    "-",     403),
    ("audit.browse",         "campaign",  "-",     403),
    ("audit.browse",         "anonymous", "-",     401),

    ("officers.list",        "admin",     "-",     200),
    ("officers.list",        "officer",   "-",     403),
    ("officers.list",        "leader",    "-",     403),
    ("officers.list",        "campaign",  "-",     403),
    ("officers.list",        "anonymous", "-",     401),

    ("officers.create",      "admin",     "own",   201),
    ("officers.create",      "admin",     "other", 201),
    ("officers.create",      "officer",   "own",   403),
    ("officers.create",      "leader",    "own",   403),
    ("officers.create",      "campaign",  "own",   403),
    ("officers.create",      "anonymous", "own",   401),

    ("officers.patch",       "admin",     "own",   200),
    ("officers.patch",       "admin",     "other", 200),
    ("officers.patch",       "officer",   "own",   403),
    ("officers.patch",       "leader",    "own",   403),
    ("officers.patch",       "campaign",  "own",   403),
    ("officers.patch",       "anonymous", "own",   401),

    ("units.create",         "admin",     "own",   201),
    ("units.create",         "admin",     "other", 201),
    ("units.create",         "officer",   "own",   403),
    ("units.create",         "leader",    "own",   403),
    ("units.create",         "campaign",  "own",   403),
    ("units.create",         "anonymous", "own",   401),

    ("tokens.create",        "admin",     "-",     201),
    ("tokens.create",        "officer",   "-",     201),
    ("tokens.create",        "leader",    "-",     201),
    ("tokens.create",        "campaign",  "-",     201),
    ("tokens.create",        "anonymous", "-",     401),

    ("officers.me",          "admin",     "-",     200),
    ("officers.me",          "officer",   "-",     200),
    ("officers.me",          "leader",    "-",     200),
    ("officers.me",          "campaign",  "-",     200),
    ("officers.me",          "anonymous", "-",     401),

    ("broadcasts.list",      "admin",     "-",     200),
    ("broadcasts.list",      "officer",   "-",     403),
    ("broadcasts.list",      "leader",    "-",     200),
    ("broadcasts.list",      "campaign",  "-",     200),
    ("broadcasts.list",      "anonymous", "-",     401),

    ("broadcasts.create",    "admin",     "-",     201),
    ("broadcasts.create",    "officer",   "-",     403),
    ("broadcasts.create",    "leader",    "-",     403),
    ("broadcasts.create",    "campaign",  "-",     201),
    ("broadcasts.create",    "anonymous", "-",     401),

    ("broadcasts.count",     "admin",     "-",     200),
    ("broadcasts.count",     "officer",   "-",     403),
    ("broadcasts.count",     "leader",    "-",     403),
    ("broadcasts.count",     "campaign",  "-",     200),
    ("broadcasts.count",     "anonymous", "-",     401),

    ("tokens.list",          "admin",     "-",     200),
    ("tokens.list",          "officer",   "-",     200),
    ("tokens.list",          "leader",    "-",     200),
    ("tokens.list",          "campaign",  "-",     200),
    ("tokens.list",          "anonymous", "-",     401),

    ("reports.get",          "admin",     "own",   200),
    ("reports.get",          "admin",     "other", 200),
    ("reports.get",          "officer",   "own",   403),
    ("reports.get",          "officer",   "other", 403),
    ("reports.get",          "leader",    "own",   200),
    ("reports.get",          "leader",    "other", 404),
    ("reports.get",          "campaign",  "own",   403),
    ("reports.get",          "campaign",  "other", 403),
    ("reports.get",          "anonymous", "own",   401),

    ("officers.unlock",      "admin",     "own",   200),
    ("officers.unlock",      "admin",     "other", 200),
    ("officers.unlock",      "officer",   "own",   403),
    ("officers.unlock",      "leader",    "own",   403),
    ("officers.unlock",      "campaign",  "own",   403),
    ("officers.unlock",      "anonymous", "own",   401),

    ("knowledge.entries",     "admin",     "-",     200),
    ("knowledge.entries",     "officer",   "-",     200),
    ("knowledge.entries",     "leader",    "-",     403),
    ("knowledge.entries",     "campaign",  "-",     403),
    ("knowledge.entries",     "anonymous", "-",     401),
    ("knowledge.entry",       "admin",     "-",     200),
    ("knowledge.entry",       "officer",   "-",     200),
    ("knowledge.entry",       "leader",    "-",     403),
    ("knowledge.entry",       "campaign",  "-",     403),
    ("knowledge.entry",       "anonymous", "-",     401),
    ("knowledge.revisions",   "admin",     "-",     200),
    ("knowledge.revisions",   "officer",   "-",     200),
    ("knowledge.revisions",   "leader",    "-",     403),
    ("knowledge.revisions",   "campaign",  "-",     403),
    ("knowledge.revisions",   "anonymous", "-",     401),
    ("knowledge.propose",     "admin",     "-",     201),
    ("knowledge.propose",     "officer",   "-",     201),
    ("knowledge.propose",     "leader",    "-",     403),
    ("knowledge.propose",     "campaign",  "-",     403),
    ("knowledge.propose",     "anonymous", "-",     401),
    ("knowledge.approve",     "admin",     "-",     200),
    ("knowledge.approve",     "officer",   "-",     200),
    ("knowledge.approve",     "leader",    "-",     403),
    ("knowledge.approve",     "campaign",  "-",     403),
    ("knowledge.approve",     "anonymous", "-",     401),
    ("knowledge.reject",      "admin",     "-",     200),
    ("knowledge.reject",      "officer",   "-",     200),
    ("knowledge.reject",      "leader",    "-",     403),
    ("knowledge.reject",      "campaign",  "-",     403),
    ("knowledge.reject",      "anonymous", "-",     401),
    ("knowledge.unanswered",  "admin",     "-",     200),
    ("knowledge.unanswered",  "officer",   "-",     200),
    ("knowledge.unanswered",  "leader",    "-",     403),
    ("knowledge.unanswered",  "campaign",  "-",     403),
    ("knowledge.unanswered",  "anonymous", "-",     401),
    ("knowledge.variants",    "admin",     "-",     201),
    ("knowledge.variants",    "officer",   "-",     201),
    ("knowledge.variants",    "leader",    "-",     403),
    ("knowledge.variants",    "campaign",  "-",     403),
    ("knowledge.variants",    "anonymous", "-",     401),
    ("knowledge.dismiss",     "admin",     "-",     200),
    ("knowledge.dismiss",     "officer",   "-",     200),
    ("knowledge.dismiss",     "leader",    "-",     403),
    ("knowledge.dismiss",     "campaign",  "-",     403),
    ("knowledge.dismiss",     "anonymous", "-",     401),
]

BOT_ONLY = [
    # endpoint          caller           status
    ("intake.create",   "admin",         401),
    ("intake.create",   "officer",       401),
    ("intake.create",   "leader",        401),
    ("intake.create",   "campaign",      401),
    ("intake.create",   "officer-token", 401),
    ("intake.create",   "anonymous",     401),
    ("intake.create",   "bot",           201),

    ("intake.upload",   "admin",         401),
    ("intake.upload",   "officer",       401),
    ("intake.upload",   "leader",        401),
    ("intake.upload",   "campaign",      401),
    ("intake.upload",   "officer-token", 401),
    ("intake.upload",   "anonymous",     401),
    ("intake.upload",   "bot",           201),

    ("outbox.lease",    "admin",         401),
    ("outbox.lease",    "officer",       401),
    ("outbox.lease",    "leader",        401),
    ("outbox.lease",    "campaign",      401),
    ("outbox.lease",    "officer-token", 401),
    ("outbox.lease",    "anonymous",     401),
    ("outbox.lease",    "bot",           200),

    ("outbox.ack",      "admin",         401),
    ("outbox.ack",      "officer",       401),
    ("outbox.ack",      "leader",        401),
    ("outbox.ack",      "campaign",      401),
    ("outbox.ack",      "officer-token", 401),
    ("outbox.ack",      "anonymous",     401),
    ("outbox.ack",      "bot",           200),

    ("broadcast.claim", "admin",         401),
    ("broadcast.claim", "officer",       401),
    ("broadcast.claim", "leader",        401),
    ("broadcast.claim", "campaign",      401),
    ("broadcast.claim", "officer-token", 401),
    ("broadcast.claim", "anonymous",     401),
    ("broadcast.claim", "bot",           200),

    ("broadcast.link",  "admin",         401),
    ("broadcast.link",  "officer",       401),
    ("broadcast.link",  "leader",        401),
    ("broadcast.link",  "campaign",      401),
    ("broadcast.link",  "officer-token", 401),
    ("broadcast.link",  "anonymous",     401),
    ("broadcast.link",  "bot",           200),

    ("knowledge.live",   "admin",         401),
    ("knowledge.live",   "officer",       401),
    ("knowledge.live",   "leader",        401),
    ("knowledge.live",   "campaign",      401),
    ("knowledge.live",   "officer-token", 401),
    ("knowledge.live",   "anonymous",     401),
    ("knowledge.live",   "bot",           200),
    ("intake.unanswered","admin",         401),
    ("intake.unanswered","officer",       401),
    ("intake.unanswered","leader",        401),
    ("intake.unanswered","campaign",      401),
    ("intake.unanswered","officer-token", 401),
    ("intake.unanswered","anonymous",     401),
    ("intake.unanswered","bot",           204),
    ("intake.served",    "admin",         401),
    ("intake.served",    "officer",       401),
    ("intake.served",    "leader",        401),
    ("intake.served",    "campaign",      401),
    ("intake.served",    "officer-token", 401),
    ("intake.served",    "anonymous",     401),
    ("intake.served",    "bot",           204),
]
# fmt: on


# -- the shared world -----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The records of one unit that the rows act on."""

    unit_id: int
    unit_code: str
    tip: int
    original: int
    original_code: str
    attachment: int
    officer: int


@dataclass
class Site:
    clients: dict[str, TestClient]
    csrf: dict[str, dict[str, str]]
    targets: dict[str, Target]
    officer_ids: dict[str, int]
    photo: bytes
    officer_token: str
    bot_target_code: str
    leased: tuple[int, str]
    engine: object = None

    def target(self, scope: str) -> Target:
        return self.targets["own" if scope == "-" else scope]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _build_world(db: Session, settings: Settings) -> dict:
    units.import_csv(
        db_session=db,
        text=(
            "code,name,kind,parent_code\n"
            "T01,Công an tỉnh Thử Nghiệm,province,\n"
            "XA,Công an xã An Bình,commune,T01\n"
            "PB,Công an phường Bình Minh,ward,T01\n"
        ),
    )
    unit = {code: units.get_by_code(db_session=db, code=code) for code in ("T01", "XA", "PB")}
    people = {
        "admin": ("admin", "T01"),
        "officer.a": ("officer", "XA"),
        "officer.b": ("officer", "PB"),
        "leader.a": ("leader", "XA"),
        "campaign.a": ("campaign", "XA"),
        "officer.p": ("officer", "T01"),
        "muc.tieu.xa": ("officer", "XA"),  # the accounts "officers.patch" rows change
        "muc.tieu.pb": ("officer", "PB"),
    }
    ids = {}
    for username, (role, code) in people.items():
        ids[username] = officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username=username,
                full_name=f"Cán bộ {username}",
                role=role,
                unit_id=unit[code].id,
                password=PASSWORD,
            ),
        ).id
    tips = {}
    for scope, code in (("own", "XA"), ("other", "PB")):
        tip = make_tip(db, settings, unit_code=code, text=TIP_TEXT)
        original = make_tip(db, settings, unit_code=code, text=TIP_TEXT + " số 5")
        tips[scope] = (unit[code], tip, original, ids[f"muc.tieu.{code.lower()}"])
    bot_target = make_tip(db, settings, unit_code="XA", text="Tin nhận ảnh từ bot khi kiểm tra")
    message = outbox.enqueue(
        db_session=db, citizen_ref="cref_matrix_0001", text="Tin nhắn thử", purpose="status"
    )
    db.commit()
    seeding.seed_if_empty(db_session=db)
    return {"ids": ids, "tips": tips, "bot_target": bot_target.tracking_code, "message": message}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        path = data_dir / "langnghe.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    settings = Settings(
        environment="test",
        data_dir=data_dir / "var",
        service_token=SERVICE_TOKEN,
        secret_key="test-secret-key-0123456789abcdef0123",
        _env_file=None,
    )
    with Session(engine, expire_on_commit=False) as db:
        world = _build_world(db, settings)
    app = create_app(settings, engine=engine)
    photo = _jpeg()
    bot_headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    with ExitStack() as stack:
        clients = {name: stack.enter_context(TestClient(app)) for name in (*ROLES, "bot")}
        csrf = {role: login(clients[role], username) for role, username in ROLE_USER.items()}
        csrf["anonymous"] = csrf["bot"] = {}
        targets = {}
        for scope, (unit, tip, original, officer_id) in world["tips"].items():
            upload = clients["bot"].post(
                f"/api/v1/intake/submissions/{tip.tracking_code}/attachments",
                headers=bot_headers,
                files={"file": ("anh.jpg", photo, "image/jpeg")},
            )
            assert upload.status_code == 201, upload.text
            targets[scope] = Target(
                unit.id,
                unit.code,
                tip.id,
                original.id,
                original.tracking_code,
                upload.json()["id"],
                officer_id,
            )
        lease = {"lease_seconds": 3600}  # held for the whole module: the "outbox.ack" rows use it
        response = clients["bot"].post("/api/v1/outbox/lease", headers=bot_headers, json=lease)
        leased = response.json()["data"]
        assert [m["id"] for m in leased] == [world["message"].id]
        token = clients["officer"].post(
            "/api/v1/officers/me/tokens", headers=csrf["officer"], json={"label": "script"}
        )
        yield Site(
            clients=clients,
            csrf=csrf,
            targets=targets,
            officer_ids=world["ids"],
            photo=photo,
            officer_token=token.json()["token"],
            bot_target_code=world["bot_target"],
            leased=(leased[0]["id"], leased[0]["lease_token"]),
            engine=engine,
        )
    engine.dispose()


def _url(site: Site, endpoint: Endpoint, scope: str) -> str:
    target = site.target(scope)
    extra = {"revision_id": _fresh_revision(site)} if "{revision_id}" in endpoint.route else {}
    return endpoint.route.format(
        submission_id=target.tip,
        attachment_id=target.attachment,
        officer_id=target.officer,
        slug="trom-cap",
        **extra,
    )


def _fresh_revision(site: Site) -> int:
    """A pending revision by officer.p, so that neither matrix role is its author."""
    with Session(site.engine, expire_on_commit=False) as db:
        author = officers.actor_for(
            db_session=db, officer=db.get(Officer, site.officer_ids["officer.p"])
        )
        data = RevisionCreate(**_proposal(site, "-"))
        return service_kb.propose(db_session=db, actor=author, data=data).id


def _call(site: Site, name: str, role: str, scope: str):
    endpoint = ENDPOINTS[name]
    body = endpoint.body(site, scope) if endpoint.body else None
    params = endpoint.params(site, scope) if endpoint.params else None
    return site.clients[role].request(
        endpoint.method,
        _url(site, endpoint, scope),
        json=body,
        params=params,
        headers=site.csrf[role],
    )


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "role", "scope", "expected"),
    MATRIX,
    ids=[f"{e}-{r}-{s}" for e, r, s, _ in MATRIX],
)
def test_permission_matrix(site, endpoint, role, scope, expected):
    response = _call(site, endpoint, role, scope)
    assert response.status_code == expected, response.text
    if expected < 300:
        ENDPOINTS[endpoint].check(site, role, scope, response)
        return
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    if expected == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    elif expected == 403:
        assert detail == "Bạn không có quyền thực hiện thao tác này."
    elif expected == 404:
        assert detail == "Không tìm thấy."


def test_out_of_reach_looks_exactly_like_missing(site):
    """A tip in another unit is answered as if it did not exist at all."""
    client, headers = site.clients["officer"], site.csrf["officer"]
    other = site.target("other")
    for hidden, missing in (
        (f"/api/v1/submissions/{other.tip}", "/api/v1/submissions/987654"),
        (f"/api/v1/attachments/{other.attachment}", "/api/v1/attachments/987654"),
    ):
        seen, absent = client.get(hidden, headers=headers), client.get(missing, headers=headers)
        assert (seen.status_code, seen.json()) == (absent.status_code, absent.json())


def _bot_call(site: Site, name: str, caller: str):
    if caller == "bot":
        client, headers = site.clients["bot"], {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    elif caller == "officer-token":  # an officer's script: a real token, but not the bot's
        client = site.clients["anonymous"]
        headers = {"Authorization": f"Bearer {site.officer_token}"}
    else:  # an officer's browser session, CSRF token included: still not the bot
        client, headers = site.clients[caller], site.csrf[caller]
    if name == "intake.create":
        body = {
            "kind": "question",
            "citizen_ref": "cref_matrix_bot_01",
            "unit_code": "XA",
            "text": "Hỏi thủ tục đăng ký tạm trú",
        }
        return client.post("/api/v1/intake/submissions", json=body, headers=headers)
    if name == "intake.upload":
        return client.post(
            f"/api/v1/intake/submissions/{site.bot_target_code}/attachments",
            files={"file": ("anh.jpg", site.photo, "image/jpeg")},
            headers=headers,
        )
    if name == "outbox.lease":
        return client.post("/api/v1/outbox/lease", json={"limit": 5}, headers=headers)
    if name == "broadcast.claim":
        return client.post("/api/v1/broadcast-work/claim", json={"limit": 5}, headers=headers)
    if name == "broadcast.link":
        body = {"citizen_ref": "cref_matrix_link_1", "code": "000000"}
        return client.post("/api/v1/broadcast-work/links", json=body, headers=headers)
    if name == "knowledge.live":
        return client.get("/api/v1/knowledge", headers=headers)
    if name == "intake.unanswered":
        body = {"text": "Hỏi thử khi kiểm tra quyền", "channel": "web"}
        return client.post("/api/v1/intake/unanswered", json=body, headers=headers)
    if name == "intake.served":
        body = {"items": [{"entry_id": "lam-can-cuoc", "channel": "zalo", "unit_code": "XA"}]}
        return client.post("/api/v1/intake/answers-served", json=body, headers=headers)
    message_id, lease_token = site.leased
    return client.post(
        f"/api/v1/outbox/{message_id}/ack",
        json={"lease_token": lease_token, "outcome": "sent"},
        headers=headers,
    )


@pytest.mark.parametrize(
    ("endpoint", "caller", "expected"), BOT_ONLY, ids=[f"{e}-{c}" for e, c, _ in BOT_ONLY]
)
def test_bot_only_endpoints_answer_the_service_token_alone(site, endpoint, caller, expected):
    response = _bot_call(site, endpoint, caller)
    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.json()["detail"] == "Invalid service token"
        return
    if endpoint in ("intake.unanswered", "intake.served"):  # 204: recorded, nothing to say
        assert response.content == b""
        return
    body = response.json()
    if endpoint == "intake.create":
        assert body["tracking_code"].startswith("LN-") and body["status"] == "new"
    elif endpoint == "intake.upload":
        assert body["mime"] == "image/jpeg"
    elif endpoint == "knowledge.live":
        assert body["version"] >= 1 and body["changed"] is True
    elif endpoint == "outbox.lease":
        assert isinstance(body["data"], list)
    elif endpoint == "broadcast.claim":
        assert body["deliveries"] == []
    elif endpoint == "broadcast.link":
        assert body == {"linked": False}
    else:
        assert body == {"id": site.leased[0], "state": "sent", "accepted": True}


# -- the table itself -----------------------------------------------------------------------


def _derived(endpoint: Endpoint, role: str, scope: str) -> int:
    """The status the rules predict: ROLE_ACTIONS for the role, REACH for the unit."""
    if role == "anonymous":
        return 401
    allowed = ROLE_ACTIONS[role]
    if any(action not in allowed for action in endpoint.before_scope):
        return 403
    if endpoint.unit_bound and scope not in REACH[role]:
        return 404
    if any(action not in allowed for action in endpoint.after_scope):
        return 403
    return endpoint.success


def test_the_table_follows_role_actions():
    wrong = [
        (name, role, scope, expected, _derived(ENDPOINTS[name], role, scope))
        for name, role, scope, expected in MATRIX
        if expected != _derived(ENDPOINTS[name], role, scope)
    ]
    assert wrong == []


def test_the_table_covers_every_endpoint_for_every_role():
    covered = {(name, role) for name, role, _, _ in MATRIX}
    assert covered == {(name, role) for name in ENDPOINTS for role in ROLES}
    assert len({row[:3] for row in MATRIX}) == len(MATRIX), "a row is listed twice"
    for name, endpoint in ENDPOINTS.items():  # a submission is tried inside and outside reach
        if endpoint.unit_bound:
            for role in ROLE_USER:
                scopes = {s for n, r, s, _ in MATRIX if (n, r) == (name, role)}
                assert scopes == {"own", "other"}, (name, role)
    bot_covered = {(name, caller) for name, caller, _ in BOT_ONLY}
    callers = {*ROLE_USER, "officer-token", "anonymous", "bot"}
    assert bot_covered == {(name, caller) for name, _, _ in BOT_ONLY for caller in callers}


def _depends_on(dependant, call) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _api_routes(routes):
    """Every APIRoute, also inside included routers (main.py includes them without prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # recent FastAPI keeps included routers whole
            yield from _api_routes(route.original_router.routes)


def test_every_officer_endpoint_of_the_app_is_in_the_matrix(tmp_path):
    """A new route behind an officer's login fails here until it gets its rows."""
    settings = Settings(environment="test", data_dir=tmp_path, _env_file=None)
    app = create_app(settings, engine=make_engine(f"sqlite:///{tmp_path / 'unused.db'}"))
    officer_routes = {
        (method, route.path)
        for route in _api_routes(app.routes)
        if _depends_on(route.dependant, current_actor)
        for method in route.methods
    }
    in_matrix = {(e.method, e.route) for e in ENDPOINTS.values()}
    assert officer_routes - NOT_IN_MATRIX == in_matrix
