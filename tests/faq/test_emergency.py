"""A message about danger happening now is flagged, whatever else it asks."""

from pathlib import Path

import pytest

from faq.emergency import EmergencyKind, detect, is_emergency


@pytest.mark.parametrize(
    "message",
    [
        "cứu với có người đang đánh nhau trước nhà",
        "CUU VOI",
        "co trom dang be khoa xe truoc cua",
        "nha ben canh boc chay lon lam",
        "có đứa bé bị ngã xuống ao",
        "tai nan xe may co nguoi bi thuong nang o nga tu",
        "thằng đó đang cầm dao đòi chém người",
        "con toi bi bat coc",
        "chồng em đang đánh em",
        "có người định nhảy cầu",
        "help",
    ],
)
def test_danger_now_is_flagged(message):
    assert is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "số điện thoại cứu hỏa là gì",
        "hôm qua bị trộm xe máy thì báo ở đâu",
        "làm gì khi có cháy trong chung cư",
        "tra cứu phạt nguội",
        "đốt pháo hoa có bị phạt không",
        "đang chạy xe bị csgt dừng có phải xuất trình cccd không",
        "đăng tin bắt cóc sai sự thật bị xử lý thế nào",
        "cách sơ cứu người bị đuối nước",
        "tôi muốn đăng ký tạm trú",
        "lam sao de tranh bi trom xe",
    ],
)
def test_questions_about_danger_are_not_alarms(message):
    assert not is_emergency(message)


def test_emergency_is_independent_of_the_faq_match(faq):
    answer = faq.ask("cháy nhà rồi cứu với")
    assert answer.emergency


@pytest.mark.parametrize(
    "message",
    [
        # told at length, the keyword buried in the story
        "Tôi đang đi trên đường thì hai thằng đi xe máy áp sát, một thằng rút súng chĩa vào tôi "
        "bắt đưa điện thoại, giờ tụi nó vẫn đứng đó, tôi phải làm sao",
        "con toi moi 5 tuoi vua lac o cho, tim khap noi khong thay",
        "tụi nó bắt con tôi rồi, gọi điện đòi 500 triệu tiền chuộc",
        "ổng đang đập đầu vợ vô tường, con nít khóc quá trời",
        "nha em bi xi ga, mui ga nong lam, em khong dam bat den",
        "nước lũ lên tới mái nhà, cả nhà đang ngồi trên nóc, không có thuyền",
        "vua thay vu va cham xe o quoc lo 1, 2 nguoi nam duoi duong khong nhuc nhich",
        "ba toi an nham nam doc, non mua lien tuc",
        "tui bi giu o xuong, bi thu giay to, bat lam tu sang toi khuya, khong cho ve",
        "Có đứa đang leo rào vô nhà tui lúc 2 giờ sáng",
        "Tụi nó đang đập phá nhà tôi, có cả mã tấu, ở số 9 Hồ Tùng Mậu",
        # someone forced into a vehicle, whatever the vehicle is called
        "hai thằng lạ mặt lôi chị tôi lên xe tải rồi chạy về hướng cầu",
        "ho day em toi len xe khach roi cho di mat, em toi la len",
        "mấy người bịt mặt ép thằng bạn tôi lên ô tô trước quán net",
    ],
)
def test_danger_told_as_a_story_is_flagged_as_danger(message):
    assert detect(message) == EmergencyKind.DANGER


@pytest.mark.parametrize(
    "message",
    [
        "Em không muốn sống nữa, em đã viết thư để lại cho bố mẹ rồi",
        "tam biet moi nguoi, em xin loi, em di day",
        "toi dang dung tren cau, toi muon ket thuc tat ca",
        "em đã uống hết lọ thuốc rồi",
    ],
)
def test_self_harm_is_its_own_kind(message):
    assert detect(message) == EmergencyKind.SELF_HARM


@pytest.mark.parametrize(
    "message",
    [
        "tự tử có phải là tội không",
        "làm sao nhận biết người có ý định tự tử để giúp họ",
        "chạy deadline mệt muốn chết",
        "ngày xưa ông tôi từng bị lũ cuốn nhưng được cứu, giờ ông muốn làm căn cước",
        "nhà tôi đang sửa, thợ làm cháy dây điện nhưng đã dập xong, có cần báo không",
        "Tôi lỡ chuyển 20 triệu cho kẻ lừa đảo, có lấy lại được không?",
        "bị tai nạn giao thông nhẹ thì có cần báo công an không",
        "hôm qua bị công an ép lên xe về đồn có đúng luật không",
    ],
)
def test_talk_about_danger_past_or_abstract_is_not_an_alarm(message):
    assert detect(message) is None


def _dev_set():
    path = Path(__file__).resolve().parents[2] / "faq/data/emergency_stories.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("|", 1)
            yield label.strip(), text.strip()


def test_the_development_stories_are_all_caught_without_false_alarms(faq):
    cases = list(_dev_set())
    missed = [t for label, t in cases if label.startswith("+") and faq.emergency_kind(t) is None]
    alarms = [t for label, t in cases if label == "-" and faq.emergency_kind(t) is not None]
    assert len(cases) >= 200
    assert not missed
    assert not alarms


def test_the_learned_second_opinion_catches_danger_the_rules_do_not_name(faq):
    message = "thằng chồng đang dí đầu con bé xuống chậu nước, em sợ quá"
    assert detect(message) is None  # no rule names this
    assert faq.emergency_kind(message) == EmergencyKind.DANGER


