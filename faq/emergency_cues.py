"""The cue families faq/emergency.py combines, as regular expressions over folded text.

Kept apart from the decision logic so a reviewer can read (and extend) the vocabulary without
the rules, and the rules without three hundred patterns. Every pattern runs on the output of
faq.normalize (no diacritics, abbreviations spelled out), so "cháy"/"chạy" and "bắn"/"bán"
collide: families are combined by the rules, never trusted alone.
"""

from __future__ import annotations

import re


def _words(*phrases: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(phrases) + r")(?![a-z0-9])")


# Things people lose (never a person): papers, money, keys, a phone, jewellery.
# Only unambiguous names: bare "vi", "the", "tien" also fold from "vì", "thế", "tiến".
_LOST_THING = (
    r"cai vi|chiec vi|vi tien|cai bop|bop tien|tien mat|ho chieu|giay to|can cuoc|the atm|"
    r"the ngan hang|bang lai|giay phep lai xe|so ho khau|dien thoai|chia khoa|so do|day chuyen|"
    r"nhan cuoi|dong ho|tui xach|balo|laptop|may tinh"
)

# "Searched everywhere and did not find": a person missing (ACUTE), unless a thing was (HARMLESS).
_SEARCHED_IN_VAIN = r"tim (?:khap|het|mai|nay gio|ca)(?: \w+){0,4} (?:khong|chua) thay"

