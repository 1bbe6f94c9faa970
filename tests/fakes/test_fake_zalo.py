"""The fake Zalo OA refuses what Zalo refuses, so tests built on it cannot pass on a request the
real platform would reject."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json

import httpx
import pytest

from tests.fakes.zalo_server import FakeZalo, signature

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def call(zalo: FakeZalo, method: str, url: str, **kwargs) -> dict:
    async def go():
        async with httpx.AsyncClient(transport=zalo.transport(), base_url=zalo.base_url) as http:
            return (await http.request(method, url, **kwargs)).json()

    return asyncio.run(go())


def send(zalo: FakeZalo, token: str, body) -> int:
    return call(
        zalo,
        "POST",
        "/v3.0/oa/message/cs",
        headers={"access_token": token},
        content=json.dumps(body),
    )["error"]


@pytest.fixture
def zalo():
    fake = FakeZalo()
    fake.text_event("100", "xin chào")  # user 100 wrote: inside the window
    return fake


def text_to(user: str, text: str) -> dict:
    return {"recipient": {"user_id": user}, "message": {"text": text}}


def test_a_text_to_a_follower_who_wrote_is_delivered(zalo):
    access, _ = zalo.issue_tokens()
    assert send(zalo, access, text_to("100", "Chào bạn")) == 0
    assert zalo.texts("100") == ["Chào bạn"]


def test_tokens_are_checked(zalo):
    access, _ = zalo.issue_tokens()
    assert send(zalo, "made-up", text_to("100", "x")) == -216
    zalo.expire(access)
    assert send(zalo, access, text_to("100", "x")) == -220
    assert zalo.texts() == []


@pytest.mark.parametrize(
    "body",
    [
        text_to("100", "x" * 2001),
        text_to("100", ""),
        {"recipient": {"user_id": 100}, "message": {"text": "x"}},
        {"recipient": {"user_id": "100"}, "message": {"text": "x"}, "extra": 1},
        {"user_id": "100", "message": {"text": "x"}},
        {"recipient": {"user_id": "100"}, "message": {"caption": "x"}},
        {
            "recipient": {"user_id": "100"},
            "message": {
                "text": "x",
                "attachment": {
                    "type": "template",
                    "payload": {
                        "buttons": [{"title": "A", "type": "oa.query.hide", "payload": "#"}] * 6
                    },
                },
            },
        },
        {
            "recipient": {"user_id": "100"},
            "message": {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "media",
                        "elements": [{"media_type": "image", "attachment_id": "never-uploaded"}],
                    },
                }
            },
        },
    ],
)
def test_wrong_shapes_are_refused(zalo, body):
    access, _ = zalo.issue_tokens()
    assert send(zalo, access, body) == -201


def test_unfollowed_and_silent_users_are_refused(zalo):
    access, _ = zalo.issue_tokens()
    zalo.event("unfollow", "100")
    assert send(zalo, access, text_to("100", "x")) == -213
    zalo.event("follow", "200")
    zalo.now += dt.timedelta(days=8)
    access, _ = zalo.issue_tokens()
    assert send(zalo, access, text_to("200", "x")) == -230


def test_an_anonymous_visitor_is_answered_only_through_the_v2_message_endpoint(zalo):
    access, _ = zalo.issue_tokens()
    event = zalo.anonymous_event("7700000000000000001", "xin chào")
    conversation = event["message"]["conversation_id"]
    visitor = {"anonymous_id": "7700000000000000001", "conversation_id": conversation}
    text = {"recipient": visitor, "message": {"text": "Chào bạn"}}
    buttons = {
        "recipient": visitor,
        "message": {
            "text": "Chọn",
            "attachment": {
                "type": "template",
                "payload": {"buttons": [{"title": "A", "type": "oa.query.hide", "payload": "#a"}]},
            },
        },
    }

    def anonymous_send(body) -> int:
        headers = {"access_token": access}
        return call(zalo, "POST", "/v2.0/oa/message", headers=headers, json=body)["error"]

    assert send(zalo, access, text) == -201  # the consultation endpoint takes user ids only
    assert anonymous_send({**text, "recipient": {"anonymous_id": "7700000000000000001"}}) == -201
    wrong_conversation = {**visitor, "conversation_id": "conv-of-someone-else"}
    assert anonymous_send({**text, "recipient": wrong_conversation}) == -201
    assert anonymous_send(text_to("100", "x")) == -240  # Zalo shut v2 messages to followers
    assert anonymous_send(buttons) == -233  # no button template in that conversation
    assert anonymous_send(text) == 0
    assert zalo.anonymous_texts("7700000000000000001") == ["Chào bạn"]


def test_injected_errors_come_once(zalo):
    access, _ = zalo.issue_tokens()
    zalo.fail_next("/v3.0/oa/message/cs", -32)
    assert send(zalo, access, text_to("100", "x")) == -32
    assert send(zalo, access, text_to("100", "x")) == 0


def test_refresh_is_form_encoded_needs_the_secret_and_rotates(zalo):
    _, refresh = zalo.issue_tokens()
    form = {"app_id": zalo.app_id, "grant_type": "refresh_token", "refresh_token": refresh}
    wrong = call(zalo, "POST", zalo.oauth_url + "/v4/oa/access_token", data=form)
    assert wrong["error"] == -14001
    as_json = call(
        zalo,
        "POST",
        zalo.oauth_url + "/v4/oa/access_token",
        json=form,
        headers={"secret_key": zalo.app_secret},
    )
    assert as_json["error"] == -14002
    headers = {"secret_key": zalo.app_secret}
    fresh = call(zalo, "POST", zalo.oauth_url + "/v4/oa/access_token", data=form, headers=headers)
    assert isinstance(fresh["expires_in"], str) and fresh["refresh_token"] != refresh
    again = call(zalo, "POST", zalo.oauth_url + "/v4/oa/access_token", data=form, headers=headers)
    assert again["error"] == -14014  # single use


def test_upload_takes_an_image_and_the_media_template_uses_it(zalo):
    access, _ = zalo.issue_tokens()
    headers = {"access_token": access}
    not_image = call(
        zalo, "POST", "/v2.0/oa/upload/image", files={"file": ("a.txt", b"hello")}, headers=headers
    )
    assert not_image["error"] == -201
    uploaded = call(
        zalo, "POST", "/v2.0/oa/upload/image", files={"file": ("a.png", PNG)}, headers=headers
    )
    attachment_id = uploaded["data"]["attachment_id"]
    media = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": attachment_id}],
            },
        }
    }
    assert send(zalo, access, {"recipient": {"user_id": "100"}, "message": media}) == 0


def test_events_are_signed_as_zalo_signs_them(zalo):
    payload = zalo.text_event("100", "hỏi")
    body, headers = zalo.signed(payload)
    expected = hashlib.sha256(
        (zalo.app_id + body.decode() + payload["timestamp"] + zalo.oa_secret_key).encode()
    ).hexdigest()
    assert headers["X-ZEvent-Signature"] == "mac=" + expected
    assert signature(zalo.app_id, body, payload["timestamp"], "other") != "mac=" + expected


def _consent(zalo: FakeZalo, **query) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=zalo.transport(), base_url=zalo.oauth_url) as http:
            return await http.get("/v4/oa/permission", params=query)

    return asyncio.run(go())


def test_the_oauth_consent_needs_pkce_and_the_right_verifier_once(zalo):
    from urllib.parse import parse_qs, urlsplit

    from tests.fakes.zalo_server import pkce_challenge

    zalo.callback_url = "https://langnghe.example.vn/officer/admin/zalo/callback"
    verifier = "v" * 20 + "-_" * 15  # 50 characters of the RFC 7636 alphabet
    good = {
        "app_id": zalo.app_id,
        "redirect_uri": zalo.callback_url,
        "code_challenge": pkce_challenge(verifier),
        "state": "st-123",
    }
    for broken in (
        {"app_id": "999"},
        {"redirect_uri": "https://elsewhere.example/cb"},
        {"code_challenge": ""},
        {"state": ""},
    ):
        assert _consent(zalo, **(good | broken)).status_code == 400, broken
    answer = _consent(zalo, **good)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["location"])
    assert back.path == "/officer/admin/zalo/callback"
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert params["state"] == "st-123" and params["oa_id"] == zalo.oa_id

    def exchange(code, code_verifier, secret=zalo.app_secret):
        form = {
            "app_id": zalo.app_id,
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
        }
        return call(
            zalo,
            "POST",
            zalo.oauth_url + "/v4/oa/access_token",
            data=form,
            headers={"secret_key": secret},
        )

    assert exchange(params["code"], verifier, secret="wrong")["error"] == -14001
    assert exchange(params["code"], "w" * 50)["error"] == -14005  # not this challenge's verifier
    pair = exchange(params["code"], verifier)
    assert pair["access_token"] and pair["refresh_token"] and pair["expires_in"] == "90000"
    assert exchange(params["code"], verifier)["error"] == -14003  # a code works once
