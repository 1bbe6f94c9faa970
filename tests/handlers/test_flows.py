"""Citizens' stories through the conversation engine, one flow at a time."""

from __future__ import annotations

from sqlmodel import select

from feedback_api.submissions.models import Attachment, Submission
from feedback_api.subscriptions.models import Subscription
from handlers.texts import t
from tests.handlers.conftest import jpeg


def submissions(world):
    with world.db() as db:
        return list(db.exec(select(Submission)))


def test_start_greets_with_emergency_numbers_and_the_menu(world):
    citizen = world.citizen()
    citizen.starts()
    assert "113" in citizen.last_text
    assert "🛡️ Tố giác / Báo tin" in citizen.buttons()


def test_citizen_asks_without_diacritics_and_gets_the_answer(world):
    citizen = world.citizen()
    citizen.says("e muon lam cccd lan dau thi can giay to j a")
    assert "căn cước" in citizen.last_text.lower()
    assert "👍 Có" in citizen.buttons()
    citizen.presses("👍 Có")
    assert "Cảm ơn bạn đã phản hồi" in citizen.last_text


def test_unanswerable_question_goes_to_officers_with_a_code(world):
    citizen = world.citizen()
    citizen.says("thủ tục xin giấy phép nuôi chim yến trong nhà phố")
    assert "📨 Gửi cho cán bộ" in citizen.buttons()
    citizen.presses("Gửi cho cán bộ")
    [question] = submissions(world)
    assert question.kind == "question"
    assert "chim yến" in question.text
    assert question.tracking_code in citizen.last_text


def test_weak_match_offers_suggestions_as_buttons(world):
    citizen = world.citizen()
    citizen.says("xe bi mat")  # too vague to answer: stolen, or lost papers?
    assert citizen.last_text == t("ask.suggest")
    suggestions = [
        b for m in citizen.last for row in m.buttons for b in row if b.data.startswith("ask:faq:")
    ]
    assert 1 <= len(suggestions) <= 3
    assert "📨 Gửi cho cán bộ" in citizen.buttons()
    citizen.presses_data(suggestions[0].data)
    assert "👍 Có" in citizen.buttons()  # the chosen entry is answered


def test_a_short_question_that_fits_a_family_gets_its_menu(world):
    citizen = world.citizen()
    citizen.says("căn cước")  # first card? a child's? renewal? the fee?
    assert citizen.last_text == t("ask.menu", topic="căn cước")
    choices = [b.data for m in citizen.last for row in m.buttons for b in row]
    assert "ask:faq:cancuoc-cap-moi" in choices and "ask:faq:cancuoc-le-phi" in choices
    citizen.presses("Lệ phí")
    assert "👍 Có" in citizen.buttons()


def test_the_commonest_question_is_answered_without_a_menu(world):
    citizen = world.citizen()
    citizen.says("làm cccd ở đâu")
    assert citizen.last[0].text.startswith("Làm thẻ căn cước lần đầu")


def test_a_question_for_another_agency_is_redirected_politely(world, faq):
    citizen = world.citizen()
    citizen.says("bé nhà mình mới sinh, đi làm giấy khai sinh ở đâu vậy")
    birth = faq.services["khai-sinh"]
    assert citizen.last_text == t("ask.redirect", agency=birth.agency, contact=birth.contact)
    assert not any(d.startswith("ask:faq:") for d in world_choices(citizen))


def world_choices(citizen):
    return [b.data for m in citizen.last for row in m.buttons for b in row]


def test_greeting_is_answered_as_a_greeting(world):
    citizen = world.citizen()
    citizen.says("chào ad")
    assert "Xin chào" in citizen.last_text


