"""Questions for another agency get that agency, not a police topic."""

import json

import pytest
from typer.testing import CliRunner

from faq.services import load_services
from langnghe.cli import app


def test_at_least_thirty_neighbouring_services_each_with_an_agency_and_a_way_to_reach_it():
    services = load_services()
    assert len(services) >= 30
    assert all(s.agency and s.contact and len(s.questions) >= 4 for s in services)
    assert len({s.id for s in services}) == len(services)


@pytest.mark.parametrize(
    ("message", "service"),
    [
        ("thủ tục xin visa đi Hàn Quốc du lịch", "visa"),
        ("con tôi mới sinh, làm khai sinh ở đâu", "khai-sinh"),
        ("muốn cho con vào lớp 1 trường gần nhà", "tuyen-sinh"),
        ("tien dien thang nay cao qua hoi o dau", "dien"),
        ("thẻ bảo hiểm y tế của mẹ tôi hết hạn", "bhyt"),
        ("con chuyển trường sang tỉnh khác cần gì", "chuyen-truong"),
    ],
)
def test_a_neighbouring_service_question_is_redirected(faq, message, service):
    answer = faq.ask(message)
    assert answer.id is None
    assert answer.redirect is not None and answer.redirect.id == service


def test_police_topics_stay_police_topics(faq):
    for message in ("làm căn cước cho con dưới 14 tuổi", "đăng ký tạm trú cho người thuê trọ"):
        answer = faq.ask(message)
        assert answer.redirect is None and answer.id is not None


def test_ask_json_reports_the_redirect_with_a_null_id():
    result = CliRunner().invoke(app, ["faq", "ask", "xin visa đi Nhật ở đâu", "--json"])
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["id"] is None
    assert payload["redirect"]["id"] == "visa"
    assert set(payload["redirect"]) == {"id", "agency"}


def test_greetings_and_thanks_are_still_small_talk(faq):
    assert faq.ask("chào ad").small_talk is not None
    assert faq.ask("cảm ơn nhiều nha").redirect is None
