"""Detect a message about danger happening now, so 113/114/115 are sent before anything else.

Recall matters more than precision here: a false alarm costs the citizen one extra message with
the emergency numbers, a miss can cost a life. The rules, on the folded text:
- a CRY for help ("cứu", "cứu với", "help") is always an emergency — but not the words that
  merely contain "cứu" ("cứu hỏa", "tra cứu", "truy cứu", "sơ cứu");
- a message plainly about the past ("hôm qua", "tuần trước") is not;
- an ACUTE phrase (someone stabbed, a house on fire, a child drowning, being robbed, a gun
  pointed) is an emergency unless it asks for general information ("làm gì khi...", "số điện
  thoại cứu hỏa", "bị xử lý thế nào") without saying it is happening now ("đang", "bây giờ");
- a DANGER word (fight, beat, fire, accident...) with a NOW marker ("đang", "bây giờ",
  "ngay trước nhà", "nhanh lên") is an emergency unless it is plainly in the past.
Phrases are matched on whole folded words, so "chay" (cháy/chạy) needs company to count.
"""

from __future__ import annotations

from faq.normalize import normalize

# "cứu" on its own is a cry for help (the compounds in NOT_A_CRY aside); so are these.
CRIES = ("help", "help me", "sos", "giup voi co", "cuu cuu")

ACUTE = (
    # weapons and violence against a person
    "bi dam", "dang dam", "dam nguoi", "dam chet", "bi chem", "chem nguoi", "cam dao", "cam rua", "cam kiem",
    "cam sung", "chia sung", "co sung", "ban sung", "no sung", "tieng sung", "bi ban sung",
    "bi ban trung", "bi ban chet", "hung khi", "tan cong", "doa giet",
    "doa chem", "doa dam", "doa tat axit", "tat axit", "giet nguoi", "giet toi", "giet em",
    "dinh giet", "muon giet", "dang danh", "danh chet", "danh nhau", "dam nhau", "chem nhau",
    "hon chien", "bi danh", "danh dap", "hanh hung", "danh hoi dong", "dang bao hanh",
    "bat nhot", "nhot toi", "nhot em", "khong cho ra", "giu nguoi",
    # robbery and break-ins in progress
    "cuop", "an cuop", "bi cuop", "dang cuop", "cuop giat", "giat tui", "giat dien thoai",
    "giat day chuyen", "dot nhap", "pha khoa", "be khoa", "dang trom", "trom dang", "co trom",
    "co ke trom", "cay cua", "cay khoa", "pha cua", "dang vao nha", "lan vao nha", "treo vao nha", "treo tuong",
    # kidnapping
    "bat coc", "bi bat coc", "bat mat", "bat di", "bat con", "bat em be", "bat tre", "bat chau",
    "ep len xe", "keo len xe", "loi len xe", "chay mat", "bong di", "bong mat", "om di mat",
    "mang di mat", "dua di mat", "ep con", "ep be",
    "dan di mat", "di mat roi", "mat tich", "bi nhot", "nhot trong",
    # fire, gas, explosions
    "chay nha", "nha chay", "nha bi chay", "boc chay", "chay lon", "chay roi", "chay cho",
    "chay rung", "chay kho", "chay xuong", "chay chung cu", "chay quan", "dam chay", "chay lan",
    "chay het", "lua lon", "ngon lua", "bien lua", "khoi den", "boc khoi", "khoi boc",
    "lua boc", "dang boc chay", "bi chay",
    "lua chay", "chay to", "chay du doi", "khoi mu", "nhieu khoi", "khoi bay", "chay no",
    "ro ri gas", "ro ri khi", "ri gas", "xi gas", "mui gas", "ro gas", "no binh gas", "phat no",
    "vu no", "no lon", "chap dien", "dien giat", "bi giat dien",
    # water and heights
    "duoi nuoc", "chet duoi", "bi duoi", "rot xuong song", "roi xuong song", "roi xuong ho",
    "nga xuong song", "nga xuong ao", "nuoc cuon", "lu cuon", "cuon troi", "bi cuon",
    "nhay cau", "nhay song", "nhay lau", "dinh nhay", "muon nhay", "sap nhay", "doi nhay",
    "treo co", "tu tu", "muon chet", "uong thuoc sau", "thuoc chuot", "cat tay",
    # medical and accidents
    "bat tinh", "ngat xiu", "ngat roi", "khong tho", "kho tho", "ngung tho", "co giat",
    "mat nhieu mau", "chay mau", "be mau", "nam bat dong", "nguoi chet", "chet roi",
    "tai nan", "xe lat", "nguoi bi thuong", "tong vao", "tong nguoi", "dam vao nguoi",
    "can nguoi", "can qua nguoi", "bi thuong nang", "dam xe", "tong xe", "xe dam", "dam vao", "lat xe", "bi xe dam", "bi xe tong",
    "dau tim", "dot quy", "sap nha", "sap cong trinh", "sat lo", "bi mac ket", "mac ket",
)

