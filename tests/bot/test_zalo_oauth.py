"""An admin switches the OA on by Zalo's OAuth v4 consent instead of pasting tokens: the admin
page sends them to Zalo with a PKCE challenge and a state, Zalo sends them back with a code,
the server exchanges it with the verifier and keeps the pair sealed; the bot then answers
citizens with it and refreshes it before it expires. A replayed or forged callback stores
nothing."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlmodel import select

from feedback_api.audit.models import AuditEvent
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.units import service as units
from feedback_api.zalo.models import ZaloCredentials
from tests.bot.test_zalo_tokens import stored_pair
from tests.bot.zalo_world import USER, ZaloWorld
from tests.fakes.zalo_server import pkce_challenge

PASSWORD = "mat-khau-quan-tri-oa-123"
CALLBACK = "http://langnghe.test/officer/admin/zalo/callback"


def make_admin(world: ZaloWorld, username: str = "quan.tri") -> None:
    with world.db() as db:
        unit = units.get_by_code(db_session=db, code="DEMO") or units.list_units(db_session=db)[0]
        officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username=username,
                full_name="Quản trị",
                role="admin",
                unit_id=unit.id,
                password=PASSWORD,
            ),
        )


async def sign_in(world: ZaloWorld, username: str = "quan.tri") -> str:
    answer = await world.http.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["csrf_token"]


async def zalo_consents(world: ZaloWorld, permission_url: str) -> str:
    """The admin agrees on Zalo's page; Zalo's answer is the way back to our callback."""
    async with httpx.AsyncClient(transport=world.zalo.transport()) as browser:
        answer = await browser.get(permission_url)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def test_an_admin_authorises_the_oa_with_pkce_and_the_bot_uses_and_refreshes_the_pair(
    zalo_world_factory, zalo
):
    zalo.callback_url = CALLBACK  # the callback registered on Zalo's developer page

    async def scenario(world: ZaloWorld):
        make_admin(world)
        csrf = await sign_in(world)
        page = await world.http.get("/officer/admin/zalo")
        assert 'id="zalo-authorize"' in page.text
        started = await world.http.post("/officer/admin/zalo/authorize", data={"csrf_token": csrf})
        assert started.status_code == 303
        asked = urlsplit(started.headers["location"])
        assert (
            f"{asked.scheme}://{asked.netloc}{asked.path}" == zalo.oauth_url + "/v4/oa/permission"
        )
        query = {k: v[0] for k, v in parse_qs(asked.query).items()}
        assert query["app_id"] == zalo.app_id and query["redirect_uri"] == CALLBACK
        assert len(query["code_challenge"]) == 43 and query["state"]

        back = await zalo_consents(world, started.headers["location"])
        done = await world.http.get(back.removeprefix("http://langnghe.test"))
        assert done.status_code == 200 and "Đã lưu mã mới" in done.text
        [exchange] = [
            c for c in zalo.calls if c.body and c.body.get("grant_type") == "authorization_code"
        ]
        assert exchange.error == 0
        assert pkce_challenge(exchange.body["code_verifier"]) == query["code_challenge"]
        assert exchange.headers["secret_key"] == zalo.app_secret
        access, refresh = stored_pair(world)
        assert access in zalo._access and refresh in zalo._refresh
        with world.db() as db:
            row = db.get(ZaloCredentials, 1)
            assert access not in row.access_token  # sealed at rest
            actions = [e.action for e in db.exec(select(AuditEvent))]
            assert {"zalo.consent_started", "zalo.tokens_replaced"} <= set(actions)

        # The same callback again (a reload, or a replay): the state is spent.
        again = await world.http.get(back.removeprefix("http://langnghe.test"))
        assert again.status_code == 400 and "đã dùng" in again.text
        assert stored_pair(world) == (access, refresh)

        # The bot answers a citizen with the consented pair...
        await world.say("xin chào")
        assert world.zalo.texts(USER)
        # ...and refreshes it before it expires, spending the consented refresh token once.
        keeper = world.bot.zalo.tokens
        keeper._now = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=30)
        await keeper.ensure_fresh()
        [refreshed] = [c for c in zalo.refreshes() if c.body["grant_type"] == "refresh_token"]
        assert refreshed.body["refresh_token"] == refresh
        assert stored_pair(world)[1] != refresh

    zalo_world_factory(scenario, seed_tokens=False)


def test_a_forged_or_foreign_callback_stores_nothing(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        make_admin(world)
        make_admin(world, "quan.tri.hai")
        csrf = await sign_in(world)
        started = await world.http.post("/officer/admin/zalo/authorize", data={"csrf_token": csrf})
        back = await zalo_consents(world, started.headers["location"])
        parts = urlsplit(back)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}

        forged = await world.http.get(
            "/officer/admin/zalo/callback", params={"code": query["code"], "state": "doan-bua"}
        )
        assert forged.status_code == 400
        # Another admin's browser carrying the first admin's callback: not theirs to finish.
        await world.http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        await sign_in(world, "quan.tri.hai")
        foreign = await world.http.get(parts.path, params=query)
        assert foreign.status_code == 400
        with world.db() as db:
            assert db.get(ZaloCredentials, 1) is None
        assert not [
            c for c in zalo.calls if c.body and c.body.get("grant_type") == "authorization_code"
        ]

    zalo_world_factory(scenario, seed_tokens=False)


def test_zalo_refusing_the_code_is_shown_to_the_admin(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        make_admin(world)
        csrf = await sign_in(world)
        started = await world.http.post("/officer/admin/zalo/authorize", data={"csrf_token": csrf})
        back = await zalo_consents(world, started.headers["location"])
        zalo._codes.clear()  # the code expired on Zalo's side before the admin came back
        answer = await world.http.get(back.removeprefix("http://langnghe.test"))
        assert answer.status_code == 502 and "Zalo từ chối" in answer.text
        with world.db() as db:
            assert db.get(ZaloCredentials, 1) is None

    zalo_world_factory(scenario, seed_tokens=False)