# Compounds that contain a danger word but are harmless; removed before anything is matched.
HARMLESS = _words(
    r"danh (?:bac|bai|de|lo|gia|thuc|rang|may|dau|so|sach|tinh|van|golf|ca|giay|bong|nhac|"
    r"dan|co|cau|thue)",
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
    # "đám cưới", "đám giỗ", "đảm bảo", "đam mê"... fold to "dam" like "đâm" (stab).
    r"dam (?:cuoi|tang|gio|hoi|ma|me|bao|nhan|dong|phan|thoai|luan|ruoc|tiec|ban|tre|"
    r"thanh nien|nguoi)",
    r"bong chuyen",
    r"dao tao",
    r"giat minh",
    r"ket qua",
    r"ket ban",
    r"ket hon",
    r"ket noi",
    r"ket thuc(?! (?:tat ca|cuoc doi|cuoc song|moi thu|doi))",
    r"khong (?:co )?tieng no",
    r"(?:duoc|da|kip|may ma) cuu",
    r"cuu (?:duoc|song|kip)",
    r"(?:doi|met|nong|lanh|buon ngu|cuoi|ngai|ghen|dep|ngon|dau dau|nhuc dau|ngua|vui|thich|"
    r"nho) (?:qua |lam )?(?:\w+ )?muon chet",
    r"muon chet (?:cuoi|vi (?:doi|met|nong|lanh))",
    r"(?:tai nan|va cham)(?: giao thong)? nhe",
    r"hut xi ga",
    r"ban chim",
    r"(?:tam giu|bi giu|giu) (?:bang|giay|xe|the|gplx|giay phep|tien|coc|ho chieu)(?: \w+)?",
    r"chuyen khoan",
    r"(?:tien )?chuoc (?:lai )?giay(?: to)?",
    r"(?:tien )?chuoc (?:\w+ )?giay to",
    r"(?:nop|giao nop|giao|ban giao|cat|cat giu|de lai) (?:\w+ ){0,3}(?:sung|dao|vu khi|"
    r"luu dan|min|dan)",
    r"an treo",
    r"(?:ban|dot) phao(?: hoa)?",
    r"(?:buu pham|hang|xe|giay to|ho so|tien|bang)(?: \w+){0,4} (?:dang )?bi giu",
    r"dang (?:lo|ngai|ke|chu y|tin|gia)",
    # health insurance and water flowing are not a fall into a lake or a fire ("y tế hộ gia
    # đình" is not "té hồ"; "nước mưa chảy xuống" is not "cháy xuống").
    r"(?:bao hiem )?y te",
    r"nuoc(?: \w+){0,4} chay",
    # a lamp, a fuse or a budget that "burns out" is not a fire.
    r"chay (?:bong|den|cau chi|tui|hang|ve|phong|tien)",
    r"(?:bong den|cau chi|den duong)(?: \w+){0,3} chay",
    # asking whether someone is a crook ("có phải em tôi thật hay là kẻ gian") names no danger.
    r"(?:hay|co phai|phai) (?:la )?(?:ke gian|ke lua dao|nguoi la)",
    # a thing lost and searched for in vain is not a person missing: "hộ chiếu của mẹ không
    # còn, tìm mãi không thấy", "làm rơi cái ví, tìm khắp nơi không thấy".
    r"(?:(?:" + _LOST_THING + r")(?: \w+){0,5} (?:khong con|bi mat|mat roi|mat dau|dau mat|"
    r"bien mat|roi mat|roi dau)|(?:mat|roi|danh roi|lam roi|lam mat|that lac|bo quen|de quen) "
    r"(?:\w+ )?(?:" + _LOST_THING + r")(?: \w+){0,5})(?: \.)?(?: \w+){0,3} " + _SEARCHED_IN_VAIN,
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
    r"(?:ep|keo|loi|bong|bat|day) (?:\w+ ){0,3}len (?:xe|o to|oto|xe hoi|xe tai|xe khach)",
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
    # children and vulnerable people lost right now,
    r"(?:con|be|chau|tre|dua nho|dua be|thang be|con be|thang nho|con nho|em be|em trai|"
    r"em gai|me|ba|bo|ong|ong noi|ba noi|ong ngoai|ba ngoai)(?: \w+){0,6} (?:di lac|bi lac|"
    r"lac (?:o|trong|tai|mat|dau|roi|khoi|giua|cho))",
    r"vua (?:di )?lac",
    r"khong thay (?:con|be|chau|thang be|con be|dua nho|em be|thang nho|"
    r"con nho)(?: \w+){0,2} (?:dau|o dau)",
    r"(?:chua|khong) tim (?:thay|duoc|ra) (?:con|be|chau|no)",
    # "turned round for a moment and they were gone": the moment, then nobody to be seen
    r"(?:quay (?:di|lai|ra|vao|lung)|chop mat|loang (?:cai|mot cai)|(?:mot|vai|hai|ba|may) "
    r"(?:chut|phut|giay))(?: \w+){0,10} (?:khong|chang|cha) (?:con )?thay (?:con |be |chau |no "
    r"|dua nho |em be |thang be |con be )?(?:dau|o dau)",
    _SEARCHED_IN_VAIN,
    # kidnapping and ransom, people held or forced to work,
    r"tien chuoc",
    # a demand backed by a threat of violence ("..., nếu không sẽ giết nó") and someone tied
    # up or seized to extort: a ransom told without the word "chuộc".
    r"neu (?:khong|ko|k) (?:\w+ ){0,4}(?:se|thi) (?:\w+ )?(?:giet|chat|cat|dam|chem|thu tieu|"
    r"xu|hai|danh|ban|dot|tat axit)",
    r"(?<!neu )(?:khong|ko|k) thi (?:\w+ )?(?:giet|chat|cat|dam|chem|thu tieu|tat axit)",
    r"(?:bi|dang bi) troi",  # "bị trói" (and "bị trôi", adrift); never "đang trời mưa"
    r"(?:bi|dang bi) (?:bat giu|bat di|bat coc|bat nhot)",
    r"(?:la mat|nguoi la|thang la|ke la|ba la|ong la)(?: \w+){0,3} (?:be|bong|om|bat|keo|dat|"
    r"dan|dua) (?:con|be|chau|em be|dua nho)",
    r"doi chuoc",
    r"chuoc (?:con|nguoi|be|chau|em)",
    r"(?:dang|bi) giu (?:con|be|chau|em|vo|chong|ban|nguoi|no|ba|me)",
    r"(?:be|bong|om|bat|keo|dat|dan) (?:con|be|chau|em be|dua nho|thang be|"
    r"con be)(?: \w+){0,3} (?:chay|len xe|di mat|bo di)",
    r"bi (?:giam|giam long|cam tu|bat nhot)",
    r"dang bi (?:giu|nhot|giam)",
    r"bi giu (?:o|tai|trong|lai)",
    r"(?:bi|dang bi) (?:bat|ep|buoc) (?:\w+ ){0,2}(?:lam viec|ban dam|tiep khach|quan he|"
    r"lua dao|di khach|lam tu)",
    r"bat (?:\w+ )?lam (?:tu sang|khong luong|lua dao|gai|viec khong)",
    r"ep (?:\w+ ){0,2}(?:lam viec|ban dam|tiep khach|quan he|lam gai|di khach)",
    r"(?:thu|tich thu|giu) (?:het |mat )?(?:giay to|ho chieu|"
    r"dien thoai)(?: \w+){0,3} (?:khong cho|bat|ep)",
    r"bi (?:lua|ban|dua|bat) (?:\w+ )?sang (?:campuchia|cam|trung quoc|lao|myanmar|bien gioi)",
    r"(?:bat|ep|keo|loi) (?:\w+ ){0,3}vao nha nghi",
    r"hiep dam",
    r"cuong hiep",
    # violence at home and weapons, told in everyday words,
    r"dap (?:dau|nguoi|vo|chong|con|me|bo|toi|em|tui)",
    r"ruot (?:\w+ ){0,3}(?:chem|dam|danh|giet)",
    r"(?:cam|vac|xach) (?:\w+ ){0,2}(?:dao|sung|ma tau|rua|bua|gay|kiem|cuoc|xa beng) (?:ruot|"
    r"duoi|doa|doi|dung|xong|chem)",
    r"ruot (?:toi|em|tui|me|vo|con|nguoi|chong|ca nha)",
    r"(?:ke|di|chia|gi) (?:cay |khau |con )?(?:dao|sung|ma tau|kiem|kim tiem)",
    r"(?:dao|sung) (?:vao|vo|len) (?:co|dau|nguoi|bung|lung|mat)",
    r"cay (?:dao|sung|ma tau|kiem|rua|bua|phay)",
    r"dao phay",
    r"ngao da",
    r"(?:dap|dap pha|tat son|nem mam tom) (?:\w+ ){0,2}(?:nha|cua)",
    # break-ins,
    r"leo (?:rao|tuong|cong|ban cong|cua so|qua|vao|vo) (?:\w+ ){0,2}(?:nha|vo|vao)?",
    r"treo (?:qua|vao|vo|len|rao|cong|ban cong|cua so)",
    r"luc lo",
    r"tieng dong (?:\w+ ){0,3}(?:duoi nha|tren lau|ngoai cua|trong nha|sau nha)",
    # fire, gas,
    r"bung chay",
    r"(?:lua|chay) lan",
    r"chay (?:dung dung|ngun ngut|rao rao)",
    r"khoi lua",
    r"(?:xi|ro|ri|mui|hoi|xi xi) gas?",
    r"binh gas? (?:\w+ ){0,3}(?:xi|ro|no|chay)",
    r"phat no",
    # water, floods, trapped, collapse,
    r"(?:dang|bi) chim",
    r"chim (?:o|trong|giua|duoi) (?:\w+ )?(?:ho|song|bien|ao|suoi|nuoc|ho boi|be boi)",
    r"(?:thuyen|ghe|do|tau|xuong|ca no)(?: \w+){1,3} (?:bi )?(?:lat|chim)",
    r"choi voi (?:giua|duoi|tren|o) (?:\w+ )?(?:song|ho|bien|nuoc|suoi|dong)",
    r"(?:nuoc|lu|lut)(?: \w+){0,2} (?:len|ngap|dang len) (?:toi|den|qua|gan|ngang) (?:mai|noc|"
    r"co|nguc|bung|tang|gac|dau)",
    r"(?:ngoi|tru|dung|ket|mac ket) (?:tren|o) (?:noc|mai|gac|cay)",
    r"ket (?:tren|o) (?:gac|noc|mai|tang)",
    r"lu (?:ve|dang len|quet|ong)",
    r"(?:bi )?vui (?:duoi|trong|lap)",
    r"(?:nha|tuong|tran|mai|cau|cong trinh|gian giao|ham)(?: \w+)? (?:bi )?sap",
    r"nhot (?:trong|o) (?:\w+ ){0,2}(?:xe|phong|nha|kho|thang may)",
    # accidents and medical,
    r"va cham",
    r"nam (?:bat dong|im|guc|song soai|duoi duong|giua duong|bat tinh)",
    r"khong (?:nhuc nhich|dong day|cu dong|phan ung|con tinh|tinh lai)",
    r"(?:nga|rot|roi|te) (?:tu|xuong tu) (?:\w+ ){0,3}(?:tang|lau|gian giao|mai|cao|cay|cot)",
    r"ngo doc",
    r"(?:an|uong) nham",
    r"nuot (?:phai|nham)",
    r"qua lieu",
    r"soc thuoc",
    r"sui bot mep",
    r"non (?:mua )?(?:lien tuc|ra mau)",
    r"tim tai",
    # a collapse told without "now": fell or slumped and does not respond; a stroke's signs
    r"(?:(?:nga|guc|te) (?:ra|xuong|guc|quy|vat)|do (?:vat|guc))(?: \w+){0,6} (?:khong tho|"
    r"bat tinh|khong tinh|tim tai|khong cu dong|khong phan ung|ngung tho)",
    r"mieng (?:bi )?meo (?:xech|di|lech|sang|han)",
    # burns and a blocked airway ("bỏng dầu cả mặt", "hóc xương, tím môi")
    r"(?:bi )?bong (?:dau soi|dau|nuoc soi|lua|hoa chat|axit|nang|ca nguoi|khap nguoi)",
    r"phong rop",
    r"(?:tim|tham) moi",
    r"moi (?:tim|tham) (?:tai|lai|di)",
    r"hoc (?:xuong|keo|dong xu|thach|thuc an)",  # not "học viên", "học đồ án"
    r"(?:goi|lay|lay goi|keu) (?:\w+ ){0,2}(?:khong|chang|ko) (?:tinh|day|tinh lai)",
    r"(?:noi ngong|noi lap)(?: \w+){0,4} meo",
    r"mot ben (?:tay|chan|nguoi|mat) (?:khong|yeu|te|liet)",
    r"meo mieng",
    r"lim (?:di|dan)",
    r"gas (?:xi|ro|bi ro|bi xi)",
    r"bi ngat",
    r"khong (?:tinh|tho duoc)",
    r"tho (?:doc|gap|thoi thop)",
    r"ran (?:doc )?can",
    r"(?:trom|ke gian|nguoi la)(?: con)? (?:o |dang o )?(?:trong|duoi|tren) (?:nha|phong|lau)",
    r"(?:trom|ke gian)(?: \w+)? con (?:o )?trong",
    r"(?:bat|giu) (?:\w+ ){0,4}(?:doi|doi chuyen) (?:\w+ ){0,3}(?:moi tha|thi tha|de tha)",
    r"moi (?:chiu )?tha",
    r"nguoi la (?:don|dan|dat|dua|bong|bat|keo|be)",
    r"(?:tran lot|chan cuop)",
    r"bi (?:danh|dam|chem|don danh)(?: \w+){0,3} (?:trong|ngoai|o) (?:phong|nha|hem|duong|ngo|"
    r"quan)",
    # drowning, poisoning, fire and break-ins told without the usual words,
    r"(?:ngup|chim) (?:xuong|mat)",
    r"khong (?:thay )?(?:ngoi|noi) len",
    r"xin tha",
    r"non (?:thoc|oi|lien tuc|ra mau|mua)",
    r"(?:lim|xiu) di",
    r"an (?:phai )?nam (?:doc|rung|la)",
    r"boc lua",
    r"lua (?:len|bat|lan|trum)",
    r"(?:chay|lua) (?:len|lan) (?:tran|mai|tang)",
    r"(?:tieng|nghe) (?:\w+ )?(?:mo|be|cay|pha) khoa",
    r"bong nguoi",
    r"(?:dat|dan|day|lay) xe (?:\w+ ){0,2}(?:trong|ra khoi) (?:san|nha)",
    r"bat (?:\w+ ){0,2}tiep khach",
    r"(?:co )?nguoi canh",
    r"nhan (?:tin )?len",
    r"khong biet (?:day|o day|minh dang o) (?:la )?dau",
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
    r"(?:theo duoi|bam duoi|bam theo|di theo|theo sau) (?:em|toi|tui|minh|chau|con|be)",
    r"chan duong",
    r"dam",
    r"sung",
    r"khong cho (?:\w+ ){0,2}(?:ve|ra ngoai|lien lac|goi dien|bo di)",
    r"gao thet",
    r"la het",
    r"tieng (?:dap|do vo|dam|keu)",
    r"im bat",
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
    r"vua",
    r"dang dien ra",
    r"gio thi",
    r"khac han",
)
STRONG_NOW = _words(r"dang", r"bay gio", r"bgio", r"luc nay", r"nay gio", r"toi gio")
RECENT = _words(r"vua(?! du| tron)")
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
    r"giup (?:em|toi|tui|minh|chau|con)",
    r"nhanh (?:giup|di)",
    r"(?:toi|den) lien",
    r"lien di",
    r"hoang loan",
)
PAST = _words(
    r"hom qua",
    r"nam kia",
    r"hom (?:thu (?:hai|ba|tu|nam|sau|bay)|chu nhat)",
    r"hoi (?:chieu|sang|trua|toi|tet|he)",
    # "vừa rồi" after a time word (not "vừa rơi xuống", folded alike): "đợt lũ vừa rồi".
    r"(?:dot|tuan|thang|nam|hom|lan|tran|mua|ky|dip)(?: [a-z0-9]+){0,2} vua roi",
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
    r"tung (?:bi|co|gap|xay ra)",
    r"ngay xua",
    r"hoi (?:nho|xua|do)",
    r"may ma",
    r"(?:da|duoc) (?:dap tat|dap xong|cuu song|cuu|tim thay|tim duoc|an toan|xuat vien)",
    r"tim (?:thay|duoc|ra) (?:\w+ )?roi",
    r"khong sao roi",
    r"da ve roi",
    r"co lan",
    # the danger is over: what follows is the aftermath ("giờ đã giải tán, tôi muốn báo...").
    r"(?:da|deu) (?:giai tan|on|on dinh|binh an|bo di|chay mat|di khoi|ve nha|tinh lai|qua khoi)",
    r"van binh thuong",
    r"khong (?:ai )?bi (?:sao|thuong) (?:ca|roi)",
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
    r"nhieu nam",
    r"lau nay",
    r"bao nam",
    r"cu (?:say|xin|nhau|uong)",
    r"cu (?:\w+ ){0,3}la (?:danh|chui|dap)",
)
GENERAL = _words(
    r"(?:tong dai|duong day nong|hotline|duong day) (?:nao|so may|gi|la so)",
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
    r"neu(?! (?:khong|ko|k) (?:\w+ ){0,4}(?:se|thi))",  # "nếu không sẽ giết" is a threat
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
    r"co can (?:bao|goi|trinh|khai)",
    r"(?:giao )?nop (?:o dau|cho ai|lai|cho)",
    r"lam don",
    r"don to cao",
    r"goi (?:ai|11\d hay)",
    r"nha tam lanh",
    r"bang chung",
    r"len don",
    r"tin (?:\w+ ){0,4}(?:that|gia|don) (?:khong|ko|k)",
    r"bao (?:\w+ ){0,3}o dau",
    r"nhung gi",
    r"can (?:\w+ ){0,3}gi",
    r"(?:nhieu|cac) vu",
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
    r"co phai (?:la )?toi",
    r"boi thuong",
    r"den bu",
    r"chiu trach nhiem",
    r"(?:co )?bi coi la",
    r"co phai (?:la )?bi",
    r"co tinh la",
    r"di tu",
    r"co lien quan",
)

