"""Routing accuracy: 200 generated submissions (communes named in the text in varied
spellings, typed names, locations inside boundaries, locations near centre-only communes,
remembered communes) go through the real engine and API; at least 99% must land in the right
unit. The simulated citizen behaves as a person would: they press the proposal that names
their own commune (reading the province when two share a name), confirm a proposed location,
and say "Không rõ" when their commune is not offered (a miss unless it is the province)."""

from __future__ import annotations

import json
import random
import unicodedata

import pytest
from sqlmodel import select

from feedback_api.submissions.models import Submission
from feedback_api.units import boundaries, routing
from feedback_api.units import service as units
from handlers.texts import t

SEED = 20261202
TOTAL = 200
FLOOR = 0.99

# (code, name, kind, province); the first eight of M1 have square boundaries on a grid, the
# rest of M1 only a centre. Tỉnh Hai (M2) repeats two names, so mentions of them are
# ambiguous. (The handlers' test tree also has tỉnh Thử with xã An Bình and phường Bình Minh.)
COMMUNES = [
    ("ANKHANH", "An Khánh", "commune", "M1"),
    ("HOABINH", "Hòa Bình", "ward", "M1"),
    ("TANLAP", "Tân Lập", "commune", "M1"),
    ("PHUMY", "Phú Mỹ", "commune", "M1"),
    ("LONGHUNG", "Long Hưng", "ward", "M1"),
    ("DONGHOA", "Đông Hòa", "commune", "M1"),
    ("TAYSON", "Tây Sơn", "ward", "M1"),
    ("BINHAN", "Bình An", "commune", "M1"),
    ("QUANGTRUNG", "Quang Trung", "ward", "M1"),
    ("HUNGDAO", "Hưng Đạo", "commune", "M1"),
    ("NGHIALO", "Nghĩa Lộ", "ward", "M1"),
    ("THANHXUAN", "Thanh Xuân", "commune", "M1"),
    ("H2-HOABINH", "Hòa Bình", "commune", "M2"),
    ("H2-PHUMY", "Phú Mỹ", "commune", "M2"),
]
KIND_WORD = {"commune": "xã", "ward": "phường"}
SHORT = {
    "commune": ["xã ", "x. ", "xa ", "Xã "],
    "ward": ["phường ", "P. ", "p.", "p ", "F.", "P "],
}
TEMPLATES = [
    "Có nhóm người tụ tập đánh bạc ở {place} mỗi tối, rất ồn ào",
    "ban ma tuy o quan nuoc dau ngo 7 {place} ai cung biet",
    "Trộm xe máy liên tục ở bãi xe chợ {place} vào ban đêm",
    "{place}: có đối tượng lừa đảo bán hàng online, nhiều người bị mất tiền",
    "Đề nghị tăng cường tuần tra ở khu vực cầu mới thuộc {place}",
]
PLAIN = [
    "Có người lạ hay lảng vảng trước cổng trường tiểu học vào giờ tan học",
    "Nhóm thanh niên đua xe trái phép trên đường lớn mỗi đêm thứ bảy",
]


def grid_cell(index: int) -> tuple[float, float]:
    return 105.70 + 0.02 * (index % 4), 21.00 + 0.02 * (index // 4)


def centre_of(index: int) -> tuple[float, float]:
    """Centre-only communes sit well apart from the grid and from each other (> 10 km)."""
    return 21.30 + 0.15 * (index - 8), 106.20


def tree_csv() -> str:
    rows = [
        "code,name,kind,parent_code,lat,lon",
        "M1,Công an tỉnh Một,province,,,",
        "M2,Công an tỉnh Hai,province,,,",
    ]
    for index, (code, name, kind, province) in enumerate(COMMUNES):
        if province == "M2":
            lat, lon = 22.5 + 0.1 * index, 104.0
        elif index < 8:
            lon, lat = grid_cell(index)
            lat, lon = lat + 0.01, lon + 0.01
        else:
            lat, lon = centre_of(index)
        rows.append(f"{code},Công an {KIND_WORD[kind]} {name},{kind},{province},{lat},{lon}")
    return "\n".join(rows) + "\n"


def boundary_json() -> str:
    features = []
    for index in range(8):
        lon, lat = grid_cell(index)
        ring = [[lon, lat], [lon + 0.02, lat], [lon + 0.02, lat + 0.02], [lon, lat + 0.02]]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": COMMUNES[index][0]},
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features})


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def typo(rng: random.Random, name: str) -> str:
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    words[i] = word[:j] + word[j + 1 :] if rng.random() < 0.5 else word[:j] + word[j] + word[j:]
    return " ".join(words)


def spelling(rng: random.Random, name: str) -> str:
    choice = rng.randrange(5)
    if choice == 0:
        return name
    if choice == 1:
        return fold(name).lower()
    if choice == 2:
        return name.upper()
    if choice == 3:
        return name.replace("Hòa", "Hoà")  # the old tone placement, where it applies
    return typo(rng, fold(name).lower() if rng.random() < 0.5 else name)