def test_the_second_opinion_stays_silent_on_questions_about_danger(faq):
    for message in ("cách nhận biết rò rỉ khí gas trong nhà bếp", "đánh người bị phạt thế nào"):
        assert faq.emergency_kind(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "bọn nó gửi video em trai tôi bị trói trong kho, bắt chuyển 200 triệu trước 6 giờ",
        "tui no giu ba toi o dau khong biet, doi 1 ty, neu khong se thu tieu ong",
        "chồng tôi bị nhóm đòi nợ bắt giữ từ trưa, họ nhắn nếu không trả thì sẽ chặt tay",
    ],
)
def test_a_ransom_told_without_the_word_chuoc_is_flagged(message):
    """A demand backed by a threat, or someone tied up or seized, is a kidnapping now; "nếu
    không sẽ..." is a threat, not a hypothetical question."""
    assert detect(message) is EmergencyKind.DANGER


@pytest.mark.parametrize(
    "message",
    [
        "chiều nay hai đám đánh nhau trước chợ, giờ đã giải tán hết, tôi muốn phản ánh"
        " để tối công an đi tuần",
        "lam lai the bao hiem y te ho gia dinh o dau",
        "nuoc mua tu nha ben chay xuong san nha toi hoai",
        "cau chi nha toi chay hoai, goi dien luc ai",
        "đang trời mưa to mà xe chết máy giữa đường, gọi cứu hộ xe ở đâu",
    ],
)
def test_aftermaths_and_everyday_words_are_not_alarms(message):
    """A danger that is over, "y tế hộ gia đình" (not "té hồ"), water flowing, a fuse that
    burns out and the weather ("đang trời mưa") are not emergencies."""
    assert detect(message) is None


def test_the_second_round_development_lines_are_all_handled(faq):
    """Suppositions ("giả sử đang..."), suspicions and habits, events that are over ("năm kia",
    "đợt lũ vừa rồi") and news, next to dangers happening now (benchmarks/data/emergency_dev.txt;
    not in the model's training text)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "emergency_dev.txt"
    wrong = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("|", 1)
        if faq.is_emergency(text.strip()) != label.startswith("+"):
            wrong.append(text.strip())
    assert not wrong, wrong


@pytest.mark.parametrize(
    "message",
    [
        "ông tôi đang ăn thì gục xuống bàn, lay không tỉnh, tôi phải làm sao",
        "chi toi nga ra nen nha khong tho nua, em phai lam gi bay gio",
        "bọn nó bắt em tôi, đòi 100 triệu không thì chặt tay",
    ],
)
def test_a_collapse_with_a_plea_and_a_threat_without_neu_are_flagged(message):
    """ "Tôi phải làm sao" is a plea, not a general question; "không thì chặt tay" is a threat."""
    assert detect(message) is EmergencyKind.DANGER


@pytest.mark.parametrize(
    "message",
    [
        "Hôm trước đi làm về tôi bị chặn đường giật túi, mất cả giấy tờ, bây giờ tôi cần làm lại"
        " những giấy tờ này như thế nào",
        "Chồng đánh vợ thì báo tổng đài nào",
        "Nghe đồn trong xóm có người tự tử vì nợ, tôi cũng đang bị đòi nợ, báo ai được",
        "Đám cưới em tôi tháng sau, hai nhà đang căng thẳng, nên giải quyết sao cho êm",
        "học bài mệt quá gục xuống bàn ngủ quên lúc nào không biết",
    ],
)
def test_a_danger_told_before_the_turn_to_now_rumours_and_hotline_questions_are_not_alarms(
    faq, message
):
    """The danger before "bây giờ" is the story's past; "đám cưới" is not "đâm"."""
    assert faq.emergency_kind(message) is None


@pytest.mark.parametrize(
    ("message", "alarm"),
    [
        ("cứu em với, mai nộp hồ sơ xin việc mà chưa có giấy xác nhận cư trú", False),
        ("SOS quên mật khẩu VNeID mà sáng mai phải làm thủ tục", False),
        ("cứu em với, bọn nó giữ hộ chiếu không cho về, em bị nhốt trong xưởng", True),
        ("cứu với, mất giấy tờ gì cũng được nhưng thằng đó đang cầm dao trước cửa", True),
    ],
)
def test_a_cry_about_paperwork_is_urgency_not_danger(faq, message, alarm):
    assert faq.is_emergency(message) is alarm


@pytest.mark.parametrize(
    "message",
    [
        "Mẹ tôi dọn nhà thì thấy hộ chiếu không còn, tìm mãi không thấy, giờ báo mất ở đâu",
        "em làm rơi cái ví ở chợ, tìm khắp nơi không thấy, giờ làm lại giấy tờ sao",
        "Có tài khoản giống hệt em gái nhắn nhờ chuyển gấp vì đang kẹt ở viện, sao biết "
        "có phải em tôi thật không hay là kẻ gian?",
    ],
)
def test_a_thing_searched_for_in_vain_and_a_question_whether_someone_is_a_crook_are_not_alarms(
    message,
):
    assert detect(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "con tôi cầm điện thoại đi chơi từ chiều, tìm mãi không thấy đâu",
        "con tôi đi đâu mất rồi thế, tìm mãi không thấy",
        "bé mất tích vì ham chơi, tìm khắp nơi không thấy",
        "có kẻ gian đang cạy cửa nhà tôi",
    ],
)
def test_a_person_searched_for_in_vain_and_a_crook_at_the_door_still_are(message):
    assert detect(message) is EmergencyKind.DANGER