SELF_HARM = _words(
    r"tu tu",
    r"tu sat",
    r"ket lieu (?:doi|cuoc|ban than|minh|mang)",
    r"tuyet menh",
    r"tu biet",
    r"vinh biet",
    r"muon chet",
    r"chan song",
    r"song khong noi",
    r"khong (?:con )?(?:thiet|muon) song",
    r"khong con ly do (?:gi )?(?:de )?song",
    r"ket thuc (?:tat ca|cuoc doi|cuoc song|moi thu|doi)",
    r"nhay (?:cau|lau|song|tu tang|xuong)",
    r"(?:dinh|muon|sap|doi|se) nhay",
    r"treo co",
    r"(?:cat|rach) (?:tay|co tay|mach)",
    r"(?:uong|nuot) (?:het|ca) (?:\w+ ){0,2}thuoc",
    r"uong (?:\w+ ){0,2}thuoc (?:ngu|sau|chuot|diet chuot|tru sau|diet co)",
    r"tam biet (?:moi nguoi|tat ca|the gioi|ca nha|bo me|ba me)",
    r"xin loi (?:\w+ ){0,8}(?:di day|ra di)",
    r"(?:viet|de lai) thu (?:de lai|tuyet menh|tu biet|cho)",
    r"chuan bi (?:san )?(?:day|thuoc)",
    r"khong ai can (?:em|toi|minh|tui|con|tao)",
    r"lan cuoi (?:noi chuyen|gap|nhan tin|duoc)",
    r"(?:day|chac day) la lan cuoi",
    r"bien mat khoi (?:the gioi|cuoc doi|cuoc song|trai dat)",
    r"khong (?:chiu|song|chiu dung) noi nua",
    r"(?:muon|se) (?:chet|di) (?:cho xong|cho rao)",
    r"dung tim (?:con|em|toi|minh|tui|chau)",
)
# A question ABOUT self-harm (recognising it, the law, prevention) is not a person at risk.
SELF_HARM_ABSTRACT = _words(
    r"nhan biet",
    r"dau hieu",
    r"phong (?:ngua|chong)",
    r"ngan (?:ngua|chan)",
    r"co phai (?:la )?toi",
    r"bi xu ly",
    r"toi gi",
    r"nguoi co y dinh",
    r"ti le",
    r"thong ke",
    r"tai sao (?:nguoi ta|nhieu nguoi)",
    r"phim",
    r"truyen",
    r"bai hat",
    r"tin tuc",
    r"nghe (?:don|noi|nguoi ta noi)",
    r"tin don",
    r"bao chi",
    r"xuc pham",
    r"neu (?:thay|co|gap)",
    r"goi so (?:nao|may)",
    r"ai do co y dinh",
    r"noi dua",
    r"dua thoi",
    r"co dang lo",
)

