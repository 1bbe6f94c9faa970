"""Detect a message about danger happening now, so 113/114/115 are sent before anything else.

Recall matters more than precision: a false alarm costs the citizen one extra message with the
emergency numbers, a miss can cost a life. Everything is matched on the folded text (see
faq.normalize), where several words collide ("cháy"/"chạy", "bắn"/"bán", "đang"/"đăng"), so
the rules combine cues instead of trusting single words:

- a cry for help ("cứu", "cứu với", "help") is an emergency — unless it sits in a general
  question ("gọi số nào để cứu người đuối nước?");
- an ACUTE pattern (a stabbing, a fire, a child pulled into a car, someone drowning, trapped,
  about to jump...) is an emergency when it is happening now ("đang", "bây giờ") or said in
  panic ("sợ quá", "nhanh lên"), and also when nothing marks it as past ("hôm qua"), habitual
  ("thường xuyên", "hay") or a general question ("làm gì khi...", "nếu...");
  a plea ("tôi phải làm sao", "em phải làm gì bây giờ") is not a general question, so a
  collapse told without "now" ("ngã ra, không thở, tím tái, tôi phải làm sao") is an alarm;
- a story told in the past that turns to now ("hôm qua ..., giờ nó đang ...") is read from the
  turn on: a danger told before "bây giờ" is the past ("bị giật túi ..., bây giờ làm lại giấy
  tờ thế nào");
- a weaker DANGER word (a weapon, a fight, a stranger) counts with "now" or panic;
- a question about legal consequences ("bị xử lý thế nào", "phạt bao nhiêu") is not an alarm;
- "now" inside a supposition ("giả sử đang đi đường mà thấy...", "nếu đang ngủ mà nghe...")
  is not the citizen's present;
- SELF-HARM cues ("không muốn sống nữa", a farewell note, "uống hết vỉ thuốc") are their own kind,
  so the citizen gets the right lines and a human sentence instead of the police numbers alone;
  they are an alarm unless the message is plainly ABOUT self-harm (recognising signs, the law).
The cue families live in faq.emergency_cues. faq/data/emergency_stories.txt holds the stories
these rules were developed on (danger told at length, without diacritics, in regional words).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from faq.emergency_cues import (
    ABSTRACT,
    ACUTE,
    CRY,
    DANGER,
    FAREWELL_LEAVING,
    FAREWELL_OPENING,
    GENERAL,
    HABIT_OR_OVER,
    HABITUAL,
    HARMLESS,
    HYPOTHETICAL_NOW,
    LEGAL_QUESTION,
    PANIC,
    PAPERWORK,
    PAST,
    PLEA,
    RECENT,
    SELF_HARM,
    SELF_HARM_ABSTRACT,
    STRONG_NOW,
    SUSPECTED,
    TURN,
)
from faq.normalize import normalize


class EmergencyKind(StrEnum):
    """What the citizen needs first: the emergency numbers, or the self-harm lines."""

    DANGER = "danger"
    SELF_HARM = "self_harm"


def _danger(plain: str, folded: str) -> bool:
    legal = bool(LEGAL_QUESTION.search(plain))
    general = bool(GENERAL.search(plain))
    strong_now = bool(STRONG_NOW.search(folded))
    if CRY.search(folded):
        if PAPERWORK.search(folded) and not _names_danger(CRY.sub(" ", folded)):
            return False  # "cứu em với, mai nộp hồ sơ mà chưa có giấy xác nhận"
        if not legal and not (general and not strong_now):
            return True  # otherwise a named danger below may still make it one
    if legal:
        return False
    panic = bool(PANIC.search(folded))
    abstract = bool(ABSTRACT.search(plain))
    # A story told in the past or as a habit ("hôm qua...", "ngày nào cũng...") can still turn to
    # now ("...nhưng tối nay..., giờ..."): then only what follows the last such marker counts.
    late = _after_settled(folded)
    settled = late != folded
    if settled:
        turned = _from_turn(late)
        if ACUTE.search(turned):
            return True
        return bool(DANGER.search(turned) and STRONG_NOW.search(turned)) and not abstract
    if ACUTE.search(folded):
        if _now_near_acute(folded) or (RECENT.search(folded) and not abstract):
            return True
        # A plea ("tôi phải làm sao") next to a named danger is not a general question; next to a
        # mere cry it is ("con chó ốm, tôi nên làm gì để cứu nó"), so only here is it set aside.
        pleading = general and not GENERAL.search(PLEA.sub(" ", plain))
        return not abstract and (panic or not general or pleading)
    if DANGER.search(folded) and (strong_now or panic):
        return not abstract
    return False


def _names_danger(folded: str) -> bool:
    """Whether any danger, self-harm or panic word is left in the text."""
    return any(p.search(folded) for p in (ACUTE, DANGER, SELF_HARM, PANIC))


def _after_settled(folded: str) -> str:
    """The part of a story told after its last past or habitual marker ("hôm qua ..., giờ nó
    đang ..."); the whole text when it has none."""
    ends = [m.end() for pattern in (PAST, HABITUAL) for m in pattern.finditer(folded)]
    return folded[max(ends) :] if ends else folded


def _from_turn(late: str) -> str:
    """What is told from the clause of the turn to now on ("hôm qua ..., nhưng tối nay nó đang
    cầm dao"); empty without a turn. A danger told before the turn is still the story's past:
    "hôm trước bị chặn đường giật túi ..., bây giờ tôi cần làm lại giấy tờ" asks about papers."""
    turn = TURN.search(late)
    if turn is None:
        return ""
    start = late.rfind(" . ", 0, turn.start())
    return late[start + 1 if start >= 0 else 0 :]


def _now_near_acute(folded: str) -> bool:
    """ "Now" in the clause of the danger or the one next to it, or anywhere in a message of three
    clauses or less. In a long story "đang" often belongs to something else ("chị đang ở nhà").
    """
    clauses = folded.split(" . ")
    if len(clauses) <= 3:
        return bool(STRONG_NOW.search(folded))
    return any(
        ACUTE.search(clause) and STRONG_NOW.search(" ".join(clauses[max(0, i - 1) : i + 2]))
        for i, clause in enumerate(clauses)
    )


_CLAUSE_BREAK = re.compile(r"[.,;:!?\n…]+")


@lru_cache(maxsize=512)
def _clauses(text: str) -> str:
    """The folded text with " . " between clauses, so no cue spans two of them ("bị treo, có
    cần..." is not "treo cổ"), while context cues still read the whole message. Remembered:
    detect and the two gates of the learned opinion read the same message."""
    parts = (normalize(part) for part in _CLAUSE_BREAK.split(text))
    return " . ".join(part for part in parts if part)


def detect(text: str) -> EmergencyKind | None:
    """The kind of emergency the message reads as, or None; see the module docstring."""
    plain = f" {_clauses(text)} "
    folded = HARMLESS.sub(" ", plain)  # for danger cues; context cues read the plain text
    folded = HYPOTHETICAL_NOW.sub(r"\1", folded)  # "nếu đang ngủ mà..." is not now
    farewell = FAREWELL_OPENING.search(folded) and FAREWELL_LEAVING.search(folded)
    if SELF_HARM.search(folded) or farewell:
        if SELF_HARM_ABSTRACT.search(plain):
            return None  # about self-harm (its signs, the law, a joke), not a person at risk
        past = PAST.search(plain) and not STRONG_NOW.search(folded)
        if not past:
            return EmergencyKind.SELF_HARM
    if _danger(plain, folded):
        return EmergencyKind.DANGER
    return None


def is_told_as_suspicion_or_past(text: str) -> bool:
    """A suspicion, a habit or something over, with no turn to now after it ("tôi nghi nó đang
    chơi thuốc lắc", "ông chú hay đụng chạm con bé", "năm ngoái từng cắt tay, giờ ổn rồi").

    The learned second opinion stays silent on these: it reads danger words, not time, and on
    the development stories it raised most of its false alarms on this kind."""
    plain = f" {_clauses(text)} "
    if SUSPECTED.search(plain):
        return True
    late = _after_settled(plain)
    if late != plain and not TURN.search(late):
        return True
    return bool(HABIT_OR_OVER.search(plain)) and not STRONG_NOW.search(plain)


def is_question_about_danger(text: str) -> bool:
    """A legal, general or abstract question ("bị phạt thế nào", "làm sao phòng tránh", "có
    nên báo") rather than a call for help; the learned second opinion stays silent on these."""
    plain = f" {_clauses(text)} "
    return bool(
        LEGAL_QUESTION.search(plain) or ABSTRACT.search(plain) or SELF_HARM_ABSTRACT.search(plain)
    )


def is_emergency(text: str) -> bool:
    """True when the message reads as danger happening now (any kind)."""
    return detect(text) is not None