DANGER = (
    "danh nguoi", "danh vo", "danh con", "danh toi", "danh em", "danh me", "danh bo", "danh ba",
    "danh chau", "danh no", "danh ban", "dam", "chem", "cuop", "trom", "giet", "doa", "nhot",
    "xo xat", "gay go", "au da", "du don", "dap pha", "dot", "nem da", "dua xe", "bao hanh",
    "quay pha", "truy duoi", "duoi theo", "theo doi", "bam theo", "bi thuong", "thuong nang",
    "sung", "ngat", "te nga", "chay o", "chay tai",
)

# Words that turn a weak DANGER word into an emergency: the thing is happening now.
NOW = (
    "dang", "bay gio", "ngay bay gio", "luc nay", "vua moi", "vua xong", "vua bi", "nhanh len",
    "nhanh", "gap gap", "khan cap", "den lien", "den ngay", "toi ngay", "truoc nha",
    "truoc cua", "o day", "tai day", "dau hem", "dau ngo", "ngoai duong", "ngoai cong",
    "hien tai", "toi nay", "dem nay", "sang nay", "chieu nay", "trua nay", "ngay luc nay",
    "giup voi", "giup em voi", "giup toi voi", "giup minh voi", "giup con voi", "troi oi", "oi troi", "mau len",
)

# "dang" is also the folded "đăng" (register, post): these pairs are not "happening now".
NOT_NOW = ("dang ky", "dang ki", "dang nhap", "dang tai", "dang tin", "dang bai", "dang anh",
           "dang len", "dang clip", "dang video", "dang hinh", "dang status", "dang facebook",
           "dang zalo", "dang tiktok", "dang mang")

PAST = (
    "hom qua", "hom truoc", "hom kia", "tuan truoc", "tuan roi", "thang truoc", "thang roi",
    "nam ngoai", "nam truoc", "nam roi", "luc truoc", "truoc day", "da tung", "lan truoc",
    "ngay xua", "hoi truoc", "may hom truoc", "may ngay truoc", "dao truoc", "tuan qua",
)

# Questions for general knowledge ("what should one do if...", "which number is...").
INFORMATIONAL = (
    "lam gi khi", "lam gi neu", "lam sao khi", "lam sao neu", "lam the nao de", "cach phong",
    "phong chong", "phong ngua", "phong tranh", "de phong", "tranh bi", "so dien thoai",
    "so may", "goi so", "so nao", "muc phat", "bi phat", "xu phat", "phat bao nhieu",
    "quy dinh", "thu tuc", "dau hieu", "nhan biet", "khi nao", "neu bi", "khi gap", "khi xay ra",
    "huong dan", "ky nang", "kien thuc", "tuyen truyen", "tap huan", "tham gia", "tro choi",
    "phim", "game", "truyen", "bai hat", "thoat hiem", "binh chua chay", "dien tap", "neu co",
    "nen lam gi", "can lam gi", "lam gi de", "lam sao de", "de khong bi", "khoi bi", "an toan",
    "xu ly", "vi pham", "pham toi", "toi gi", "bi tu", "truy cuu", "nguy co", "co nguy hiem",
    "co sao khong", "the nao cho", "cach lam", "cach xu ly", "cach xu tri", "cach so cuu",
    "so cuu", "cach nhan biet", "cach thoat", "phong chay", "chua chay",
)

STRONG_NOW = ("dang", "bay gio", "luc nay", "ngay luc nay")

# "cứu" alone is a cry for help, except inside these words (fire brigade, prosecute, research...).
NOT_A_CRY = (
    "truy cuu", "tra cuu", "nghien cuu", "cuu hoa", "cuu ho", "cuu nan", "cap cuu", "cuu tro",
    "so cuu", "cuu thuong", "cuu sinh", "cuu tinh", "cuu chien binh", "cuu sinh vien",
    "cuu hoc sinh", "cuu can bo",
)


def _contains(haystack: str, phrases: tuple[str, ...]) -> bool:
    return any(f" {phrase} " in haystack for phrase in phrases)


def is_emergency(text: str) -> bool:
    """True when the message reads as danger happening now; see the module docstring."""
    folded = f" {normalize(text)} "
    if _contains(folded, CRIES):
        return True
    without_compounds = folded
    for phrase in NOT_A_CRY:
        without_compounds = without_compounds.replace(f" {phrase} ", " ")
    if " cuu " in without_compounds:
        return True
    if _contains(folded, PAST):
        return False
    timed = folded
    for phrase in NOT_NOW:
        timed = timed.replace(f" {phrase} ", " ")
    now = _contains(timed, NOW)
    general = _contains(folded, INFORMATIONAL)
    strong_now = _contains(timed, STRONG_NOW)
    if _contains(folded, ACUTE):
        return strong_now or not general
    return _contains(folded, DANGER) and now and (strong_now or not general)