# Questions that are plainly about reporting or preventing: even a fresh event ("vừa bị giật túi,
# trình báo ở đâu") is then a question, not a call for help.
ABSTRACT = _words(
    # a schedule ("tối nay MU đá mấy giờ", "mấy giờ mở cửa"): "đá" is a match, not a kick
    r"(?:da|dien ra|bat dau|mo cua|dong cua|chieu|phat song|khai mac|lam viec) (?:luc )?may gio",
    r"may gio (?:da|mo cua|dong cua|bat dau|chieu|khai mac|lam viec)",
    # advice on settling a quarrel ("nên giải quyết sao cho êm", "khuyên thế nào")
    r"(?:giai quyet|khuyen|noi|hoa giai|xu tri) (?:sao|the nao|ra sao|nhu the nao) cho",
    r"(?:tong dai|duong day nong|hotline|duong day) (?:nao|so may|gi|la so)",
    r"phong (?:chong|ngua|tranh)",
    r"cach",
    r"tranh bi",
    r"de phong",
    r"nhan biet",
    r"dau hieu",
    r"bao (?:\w+ ){0,3}o dau",
    r"trinh bao",
    r"to giac",
    r"khai bao",
    r"neu(?! (?:khong|ko|k) (?:\w+ ){0,4}(?:se|thi))",  # "nếu không sẽ giết" is a threat
    r"khi (?:gap|co|xay ra|thay|bi)",
    r"phong chay",
    r"trang bi",
    r"thoat hiem",
    r"binh chua chay",
    r"xem (?:tin|bao|clip|video|phim)",
    r"(?:xem|doc|thay|coi) (?:\w+ ){0,3}tren (?:tivi|tv|bao|mang)",
    r"(?:bao|tivi|tv|dai|mang) (?:co |dua |dang )?tin",  # "trên báo có tin cháy chung cư"
    r"app ngan hang",
    r"rut (?:het )?tien",
    r"khoa (?:tai khoan|sim|the)",
    r"cong an co (?:giup|ho tro|tim)",
    r"co that (?:khong|ko|k)",
    r"tin don",
    r"nghe noi",
    r"co nen",
    r"co bao (?:\w+ ){0,2}duoc",
    r"bao cong an duoc",
    r"goi so (?:nao|may)",
    r"so (?:nao|may)",
)

