"""The knowledge loop as officers live it: the shipped FAQ becomes the live base, an edit needs a
second officer, bad edits are refused whole, and citizens' unanswered questions come back
grouped, without who asked them."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import select

from faq import knowledge
from feedback_api.audit.models import AuditEvent
from feedback_api.knowledge import seeding, service
from feedback_api.knowledge.faults import in_vietnamese
from feedback_api.knowledge.models import KnowledgeRevision
from feedback_api.knowledge.schemas import RevisionCreate, to_json_value
from tests.feedback_api.conftest import actor, login

ENTRY = "cutru-tam-vang"
SHIPPED = len(list(knowledge.DEFAULT_DIR.glob("*.yaml")))
ANOTHER_ENTRYS_VARIANT = yaml.safe_load(
    (knowledge.DEFAULT_DIR / "hochieu.yaml").read_text("utf-8")
)["questions"][0]
CORRECTION = (
    "Trường hợp khác: đi khỏi xã/phường nơi thường trú từ 12 tháng liên tục trở lên "
    "(Luật Cư trú 2020, Điều 31.1.d)."
)


@pytest.fixture
def seeded(db, world):
    assert seeding.seed_if_empty(db_session=db) == SHIPPED
    return world


@pytest.fixture
def second(app):
    """A second browser: another officer signed in at the same time."""
    with TestClient(app) as other:
        yield other


def _document(client, headers, slug=ENTRY) -> dict:
    response = client.get(f"/api/v1/knowledge/entries/{slug}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["document"]


def _corrected(document: dict) -> dict:
    return {**document, "answer": document["answer"].split("\n\n")[0] + "\n\n" + CORRECTION}


def _live(client, bot_headers, slug=ENTRY) -> tuple[int, dict]:
    body = client.get("/api/v1/knowledge", headers=bot_headers).json()
    return body["version"], next(e for e in body["entries"] if e["id"] == slug)


def test_the_live_base_starts_as_the_shipped_yaml_and_is_seeded_once(
    db, seeded, client, bot_headers
):
    assert seeding.seed_if_empty(db_session=db) == 0
    body = client.get("/api/v1/knowledge", headers=bot_headers).json()
    assert body["version"] == 1 and body["changed"] is True
    assert len(body["entries"]) == SHIPPED
    shipped = yaml.safe_load((knowledge.DEFAULT_DIR / f"{ENTRY}.yaml").read_text("utf-8"))
    assert next(e for e in body["entries"] if e["id"] == ENTRY)["answer"] == shipped["answer"]
    unchanged = client.get("/api/v1/knowledge?since=1", headers=bot_headers).json()
    assert unchanged == {"version": 1, "changed": False, "entries": []}


def test_an_edit_goes_live_only_when_a_second_officer_approves_it(
    db, seeded, client, second, bot_headers
):
    a = login(client, "officer.a")
    proposal = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={
            "slug": ENTRY,
            "document": _corrected(_document(client, a)),
            "note": "Sửa theo Luật Cư trú 2020 Điều 31.1.d",
        },
    )
    assert proposal.status_code == 201, proposal.text
    revision = proposal.json()
    assert revision["status"] == "pending" and revision["author"].startswith("officer.a")
    assert [change["field"] for change in revision["diff"]] == ["answer"]
    assert ("+", CORRECTION) in [tuple(line) for line in revision["diff"][0]["lines"]]
    assert _live(client, bot_headers)[0] == 1  # nothing live yet

    refused = client.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=a)
    assert refused.status_code == 403
    assert "không thể tự duyệt" in refused.json()["detail"]
    leader = login(second, "leader.a")
    assert (
        second.post(
            f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=leader
        ).status_code
        == 403
    )
    assert _live(client, bot_headers)[0] == 1

    b = login(second, "officer.b")
    approved = second.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=b)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["live_version"] == 2
    version, entry = _live(client, bot_headers)
    assert version == 2 and CORRECTION in entry["answer"]

    actions = [
        (e.action, e.actor.split(" ")[0])
        for e in db.exec(select(AuditEvent).where(AuditEvent.entity_type == "knowledge_revision"))
    ]
    assert actions == [("knowledge.propose", "officer.a"), ("knowledge.approve", "officer.b")]


def test_an_approval_never_overwrites_an_edit_that_went_live_after_the_proposal(
    seeded, client, second, bot_headers
):
    a, b = login(client, "officer.a"), login(second, "officer.b")
    document = _document(client, a)
    first = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={"slug": ENTRY, "document": _corrected(document)},
    ).json()
    stale = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={"slug": ENTRY, "document": {**document, "title": "Tạm vắng (bản cũ)"}},
    ).json()
    assert (
        second.post(f"/api/v1/knowledge/revisions/{first['id']}/approve", headers=b).status_code
        == 200
    )
    conflict = second.post(f"/api/v1/knowledge/revisions/{stale['id']}/approve", headers=b)
    assert conflict.status_code == 409
    version, entry = _live(client, bot_headers)
    assert version == 2 and CORRECTION in entry["answer"] and entry["title"] == document["title"]


def test_a_rejection_keeps_its_reason_and_changes_nothing(seeded, client, second, bot_headers):
    a, b = login(client, "officer.a"), login(second, "officer.b")
    revision = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={"slug": ENTRY, "document": _corrected(_document(client, a))},
    ).json()
    too_short = second.post(
        f"/api/v1/knowledge/revisions/{revision['id']}/reject", headers=b, json={"reason": ""}
    )
    assert too_short.status_code == 422
    rejected = second.post(
        f"/api/v1/knowledge/revisions/{revision['id']}/reject",
        headers=b,
        json={"reason": "Chưa dẫn đúng điều khoản"},
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "Chưa dẫn đúng điều khoản"
    again = second.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=b)
    assert again.status_code == 409
    assert _live(client, bot_headers)[0] == 1
    history = client.get(f"/api/v1/knowledge/revisions?slug={ENTRY}", headers=a).json()["data"]
    assert [r["status"] for r in history] == ["rejected", "seed"]


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda d: {**d, "answer": "x" * (knowledge.MAX_ANSWER_CHARS + 1)}, "answer has"),
        (lambda d: {**d, "title": ""}, "missing field(s): title"),
        (lambda d: {**d, "questions": d["questions"][:3]}, "question variants"),
        (
            lambda d: {**d, "questions": [*d["questions"], ANOTHER_ENTRYS_VARIANT]},
            "also a variant",
        ),
        (lambda d: {**d, "related": ["khong-co-muc-nay"]}, "does not exist"),
        (lambda d: {**d, "last_reviewed": "hôm qua"}, "last_reviewed"),
    ],
    ids=[
        "oversize-answer",
        "no-title",
        "too-few-variants",
        "variant-of-another",
        "related",
        "date",
    ],
)
def test_an_invalid_entry_is_refused_with_the_fault_and_nothing_is_lost(
    db, seeded, client, bot_headers, change, fault
):
    a = login(client, "officer.a")
    before = _live(client, bot_headers)
    response = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={"slug": ENTRY, "document": change(_document(client, a))},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("Mục chưa hợp lệ")
    assert any(fault in line for line in response.json()["faults"]), response.json()
    assert _live(client, bot_headers) == before
    assert (
        db.exec(select(KnowledgeRevision).where(KnowledgeRevision.status == "pending")).all() == []
    )


def test_malformed_requests_are_refused_before_any_rule(seeded, client):
    a = login(client, "officer.a")
    document = _document(client, a)
    cases = [
        {"slug": "Không Hợp Lệ", "document": document},  # not a slug
        {"slug": ENTRY, "document": "một chuỗi"},  # not a mapping
        {"slug": ENTRY, "document": {**document, "id": "hochieu"}},  # another entry's id
        {"slug": ENTRY, "document": document},  # no change at all
        {"slug": ENTRY, "document": {**document, "answer": "x" * 70_000}},  # oversize document
    ]
    for body in cases:
        response = client.post("/api/v1/knowledge/revisions", headers=a, json=body)
        assert response.status_code == 422, (body.get("slug"), response.text)
        assert response.json()["detail"]


def test_a_new_entry_needs_approval_too(seeded, client, second, bot_headers):
    a, b = login(client, "officer.a"), login(second, "officer.b")
    document = {
        "id": "gt-khong-co-bang-lai",
        "title": "Lái xe không có giấy phép lái xe",
        "summary": "Chạy xe máy khi chưa có bằng lái bị phạt tiền và có thể bị tạm giữ xe.",
        "answer": "Điều khiển xe máy không có giấy phép lái xe bị phạt tiền. 📞 Hỏi Công an xã.",
        "questions": [f"không có bằng lái xe máy bị phạt bao nhiêu lần {n}" for n in range(8)],
        "keywords": ["không bằng lái"],
        "legal_basis": [{"doc": "168/2024/NĐ-CP", "article": "Điều 18"}],
        "last_reviewed": "2026-12-01",
        "related": ["gt-bang-lai"],
    }
    revision = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={"slug": document["id"], "document": document},
    ).json()
    assert revision["kind"] == "create"
    assert not any(
        e["id"] == document["id"]
        for e in client.get("/api/v1/knowledge", headers=bot_headers).json()["entries"]
    )
    assert (
        second.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=b).status_code
        == 200
    )
    version, entry = _live(client, bot_headers, document["id"])
    assert version == 2 and entry == document


# -- unanswered questions --------------------------------------------------------------------


def _ask(client, bot_headers, text, **extra):
    return client.post(
        "/api/v1/intake/unanswered",
        headers=bot_headers,
        json={"text": text, "channel": "web", **extra},
    )


def test_unanswered_questions_come_back_grouped_with_counts_and_without_who_asked(
    db, seeded, client, bot_headers
):
    for text in (
        "xế nổ bị chôm lúc đá banh ở sân xã",
        "xe no bi chom luc da banh o san xa",
        "Xế nổ bị chôm lúc đi đá banh ở sân xã ạ",
        "làm sổ hồng nhà đất ở đâu",
        "gọi giúp em số 0912 345 678 về vụ sổ hồng",
    ):
        assert _ask(client, bot_headers, text).status_code == 204
    assert _ask(client, bot_headers, "😀😀").status_code == 204  # nothing to keep
    refused = _ask(client, bot_headers, "câu hỏi", citizen_ref="cref_web_123456")
    assert refused.status_code == 422  # the bot cannot attach who asked, even by mistake

    a = login(client, "officer.a")
    groups = client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"]
    assert [g["count"] for g in groups] == [3, 1, 1]
    assert groups[0]["text"] == "xế nổ bị chôm lúc đá banh ở sân xã"
    assert len(groups[0]["phrasings"]) == 2  # the first two read the same once normalised
    texts = [p for g in groups for p in g["phrasings"]]
    assert "gọi giúp em số ••• về vụ sổ hồng" in texts
    assert not any("0912" in text for text in texts)

    dismissed = client.post(
        "/api/v1/knowledge/unanswered/dismiss",
        headers=a,
        json={"question_ids": groups[2]["question_ids"]},
    )
    assert dismissed.json() == {"dismissed": 1}
    assert len(client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"]) == 2


def test_a_group_becomes_variants_of_an_entry_in_one_step(db, seeded, client, second, bot_headers):
    for text in ("xế nổ bị chôm lúc đá banh ở sân xã", "Xế nổ bị chôm lúc đi đá banh ở sân xã ạ"):
        _ask(client, bot_headers, text)
    a, b = login(client, "officer.a"), login(second, "officer.b")
    group = client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"][0]
    proposed = client.post(
        "/api/v1/knowledge/unanswered/variants",
        headers=a,
        json={"slug": "trom-cap", "question_ids": group["question_ids"]},
    )
    assert proposed.status_code == 201, proposed.text
    added = [line for op, line in proposed.json()["diff"][0]["lines"] if op == "+"]
    assert added == group["phrasings"]
    assert client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"] == []
    assert (
        second.post(
            f"/api/v1/knowledge/revisions/{proposed.json()['id']}/approve", headers=b
        ).status_code
        == 200
    )
    _, entry = _live(client, bot_headers, "trom-cap")
    assert entry["questions"][-2:] == group["phrasings"]


def test_questions_of_a_rejected_proposal_return_to_the_list(seeded, client, second, bot_headers):
    _ask(client, bot_headers, "xế nổ bị chôm lúc đá banh ở sân xã")
    a, b = login(client, "officer.a"), login(second, "officer.b")
    group = client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"][0]
    revision = client.post(
        "/api/v1/knowledge/unanswered/variants",
        headers=a,
        json={"slug": "trom-cap", "question_ids": group["question_ids"]},
    ).json()
    second.post(
        f"/api/v1/knowledge/revisions/{revision['id']}/reject",
        headers=b,
        json={"reason": "Nhầm mục"},
    )
    assert client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"][0]["count"] == 1


# -- the officer pages -----------------------------------------------------------------------


def test_pages_show_entries_pending_revisions_and_groups(seeded, client, second, bot_headers):
    _ask(client, bot_headers, "xế nổ bị chôm lúc đá banh ở sân xã")
    a = login(client, "officer.a")
    listing = client.get("/officer/knowledge")
    assert listing.status_code == 200 and listing.template.name == "officer/knowledge_list.html"
    assert listing.context["entries"].count == SHIPPED and listing.context["faults"] == []
    form = client.get(f"/officer/knowledge/entries/{ENTRY}")
    fields = {f.name: f for f in form.context["fields"]}
    assert fields["questions"].kind == "lines" and fields["last_reviewed"].kind == "date"
    values = {f"f_{f.name}": f.value for f in form.context["fields"]}
    values["f_answer"] = _corrected({"answer": values["f_answer"]})["answer"]
    saved = client.post(
        f"/officer/knowledge/entries/{ENTRY}",
        data={**values, "csrf_token": a["X-CSRF-Token"], "note": "Điều 31.1.d"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    pending = client.get("/officer/knowledge/revisions")
    assert [r.slug for r in pending.context["pending"]] == [ENTRY]
    assert "Bạn là người đề xuất" in pending.text  # no approve button for the author

    b = login(second, "officer.b")
    revision = pending.context["pending"][0]
    swapped = second.post(
        f"/officer/knowledge/revisions/{revision.id}/approve",
        headers={**b, "HX-Request": "true"},
    )
    assert swapped.template.name == "officer/_knowledge_revision.html"
    assert swapped.context["r"].status == "approved"
    assert CORRECTION in _live(client, bot_headers)[1]["answer"]

    groups = client.get("/officer/knowledge/unanswered")
    assert groups.context["groups"][0].count == 1


def test_a_refused_form_comes_back_with_what_the_officer_typed(seeded, client, bot_headers):
    a = login(client, "officer.a")
    form = client.get(f"/officer/knowledge/entries/{ENTRY}")
    values = {f"f_{f.name}": f.value for f in form.context["fields"]}
    typed = "Câu trả lời rất dài. " * 80
    response = client.post(
        f"/officer/knowledge/entries/{ENTRY}",
        data={**values, "f_answer": typed, "csrf_token": a["X-CSRF-Token"]},
    )
    assert response.status_code == 422
    assert f"tối đa {knowledge.MAX_ANSWER_CHARS} ký tự" in " ".join(response.context["faults"])
    assert f"tối đa {knowledge.MAX_ANSWER_CHARS} ký tự" in response.text
    assert {f.name: f.value for f in response.context["fields"]}["answer"] == typed
    assert _live(client, bot_headers)[0] == 1


def test_officers_without_the_right_see_neither_pages_nor_link(seeded, client):
    login(client, "leader.a")
    assert client.get("/officer/knowledge").status_code == 403
    assert 'href="/officer/knowledge"' not in client.get("/officer").text


# -- the stored form of an entry -------------------------------------------------------------


def test_every_shipped_entry_survives_storage_and_export_unchanged(db, seeded, tmp_path):
    from feedback_api.knowledge.export import export

    version, written = export(db_session=db, directory=tmp_path)
    assert version == 1 and len(written) == SHIPPED
    assert knowledge.check(tmp_path) == []
    assert knowledge.load(tmp_path) == knowledge.load(knowledge.DEFAULT_DIR)
    stored = json.loads(
        db.exec(select(KnowledgeRevision.document).where(KnowledgeRevision.slug == ENTRY)).first()
    )
    assert list(stored) == list(yaml.safe_load((tmp_path / f"{ENTRY}.yaml").read_text("utf-8")))


def test_seeding_refuses_a_broken_shipped_base(db, world, tmp_path):
    (tmp_path / "hong.yaml").write_text("id: hong\ntitle: Hỏng\n", encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeBaseError):
        seeding.seed_if_empty(db_session=db, directory=tmp_path)
    assert service.live_version(db_session=db) == 0


# -- a new release of the shipped FAQ --------------------------------------------------------


def test_a_new_release_reaches_the_live_base_without_overwriting_officers_edits(
    db, seeded, tmp_path
):
    shipped = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_DIR, shipped)
    a, b = (actor(db, seeded.officers[name]) for name in ("officer_a", "officer_b"))
    edited = service.live_documents(db_session=db)[ENTRY]
    revision = service.propose(
        db_session=db, actor=a, data=RevisionCreate(slug=ENTRY, document=_corrected(edited))
    )
    service.approve(db_session=db, actor=b, revision_id=revision.id)

    def release(slug, change):
        path = shipped / f"{slug}.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(change(raw), allow_unicode=True), encoding="utf-8")

    release(ENTRY, lambda d: {**d, "title": "Khai báo tạm vắng (bản phát hành mới)"})
    release("hochieu", lambda d: {**d, "last_reviewed": "2026-12-01"})
    new = yaml.safe_load((shipped / "trom-cap.yaml").read_text(encoding="utf-8"))
    new = {**new, "id": "mat-xe-dap-dien", "related": [], "title": "Mất xe đạp điện"}
    new["questions"] = [f"bị mất xe đạp điện ở trường lần {n}" for n in range(8)]
    (shipped / "mat-xe-dap-dien.yaml").write_text(
        yaml.safe_dump(new, allow_unicode=True), encoding="utf-8"
    )

    result = seeding.sync_shipped(db_session=db, directory=shipped)
    assert result == seeding.SyncResult(
        added=["mat-xe-dap-dien"], updated=["hochieu"], proposed=[ENTRY]
    )
    live = service.live_documents(db_session=db)
    assert live["hochieu"]["last_reviewed"] == "2026-12-01"
    assert CORRECTION in live[ENTRY]["answer"]  # the officers' edit stands...
    (pending,) = service.list_revisions(db_session=db, actor=a, status="pending")
    assert pending.slug == ENTRY and pending.author_id is None  # ...and the release waits
    assert service.live_version(db_session=db) == 4

    assert seeding.sync_shipped(db_session=db, directory=shipped) == seeding.SyncResult([], [], [])
    service.reject(db_session=db, actor=a, revision_id=pending.id, reason="Giữ bản đã sửa")
    assert seeding.sync_shipped(db_session=db, directory=shipped) == seeding.SyncResult([], [], [])


def test_every_fault_the_faq_reports_reads_in_vietnamese_on_the_pages():
    """Real faults from faq/knowledge.py, not hand-written strings: if the FAQ rewords one,
    this fails instead of the officer silently getting English."""
    shipped = {
        p.stem: to_json_value(yaml.safe_load(p.read_text("utf-8")))
        for p in knowledge.DEFAULT_DIR.glob("*.yaml")
    }
    broken = dict(shipped)
    broken[ENTRY] = {
        **shipped[ENTRY],
        "answer": "x" * (knowledge.MAX_ANSWER_CHARS + 1),
        "questions": [*shipped[ENTRY]["questions"][:2], ANOTHER_ENTRYS_VARIANT, "???"],
        "related": ["khong-co"],
    }
    broken["hochieu"] = {**shipped["hochieu"], "title": ""}
    broken["trom-cap"] = {**shipped["trom-cap"], "last_reviewed": "hôm qua"}
    broken["pccc"] = {**shipped["pccc"], "summary": "Dòng tóm tắt quá dài. " * 30}
    broken["ma-tuy"] = {**shipped["ma-tuy"], "legal_basis": [{"doc": "999/2099/NĐ-CP"}]}
    broken["co-bac"] = {**shipped["co-bac"], "legal_basis": ["Bộ luật Hình sự"]}
    faults = service.faults_of(broken)
    assert len(faults) >= 9
    for fault in faults:
        assert in_vietnamese(fault) != fault, fault


def test_a_group_can_start_a_new_entry_form(seeded, client, bot_headers):
    _ask(client, bot_headers, "xế nổ bị chôm lúc đá banh ở sân xã")
    a = login(client, "officer.a")
    group = client.get("/api/v1/knowledge/unanswered", headers=a).json()["data"][0]
    ids = group["question_ids"]
    form = client.get("/officer/knowledge/new", params=[("q", str(i)) for i in ids])
    assert form.context["is_new"] is True
    values = {f.name: f.value for f in form.context["fields"]}
    assert values["questions"] == "xế nổ bị chôm lúc đá banh ở sân xã" and values["id"] == ""
    refused = client.post(
        "/officer/knowledge/new",
        data={
            **{f"f_{k}": v for k, v in values.items()},
            "f_id": "xe-bi-trom-san-bong",
            "question_id": [str(i) for i in ids],
            "csrf_token": a["X-CSRF-Token"],
        },
    )
    assert refused.status_code == 422  # no title, no answer...: all named
    faults = " ".join(refused.context["faults"])
    assert "chưa nhập Tiêu đề" in faults and "Câu trả lời" in faults
    assert {f.name: f.value for f in refused.context["fields"]}["id"] == "xe-bi-trom-san-bong"
    assert refused.context["question_ids"] == ids  # still linked when the form is sent again


def test_the_edit_form_gives_back_every_shipped_entry_unchanged():
    """Read into the form and back with nothing touched, each entry is the same document, so
    an officer changing one field changes that field only (citations as "doc | article")."""
    from feedback_api.knowledge import documents as docs

    shipped = [
        to_json_value(yaml.safe_load(p.read_text("utf-8")))
        for p in sorted(knowledge.DEFAULT_DIR.glob("*.yaml"))
    ]
    shape = docs.shape_of(shipped)
    assert shape["legal_basis"] == "rows:doc,article"
    for document in shipped:
        own = docs.shape_of([document, *shipped])
        form = {f"f_{f.name}": f.value for f in docs.form_fields(document, shape=own)}
        back = docs.document_from_form(form, own, keep_empty=set(document))
        assert docs.diff(document, back) == [], document["id"]
    with pytest.raises(docs.FormError, match="legal_basis, dòng 1"):
        docs.document_from_form(
            {"f_legal_basis": "68/2020/QH14 | Điều 31 | thừa"}, shape, keep_empty=set()
        )


def test_a_refused_approval_shows_why_on_the_same_card(seeded, client, second):
    a = login(client, "officer.a")
    document = _document(client, a)
    revision = client.post(
        "/api/v1/knowledge/revisions",
        headers=a,
        json={"slug": ENTRY, "document": _corrected(document)},
    ).json()
    own = client.post(
        f"/officer/knowledge/revisions/{revision['id']}/approve",
        headers={**a, "HX-Request": "true"},
    )
    assert own.template.name == "officer/_knowledge_revision.html"
    assert "không thể tự duyệt" in own.context["error"]
    assert own.context["r"].status == "pending"
