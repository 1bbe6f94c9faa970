"""Word lists the matcher needs besides the knowledge base: fillers and small talk.

All words are folded (see faq.normalize). Fillers carry no topic ("cho em hỏi là..."), so they
neither count for nor against a match. Small-talk words make a message a greeting, a thanks or
a goodbye when nothing else is in it.
"""

from __future__ import annotations

FILLERS = frozenset(
    """
    a ah ai anh em nao dau ban bac cac cai cau chi cho chu chung co cua cung da dang day de di do duoc gi
    giup ha hay hoac hoi im khi khong kia la lai len luon ma may minh moi mot muon nay neu nhe
    nhi nho nhu nhung nua o oi ong phai qua ra rang rat roi sao se sir thi the thoi toi tu u
    vang vao va vay voi xin ad admin adm shop page nhieu it van chua biet ak nha
    """.split()
)

FILLER_PHRASES = frozenset(
    tuple(phrase.split())
    for phrase in (
        "bao nhieu", "nhu the nao", "the nao", "lam sao", "o dau", "khi nao", "bao gio",
        "duoc khong", "co khong", "phai khong", "cho em hoi", "cho hoi", "xin hoi", "lam on",
        "hom nay", "hien nay", "bay gio", "tai sao", "vi sao", "the nay", "nhu vay",
        "nhu nao", "ra sao", "the nao", "muon hoi", "can hoi", "hoi chut",
    )
)

GREETINGS = frozenset(
    "xin chao alo hello hi hey chao buoi sang trua chieu toi ad admin oi bot ban co day khong "
    "a em anh chi ah".split()
)
THANKS = frozenset("cam on nhieu nha nhe ok a ad admin ban bot em anh chi rat da hieu roi".split())
GOODBYES = frozenset("tam biet bye bai hen gap lai nhe ad admin ok".split())

# A message counts as small talk only if it contains one of these cue pairs/words.
GREETING_CUES = (("xin", "chao"), ("chao",), ("alo",), ("hello",), ("hi",), ("hey",))
THANKS_CUES = (("cam", "on"), ("ok",), ("hieu", "roi"))
GOODBYE_CUES = (("tam", "biet"), ("bye",), ("bai",))