# A farewell note: an opening ("xin lỗi", "tạm biệt") and a leaving ("con đi đây", "lần cuối")
# in the same message, each harmless alone.
FAREWELL_OPENING = _words(r"xin loi", r"tam biet", r"vinh biet", r"chao (?:bo me|ba me|ca nha)")
FAREWELL_LEAVING = _words(
    r"(?:con|em|toi|tui|minh|anh|chi) (?:di|ra di) (?:day|that roi)",
    r"dung tim",
    r"lan cuoi",
    r"kiep sau",
)

# After a past or habitual story, what marks the turn to now ("...nhưng tối nay khác hẳn").
TURN = _words(
    r"dang",
    r"bay gio",
    r"luc nay",
    r"nay gio",
    r"gio thi",
    r"khac han",
    r"(?:toi|dem|sang|chieu|trua) nay",
    r"vua (?:moi|xong|bi)",
)

# "Now" inside a supposition ("giả sử đang đi đường mà thấy...", "nếu đang ngủ mà nghe...") is
# not the citizen's present: the word "đang" after such a marker is dropped before "now" is read.
HYPOTHETICAL_NOW = re.compile(
    r"(?<![a-z0-9])((?:gia su|gia dinh nhu|neu|lo nhu|lo may|truong hop|phong khi|ngo nhu)"
    r"(?: [a-z0-9]+){0,3}) dang(?![a-z0-9])"
)