def generate(rng: random.Random) -> list[dict]:
    local = [c for c in COMMUNES if c[3] == "M1"]
    cases: list[dict] = []
    for n in range(TOTAL):
        path = ("text", "typed", "polygon", "centre", "remembered")[n % 5]
        if path == "polygon":
            index = rng.randrange(8)
            lon, lat = grid_cell(index)
            point = (lat + 0.002 + 0.016 * rng.random(), lon + 0.002 + 0.016 * rng.random())
            cases.append({"path": path, "truth": COMMUNES[index], "point": point})
        elif path == "centre":
            index = rng.randrange(8, 12)
            lat, lon = centre_of(index)
            point = (lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02))
            cases.append({"path": path, "truth": COMMUNES[index], "point": point})
        else:
            truth = rng.choice(local)
            kind_word = rng.choice(SHORT[truth[2]])
            place = kind_word + spelling(rng, truth[1])
            if path == "text":
                text = rng.choice(TEMPLATES).format(place=place)
                cases.append({"path": path, "truth": truth, "text": text})
            elif path == "typed":
                typed = place if rng.random() < 0.6 else spelling(rng, truth[1])
                cases.append({"path": path, "truth": truth, "typed": typed})
            else:
                cases.append({"path": path, "truth": truth})
    return cases


@pytest.fixture
def tree(world):
    with world.db() as db:
        units.import_csv(db_session=db, text=tree_csv())
        boundaries.import_geojson(db_session=db, text=boundary_json())
    return world


def expected_label(case: dict, shown: list[str]) -> str | None:
    """The button a citizen of `truth` recognises as theirs, among those shown."""
    _code, name, kind, province = case["truth"]
    place = f"{KIND_WORD[kind].capitalize()} {name}"
    province_name = "Tỉnh Một" if province == "M1" else "Tỉnh Hai"
    for label in shown:
        if label in (place, f"{place} ({province_name})", t("where.last_time", place=place)):
            return label
    return None


def run_case(world, n: int, case: dict) -> tuple[str | None, bool]:
    """Play one submission; returns the unit it landed at and whether the first proposal
    (or the automatic choice) was already right."""
    citizen = world.citizen(f"acc-{n}")
    code = case["truth"][0]
    if case["path"] == "remembered":
        with world.db() as db:
            routing.remember(
                db_session=db,
                citizen_ref=world.citizen_ref("test", citizen.chat_id),
                unit_code=code,
            )
    citizen.presses_data("m:opinion" if n % 2 else "m:tip")
    if n % 2:
        citizen.presses("Khác")
        citizen.says(case.get("text") or PLAIN[n % len(PLAIN)])
    else:
        citizen.presses("Trộm cắp")
        citizen.says(case.get("text") or PLAIN[n % len(PLAIN)])
    first_right = False
    if case["path"] in ("polygon", "centre"):
        citizen.shares_location(*case["point"])
        if t("where.yes") in citizen.buttons():
            _code, name, kind, _province = case["truth"]
            place = f"{KIND_WORD[kind].capitalize()} {name}"
            first_right = citizen.last[-1].text == t("where.confirm_location", place=place)
            citizen.presses(t("where.yes"))
    elif case["path"] == "typed":
        citizen.says(case["typed"])
    shown = [b for b in citizen.buttons() if b not in (t("where.unknown"), t("tip.cancel"))]
    if citizen.last[-1].text.startswith(("Việc này", "Có nhiều", "Mình không tìm")):
        label = expected_label(case, shown)
        first_right = bool(shown) and label == shown[0]
        citizen.presses(label) if label else citizen.presses(t("where.unknown"))
    elif case["path"] == "typed":
        first_right = True  # taken at once: one clear match
    if t("where.remember_no") in citizen.buttons():
        citizen.presses(t("where.remember_no"))
    if n % 2:
        citizen.presses("Bỏ qua")
        citizen.presses("Gửi góp ý")
    else:
        citizen.presses("Bỏ qua")
        citizen.presses("Ẩn danh")
        citizen.presses("Gửi tin")
    with world.db() as db:
        item = db.exec(select(Submission).order_by(Submission.id.desc())).first()
        return units.get(db_session=db, unit_id=item.unit_id).code, first_right


def test_routing_accuracy_on_200_generated_submissions(tree, capsys):
    rng = random.Random(SEED)
    cases = generate(rng)
    landed = first = 0
    misses: list[str] = []
    per_path: dict[str, list[int]] = {}
    for n, case in enumerate(cases):
        unit, first_right = run_case(tree, n, case)
        ok = unit == case["truth"][0]
        landed += ok
        first += first_right
        per_path.setdefault(case["path"], [0, 0, 0])
        per_path[case["path"]][0] += ok
        per_path[case["path"]][1] += first_right
        per_path[case["path"]][2] += 1
        if not ok:
            misses.append(f"{case} → {unit}")
    accuracy = landed / len(cases)
    with capsys.disabled():
        print(
            f"\nrouting accuracy: {landed}/{len(cases)} = {accuracy:.3f} landed right; "
            f"first proposal right {first}/{len(cases)}; per path "
            + ", ".join(f"{p} {ok}/{n} (first {f})" for p, (ok, f, n) in per_path.items())
        )
    assert len(cases) == TOTAL
    assert accuracy >= FLOOR, "\n".join(misses)
