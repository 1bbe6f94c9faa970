"""Property: whatever a citizen does, in any order, the engine answers, never crashes, and
never creates a submission the citizen did not confirm."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.engine import Engine
from handlers.events import EventKind, FileRef, InboundEvent
from handlers.flows.common import Deps, Limits
from handlers.state import MemoryStateStore
from handlers.texts import t
from tests.handlers.fakes import MemoryFeedbackApi

CONFIRMATIONS = {"tip:send", "op:send", "ask:send"}
KNOWN_BUTTONS = [
    "m:ask",
    "m:tip",
    "m:opinion",
    "m:track",
    "m:sub",
    "m:menu",
    "x:cancel",
    "em:back",
    "tip:cat:drugs",
    "tip:cat:other",
    "tip:skip",
    "tip:done",
    "tip:anon:anonymous",
    "tip:anon:named",
    "tip:send",
    "op:topic:traffic",
    "op:skip",
    "op:send",
    "ask:fb:y",
    "ask:fb:n",
    "ask:send",
    "ask:again",
    "ask:faq:khan-cap",
    "ask:faq:nope",
    "sub:u:XA",
    "sub:u:ZZ",
    "sub:t:fraud",
    "sub:done",
    "sub:stop",
    "track:x",
]
TEXTS = st.one_of(
    st.sampled_from(
        [
            "lam cccd o dau",
            "Có người bán ma túy ở ngõ 5 mỗi tối",
            "LN-1000-TEST",
            "1",
            "2",
            "9",
            "chào ad",
            "cứu với có người đang đánh nhau",
            "0912345678",
            "an binh",
            "góp ý",
            "báo tin",
            "🙏🙏",
            "",
            "   ",
            "\x00\x1b",
            "ạ",
            "x" * 5000,
        ]
    ),
    st.text(max_size=200),
)
EVENTS = st.one_of(
    st.builds(lambda text: (EventKind.TEXT, {"text": text}), TEXTS),
    st.builds(
        lambda data: (EventKind.BUTTON, {"data": data}),
        st.one_of(st.sampled_from(KNOWN_BUTTONS), st.text(max_size=64)),
    ),
    st.builds(
        lambda data: (EventKind.START, {"data": data}),
        st.sampled_from(["", "tip", "sub", "track_LN-1000-TEST", "garbage<>", "x" * 300]),
    ),
    st.builds(
        lambda data: (EventKind.COMMAND, {"data": data}),
        st.sampled_from(["help", "cancel", "stop", "menu", "unknown"]),
    ),
    st.builds(
        lambda lat, lon: (EventKind.LOCATION, {"latitude": lat, "longitude": lon}),
        st.floats(-90, 90),
        st.floats(-180, 180),
    ),
    st.builds(
        lambda size: (EventKind.PHOTO, {"file": FileRef("f1", size, "image/jpeg")}),
        st.integers(0, 30 * 1024 * 1024),
    ),
    st.builds(lambda: (EventKind.CONTACT, {"phone": "0912345678"})),
)


async def _fetch(ref: FileRef) -> bytes:
    return b"\xff\xd8\xff" + b"0" * 100


def _engine(api, faq):
    deps = Deps(
        faq=faq,
        api=api,
        citizen_refs=lambda c, i: f"cref_{c}_{i}",
        files={"test": _fetch},
        limits=Limits(),
    )
    return Engine(deps, MemoryStateStore())


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(EVENTS, min_size=1, max_size=25))
def test_random_conversations_are_always_answered_and_never_submit_unconfirmed(faq, events):
    api = MemoryFeedbackApi()
    engine = _engine(api, faq)

    async def converse():
        for kind, fields in events:
            before = len(api.created)
            state, _ = await engine.store.load("test", "7")
            event = InboundEvent(channel="test", chat_id="7", kind=kind, **fields)
            pressed = event.data if kind == EventKind.BUTTON else None
            typed = fields.get("text", "").strip()
            if (
                kind == EventKind.TEXT
                and typed.isascii()
                and typed.isdigit()
                and 0 < int(typed) <= len(state.choices)
            ):
                pressed = state.choices[int(typed) - 1]  # a number picks a button
            elif kind == EventKind.TEXT and typed in state.labels:
                pressed = state.choices[state.labels.index(typed)]  # so does a label
            replies = await engine.handle(event)
            assert replies, f"no reply to {kind}"
            assert all(reply.text for reply in replies)
            assert t("error_later") not in [reply.text for reply in replies]
            if len(api.created) > before:
                assert pressed in CONFIRMATIONS, (kind, fields)

    asyncio.run(converse())