# Told as a suspicion, a habit or something over ("tôi nghi nó đang chơi thuốc", "ông chú hay
# đụng chạm con bé", "năm ngoái từng cắt tay, giờ ổn rồi"): the rules still raise an alarm for
# a danger named with "now", but the learned model's second opinion stays silent (see
# faq.assistant.Faq.emergency_kind).
SUSPECTED = _words(
    r"nghi(?: ngo| la| rang)?",
    r"hinh nhu",
    r"co ve nhu",
    r"co le",
    r"khong biet co phai",
    r"lo (?:rang|la)",
)
HABIT_OR_OVER = _words(
    r"hay",
    r"thuong",
    r"tung",
    r"on (?:roi|dinh roi|lai roi)",
    r"da (?:on|khoi|xong|het)",
    r"nhieu vu",
    r"cac vu",
)

# A plea from someone facing the danger ("tôi phải làm sao", "em phải làm gì bây giờ", "ai biết
# làm gì không") is not a general question, although it shares its words with "làm sao để...".
PLEA = _words(
    r"(?:toi|em|tui|minh|con|chau|anh|chi|tao) (?:phai|nen|biet|can) lam (?:sao|gi|the nao)",
    r"(?:phai|nen) lam (?:sao|gi) (?:day|bay gio|gio|di|a|oi)",
    r"ai (?:biet|chi) (?:\w+ ){0,2}lam (?:sao|gi)",
    r"gio (?:phai )?lam sao",
    r"lam sao (?:bay gio|gio|day)",
)

# Paperwork: a cry next to these and no danger at all ("cứu em với, mai nộp hồ sơ mà chưa có
# giấy xác nhận cư trú", "SOS quên mật khẩu VNeID") is urgency about a procedure, not danger.
PAPERWORK = _words(
    r"ho so",
    r"thu tuc",
    r"giay (?:to|xac nhan|phep|khai sinh)",
    r"can cuoc",
    r"ho chieu",
    r"tam (?:tru|vang)",
    r"thuong tru",
    r"mat khau",
    r"vneid",
    r"bang lai",
    r"le phi",
    r"gia han",
    r"dang ky",
    r"phat nguoi",
    r"xin viec",
    r"phong van",
    r"dich vu cong",
)
