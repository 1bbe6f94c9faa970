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
- a weaker DANGER word (a weapon, a fight, a stranger) counts with "now" or panic;
- a question about legal consequences ("bị xử lý thế nào", "phạt bao nhiêu") is not an alarm.
"""

from __future__ import annotations

import re

from faq.normalize import normalize


def _words(*phrases: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(phrases) + r")(?![a-z0-9])")


# Compounds that contain a danger word but are harmless; removed before anything is matched.
HARMLESS = _words(
    r"danh (?:bac|bai|de|lo|gia|thuc|rang|may|dau|so|sach|tinh|van|golf|ca|giay|bong|nhac|"
    r"dan|trong|co|cau|thue)",
    r"chay (?:xe|bo|thu|quang cao|deadline|ra|vao|di|ve|qua|len|toi|sang|cho kip|dua|"
    r"viec|show|so|an)",
    r"ban (?:hang|le|si|dat|nha|xe|do|online|sim|tai khoan|ve)",
    r"dang (?:ky|ki|nhap|tai|tin|bai|anh|len|clip|video|hinh|status|facebook|zalo|tiktok)",
    r"tra cuu",
    r"truy cuu",
    r"nghien cuu",
    r"cuu hoa",
    r"cuu ho",
    r"cuu nan",
    r"cap cuu",
    r"cuu tro",
    r"so cuu",
    r"cuu thuong",
    r"cuu sinh",
    r"cuu tinh",
    r"cuu chien binh",
    r"cuu (?:sinh vien|hoc sinh|can bo|giam doc|chu tich|long)",
    r"bong da",
    r"bong chuyen",
    r"dao tao",
    r"giat minh",
    r"ket qua",
    r"ket ban",
    r"ket hon",
    r"ket noi",
    r"ket thuc",
    r"khong (?:co )?tieng no",
)

CRY = _words(r"cuu", r"help", r"sos")

ACUTE = _words(
    # violence and weapons
    r"(?:bi|dang|bo|nguoi) (?:dam|chem|danh|siet co|bop co)",
    r"dam (?:nguoi|chet|nhau)",
    r"chem (?:nguoi|nhau|chet)",
    r"danh (?:nhau|chet|hoi dong|dap|nguoi|vo|con|toi|em|me|bo)",
    r"hon chien",
    r"au da",
    r"hanh hung",
    r"bao hanh",
    r"siet co",
    r"bop co",
    r"bop chet",
    r"(?:cam|vung|rut|mang|chia|giuong|cam theo) (?:dao|kiem|ma tau|sung|hung khi|gay|rua|bua|"
    r"luu dan|guom|mac|phong lon|ong tuyp)",
    r"ma tau",
    r"hung khi",
    r"(?:ban|no) (?:sung|nhau|chet)",
    r"tieng sung",
    r"sung no",
    r"bi ban (?:sung|trung|chet)",
    r"(?:doa|dinh|muon) (?:giet|chem|dam|tat axit|dot)",
    r"giet (?:nguoi|toi|em|chet)",
    r"tat axit",
    r"tan cong",
    # robbery, break-ins, strangers inside
    r"(?:an |dang |bi )?cuop",
    r"giat (?:tui|dien thoai|day chuyen|xe|do)",
    r"dot nhap",
    r"(?:pha|cay|be) (?:khoa|cua)",
    r"(?:lan|treo|mo cua|lon) vao nha",
    r"treo tuong",
    r"(?:nguoi la|ke la|ke gian|thang la|trom)(?: \w+){0,6} (?:trong nha|duoi nha|vao nha|"
    r"tren lau|luc do|luc loi|trong phong|ngoai cua)",
    # kidnapping and children taken
    r"bat coc",
    r"bat mat",
    r"(?:bong|bat|om|keo|loi|ep|dat|dan|cuop|giat) (?:con|be|chau|"
    r"em be|dua nho|dua be|dua tre|tre|nguoi)(?: \w+){0,3} (?:len xe|di mat|chay mat|bo chay|"
    r"len o to|len xe may)",
    r"(?:ep|keo|loi|bong|bat) (?:\w+ ){0,3}len xe",
    r"(?:dat|dan|bong|om) di mat",
    r"chay mat",
    r"mat tich",
    r"co (?:ke )?(?:trom|cuop)",
    r"(?:trom|cuop) vao",
    r"(?:nguoi la|ke la|thang la|ong la|ba la|may thang)(?: \w+){0,4} "
    r"(?:bong|bat|om|dat|dan|keo|cuop|dua|cho) (?:di|mat|len|con|be|chau)",
    r"(?:bong|bat|om|dat|dan|keo) (?:\w+ ){0,3}di mat",
    # following, threats
    r"(?:theo sau|bam theo|di theo|theo doi|rinh) (?:\w+ ){0,4}(?:tu|nay gio|toi gio|mai)",
    r"khong cho (?:\w+ )?ra",
    r"giu (?:nguoi|toi|em) lai",
    r"(?:bi )?nhot (?:toi|em|con|nguoi|trong|lai)",
    # fire, smoke, gas, explosions, electricity
    r"chay (?:nha|lon|to|roi|du doi|lan|het|no|cho|rung|kho|xuong|chung cu|quan|ktx|phong)",
    r"(?:nha|xe|kho|xuong|cho) (?:bi )?chay",
    r"boc chay",
    r"dam chay",
    r"dang chay",
    r"lua (?:lon|chay|boc|bung)",
    r"ngon lua",
    r"bien lua",
    r"khoi (?:den|bay|mu|boc|lua|day|nghi ngut)",
    r"(?:nhieu|boc|day|ngat|mui) khoi",
    r"mui khet",
    r"(?:ro ri|ro|xi|mui|no binh) gas",
    r"ri khi",
    r"(?:phat|vu|tieng) no",
    r"no (?:lon|bom)",
    r"(?:co|bom|gai) bom",
    r"bom (?:no|xang)",
    r"lo than",
    r"ngat khi",
    r"(?:dien giat|bi giat|giat dinh|chap dien|dien ro)",
    # water, heights, collapse, trapped
    r"(?:roi|rot|nga|te|chim|troi|nhay|bi cuon) (?:xuong )?(?:song|ho|ao|gieng|suoi|bien|kenh|"
    r"muong|vuc|nuoc|cong|ho ga)",
    r"duoi nuoc",
    r"chet duoi",
    r"chap choi",
    r"(?:lat|chim) (?:thuyen|ghe|do|tau)",
    r"(?:thuyen|ghe|do|tau) (?:bi )?(?:lat|chim)",
    r"(?:lu|nuoc) cuon",
    r"cuon troi",
    r"(?:mac|bi) ket",
    r"ket (?:trong|tren|duoi|lai)",
    r"sap (?:nha|cong trinh|tuong|cau|gian)",
    r"(?:sat|dat) lo",
    r"vui lap",
    # suicide and self-harm
    r"tu tu",
    r"nhay (?:cau|lau|song|tu tang)",
    r"(?:dinh|muon|sap|doi) nhay",
    r"treo co",
    r"cat (?:tay|co tay)",
    r"muon chet",
    r"khong muon song",
    r"thuoc (?:ngu|sau|chuot|tru sau)",
    r"uong het",
    # medical and accidents
    r"bat tinh",
    r"ngat (?:xiu|roi|lim)",
    r"(?:khong|ngung|kho) tho",
    r"co giat",
    r"(?:mat|chay|be|ra) (?:nhieu )?mau",
    r"mau chay",
    r"nam bat dong",
    r"nguoi chet",
    r"chet roi",
    r"dau tim",
    r"dot quy",
    r"tai nan",
    r"(?:xe|o to|container) (?:lat|tong|dam|can)",
    r"(?:lat|tong|dam|dung) xe",
    r"bi xe (?:tong|can|dam)",
    r"bi (?:tong|dam) xe",
    r"tong (?:vao|nguoi|chet)",
    r"can (?:qua )?nguoi",
    r"bi thuong (?:nang|nhieu)",
    r"nguoi bi thuong",
)

DANGER = _words(
    r"danh",
    r"chem",
    r"doa",
    r"xo xat",
    r"gay (?:go|roi|lon)",
    r"dua xe",
    r"quay pha",
    r"dap pha",
    r"nem da",
    r"chay",
    r"trom",
    r"ke gian",
    r"nguoi la",
    r"ke la",
    r"thang la",
    r"theo sau",
    r"bam theo",
    r"di theo",
    r"ngat",
    r"hanh hung",
    r"cuop",
)

NOW = _words(
    r"dang",
    r"bay gio",
    r"bgio",
    r"luc nay",
    r"ngay luc nay",
    r"hien tai",
    r"vua moi",
    r"vua xong",
    r"vua bi",
    r"nay gio",
    r"toi gio",
    r"ngay bay gio",
    r"dem nay",
    r"toi nay",
    r"sang nay",
    r"chieu nay",
    r"trua nay",
    r"o day",
    r"tai day",
    r"truoc nha",
    r"truoc cua",
    r"ngoai duong",
    r"ngoai cong",
    r"dau hem",
    r"dau ngo",
    r"o cong",
)
STRONG_NOW = _words(r"dang", r"bay gio", r"bgio", r"luc nay", r"nay gio", r"toi gio")
PANIC = _words(
    r"so qua",
    r"so lam",
    r"hoang qua",
    r"nhanh len",
    r"mau len",
    r"toi ngay",
    r"den ngay",
    r"den lien",
    r"gap gap",
    r"khan cap",
    r"troi oi",
    r"oi troi",
    r"cuu",
    r"giup (?:\w+ )?voi",
    r"lam on",
    r"goi cong an",
    r"goi 113",
    r"goi 114",
    r"goi 115",
)
PAST = _words(
    r"hom qua",
    r"hom truoc",
    r"hom kia",
    r"dem qua",
    r"tuan (?:truoc|roi|qua)",
    r"thang (?:truoc|roi)",
    r"nam (?:ngoai|truoc|roi)",
    r"luc truoc",
    r"truoc day",
    r"da tung",
    r"lan truoc",
    r"ngay xua",
    r"hoi truoc",
    r"may (?:hom|ngay|tuan) (?:truoc|nay)",
)
HABITUAL = _words(
    r"thuong xuyen",
    r"thuong hay",
    r"thuong (?:toi|dem|ngay)",
    r"moi (?:toi|dem|ngay|khi|lan|tuan)",
    r"hay (?:danh|chui|dap|uong|say|gay|bi|tu tap|lui toi|den|qua lai|dot|chay|bam|ruou)",
    r"hang (?:ngay|dem|tuan|thang)",
    r"vao ban dem",
    r"nhieu lan",
    r"suot ngay",
    r"dao nay",
    r"(?:toi|dem|ngay|sang|lan|hom) nao cung",
)
GENERAL = _words(
    r"lam gi",
    r"lam sao",
    r"lam the nao",
    r"nhu the nao",
    r"the nao",
    r"ra sao",
    r"cach (?:phong|lam|xu ly|xu tri|so cuu|nhan biet|thoat|dung|chua)",
    r"phong (?:chong|ngua|"
    r"tranh|chay)",
    r"de phong",
    r"tranh bi",
    r"so dien thoai",
    r"so (?:may|nao)",
    r"goi so",
    r"dau hieu",
    r"nhan biet",
    r"khi nao",
    r"neu",
    r"khi (?:gap|co|xay ra|thay|bi|chay)",
    r"huong dan",
    r"ky nang",
    r"kien thuc",
    r"tuyen truyen",
    r"tap huan",
    r"dien tap",
    r"thoat hiem",
    r"binh chua chay",
    r"chua chay",
    r"bang cach nao",
    r"nen (?:lam|chay|goi)",
    r"can lam",
    r"co nguy hiem",
    r"nguy co",
    r"co sao khong",
    r"an toan",
    r"khoi bi",
    r"de khong bi",
    r"bao o dau",
    r"bao ai",
    r"trinh bao",
    r"to giac",
    r"phim",
    r"game",
    r"truyen",
    r"bai hat",
    r"tro choi",
    r"co duoc",
    r"bao (?:dau|cho ai|cho|ai)",
    r"phai bao",
    r"nen bao",
    r"co nen",
)
LEGAL_QUESTION = _words(
    r"xu ly",
    r"bi phat",
    r"xu phat",
    r"phat bao nhieu",
    r"muc phat",
    r"vi pham",
    r"pham toi",
    r"toi gi",
    r"bi tu",
    r"quy dinh",
    r"co bi bat",
    r"luat",
)


def is_emergency(text: str) -> bool:
    """True when the message reads as danger happening now; see the module docstring."""
    plain = f" {normalize(text)} "
    folded = HARMLESS.sub(" ", plain)  # for danger cues; context cues read the plain text
    legal = bool(LEGAL_QUESTION.search(plain))
    general = bool(GENERAL.search(plain))
    strong_now = bool(STRONG_NOW.search(folded))
    if CRY.search(folded):
        return not legal and not (general and not strong_now)
    if legal:
        return False
    panic = bool(PANIC.search(folded))
    past = bool(PAST.search(plain))
    settled = past or bool(HABITUAL.search(plain)) or general
    if ACUTE.search(folded):
        if strong_now:
            return True
        if past:
            return False
        return panic or not settled
    if DANGER.search(folded) and (strong_now or panic):
        return strong_now or not past
    return False