def test_citizen_reports_an_anonymous_tip_and_gets_a_tracking_code(world):
    citizen = world.citizen()
    citizen.starts()
    citizen.presses("Tố giác / Báo tin")
    citizen.presses("Ma túy")
    citizen.says("Có nhóm thanh niên tụ tập sử dụng ma túy ở nhà hoang cuối thôn Đông mỗi tối")
    citizen.shares_location(21.0285, 105.8542)
    citizen.sends_photo(jpeg())
    citizen.presses("Xong")
    assert not submissions(world)  # nothing sent before the citizen confirms
    citizen.presses("Ẩn danh")
    assert "Bạn kiểm tra lại" in citizen.last_text
    citizen.presses("Gửi tin")
    [tip] = submissions(world)
    assert tip.kind == "tip" and tip.category == "drugs" and tip.anonymity == "anonymous"
    assert tip.contact_name is None and tip.latitude == 21.0285
    assert tip.citizen_ref == "cref_test_1001"
    assert tip.tracking_code in citizen.last_text
    with world.db() as db:
        assert len(db.exec(select(Attachment)).all()) == 1


def test_named_tip_keeps_name_and_phone_and_typed_address(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Lừa đảo")
    citizen.says("Có người gọi điện giả danh công an yêu cầu chuyển tiền vào tài khoản lạ")
    citizen.says("thôn Đông, xã An Bình")
    citizen.presses("Bỏ qua")
    citizen.presses("Công khai với cán bộ")
    citizen.says("Nguyễn Văn An")
    citizen.says("số điện thoại của tôi là gì nhỉ")
    assert "chưa đúng" in citizen.last_text
    citizen.says("0912 345 678")
    citizen.presses("Gửi tin")
    [tip] = submissions(world)
    sealer = world.app.state.contact_sealer  # stored sealed, opened with the server's key
    assert "Nguyễn" not in tip.contact_name and "0912" not in tip.contact_phone
    assert (tip.anonymity, sealer.open(tip.contact_name), sealer.open(tip.contact_phone)) == (
        "named",
        "Nguyễn Văn An",
        "0912 345 678",
    )
    assert tip.location_text == "thôn Đông, xã An Bình"


def test_confirming_twice_creates_one_tip(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Trộm cắp")
    citizen.says("Kẻ gian bẻ khóa xe máy trước chợ An Bình vào ban đêm")
    citizen.presses("Bỏ qua")
    citizen.presses("Bỏ qua")
    citizen.presses("Ẩn danh")
    send = [b for m in citizen.last for row in m.buttons for b in row if b.data == "tip:send"]
    citizen.presses("Gửi tin")
    citizen.presses_data(send[0].data)  # a redelivered press of the same button
    assert len(submissions(world)) == 1
    assert "hết hạn" in citizen.last_text


def test_cancel_at_any_step_sends_nothing(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Cờ bạc")
    citizen.command("cancel")
    assert "Đã hủy" in citizen.last_text
    assert submissions(world) == []


def test_too_short_description_is_asked_again(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Khác")
    citizen.says("có")
    assert "chi tiết hơn" in citizen.last_text


def test_citizen_gives_an_opinion_to_the_forum(world):
    citizen = world.citizen()
    citizen.presses_data("m:opinion")
    citizen.presses("Giao thông")
    citizen.says("Đề nghị lắp đèn tín hiệu ở ngã tư trường tiểu học An Bình")
    citizen.presses("Bỏ qua")
    citizen.presses("Gửi góp ý")
    [opinion] = submissions(world)
    assert opinion.kind == "opinion" and opinion.topic == "Giao thông"
    assert opinion.tracking_code in citizen.last_text


def test_citizen_follows_up_with_the_tracking_code(world):
    citizen = world.citizen()
    citizen.presses_data("m:opinion")
    citizen.presses("Khác")
    citizen.says("Cảm ơn các anh đã hỗ trợ làm căn cước cho bà tôi tại nhà")
    citizen.presses("Bỏ qua")
    citizen.presses("Gửi góp ý")
    code = submissions(world)[0].tracking_code
    citizen.presses_data("m:track")
    citizen.says(code.lower().replace("-", " "))
    assert "Mới tiếp nhận" in citizen.last_text
    citizen.says(f"cho hỏi mã {code} đến đâu rồi")  # a code inside free text works too
    assert code in citizen.last_text


def test_unknown_tracking_code_is_a_polite_not_found(world):
    citizen = world.citizen()
    citizen.presses_data("m:track")
    citizen.says("LN-0000-0000")
    assert "Không tìm thấy" in citizen.last_text
    citizen.presses_data("m:track")
    citizen.says("abc")
    assert "LN-XXXX-XXXX" in citizen.last_text


def test_citizen_subscribes_to_a_commune_and_stops(world):
    citizen = world.citizen()
    citizen.presses_data("m:sub")
    citizen.says("an binh")
    citizen.presses("Công an xã An Bình")
    citizen.presses("Giao thông")
    citizen.presses("Cảnh báo lừa đảo")
    citizen.presses("Xong")
    assert "Đã đăng ký" in citizen.last_text
    with world.db() as db:
        [subscription] = db.exec(select(Subscription)).all()
        assert subscription.active and subscription.topics == "fraud,traffic"
    citizen.command("stop")
    assert "Đã hủy đăng ký" in citizen.last_text
    with world.db() as db:
        assert not db.exec(select(Subscription)).one().active


def test_emergency_interrupts_a_flow_with_a_way_back(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Gây rối trật tự")
    citizen.says("cứu với có người đang cầm dao đánh nhau trước nhà")
    first = citizen.last[0].text
    assert "113" in first and "114" in first and "115" in first  # the numbers come first
    citizen.presses("Tiếp tục")
    assert "xảy ra ở đâu" in citizen.last_text  # what they wrote was kept: the flow goes on
    citizen.presses("Bỏ qua")
    citizen.presses("Bỏ qua")
    citizen.presses("Ẩn danh")
    assert "đang cầm dao" in citizen.last_text


def test_emergency_from_the_idle_state(world):
    citizen = world.citizen()
    citizen.says("chay nha roi")
    assert "113" in citizen.last_text


def test_an_emergency_gets_the_numbers_and_nothing_misleading_after_them(world):
    citizen = world.citizen()
    citizen.says("cuu voi co nguoi dang bop co me em")
    [only] = citizen.last  # no FAQ guess ("lost wallet?") follows the numbers
    assert only.text == t("emergency")
    assert not any(b.data.startswith("ask:") for row in only.buttons for b in row)
    assert t("emergency.report") in citizen.buttons()


def test_self_harm_gets_a_human_sentence_and_the_lines_that_help(world):
    citizen = world.citizen()
    citizen.says("em không muốn sống nữa, em đã viết thư để lại cho bố mẹ rồi")
    [only] = citizen.last
    assert only.text == t("emergency.self_harm")
    assert "115" in only.text and "111" in only.text


def test_free_text_intents_start_flows(world):
    citizen = world.citizen()
    citizen.says("tôi muốn báo tin")
    assert "lĩnh vực nào" in citizen.last_text
    citizen.command("menu")
    citizen.says("góp ý")
    assert "Diễn đàn" in citizen.last_text


def test_deep_links_start_flows_and_forged_payloads_just_greet(world):
    citizen = world.citizen()
    citizen.starts("tip")
    assert "lĩnh vực nào" in citizen.last_text
    citizen.starts("track_LN-0000-0000")
    assert "Không tìm thấy" in citizen.last_text
    for forged in ("'; DROP TABLE--", "x" * 500, "track_<script>", "../../etc"):
        citizen.starts(forged)
        assert "Xin chào" in citizen.last_text


def test_numbered_replies_choose_buttons_on_text_only_channels(world):
    citizen = world.citizen()
    citizen.starts()
    citizen.says("2")  # the second menu entry: report a tip
    assert "lĩnh vực nào" in citizen.last_text


def test_help_lists_commands(world):
    citizen = world.citizen()
    citizen.command("help")
    assert "/cancel" in citizen.last_text and "/stop" in citizen.last_text


def test_a_flow_left_idle_too_long_expires_and_nothing_is_sent(world):
    import datetime as dt

    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Ma túy")
    store = world.engine.store
    state, version = world.run(store.load("test", citizen.chat_id))
    idle = world.engine.deps.limits.idle_expiry_minutes + 1
    state.updated_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=idle)).isoformat()
    world.run(store.save("test", citizen.chat_id, state, version))
    citizen.says("Có người bán ma túy ở quán nước đầu ngõ 7")
    assert "đã kết thúc" in citizen.last_text
    assert submissions(world) == []
