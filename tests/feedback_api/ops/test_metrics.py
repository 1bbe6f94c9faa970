"""Prometheus scrapes /metrics with its token or from an allowed address; the public, and an
attacker with curl and a forged X-Forwarded-For, see nothing. Series are labelled by route
template, so no tracking code ever appears in them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from feedback_api.main import create_app
from feedback_api.ops.metrics import REGISTRY
from feedback_api.outbox import service as outbox
from tests.feedback_api.conftest import make_tip

TOKEN = "metrics-token-0123456789abcdef0123456789"


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _client(engine, settings, *, peer=("203.0.113.7", 5000), **overrides) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=overrides), engine=engine), client=peer)


def test_metrics_are_hidden_from_the_public(engine, settings):
    closed = _client(engine, settings)
    assert closed.get("/metrics").status_code == 404
    guarded = _client(engine, settings, metrics_token=TOKEN)
    assert guarded.get("/metrics").status_code == 404
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404


def test_a_forged_forwarded_for_does_not_open_the_allow_list(engine, settings):
    client = _client(engine, settings, metrics_allow=["10.0.0.5"])
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.0.0.5"}).status_code == 404
    inside = _client(engine, settings, peer=("10.0.0.5", 5000), metrics_allow=["10.0.0.0/24"])
    assert inside.get("/metrics").status_code == 200
    proxied = _client(
        engine,
        settings,
        peer=("127.0.0.1", 5000),
        metrics_allow=["10.0.0.5"],
        trusted_proxies=["127.0.0.1"],
    )
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "10.0.0.5"}).status_code == 200


def test_latency_is_labelled_by_route_template_never_by_tracking_code(engine, settings, world):
    client = _client(engine, settings, metrics_token=TOKEN)
    before = _value(
        "langnghe_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/status/{code}",
        status="404",
    )
    assert client.get("/api/v1/status/LN-ZZZZ-9999").status_code == 404
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    assert "ZZZZ" not in scrape.text
    after = _value(
        "langnghe_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/status/{code}",
        status="404",
    )
    assert after == before + 1


def test_submissions_by_kind_and_outbox_depth_and_deliveries(db, engine, settings, world):
    tips = _value("langnghe_submissions_created_total", kind="tip", channel="web")
    questions = _value("langnghe_submissions_created_total", kind="question", channel="web")
    sent = _value("langnghe_outbox_deliveries_total", outcome="sent")
    retried = _value("langnghe_outbox_deliveries_total", outcome="retry")
    tip = make_tip(db, settings, idempotency_key="tip-once-0001")
    make_tip(
        db, settings, idempotency_key="tip-once-0001"
    )  # a replay stores nothing, counts nothing
    make_tip(db, settings, kind="question", category="other")
    assert _value("langnghe_submissions_created_total", kind="tip", channel="web") == tips + 1
    assert (
        _value("langnghe_submissions_created_total", kind="question", channel="web")
        == questions + 1
    )
    for text in ("một", "hai", "ba"):
        outbox.enqueue(db_session=db, citizen_ref=tip.citizen_ref, text=text, purpose="reply")
    db.commit()
    first, second = outbox.lease(db_session=db, limit=2, lease_seconds=60)
    outbox.ack(db_session=db, message_id=first.id, lease_token=first.lease_token, outcome="sent")
    outbox.ack(db_session=db, message_id=second.id, lease_token=second.lease_token, outcome="retry")
    assert _value("langnghe_outbox_deliveries_total", outcome="sent") == sent + 1
    assert _value("langnghe_outbox_deliveries_total", outcome="retry") == retried + 1

    client = _client(engine, settings, metrics_token=TOKEN)
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert 'langnghe_outbox_depth{state="pending"} 2.0' in scrape.text
    assert 'langnghe_outbox_depth{state="leased"} 0.0' in scrape.text
