"""The report as an Excel workbook: one sheet per section, Vietnamese headings, and real cell
types (numbers are numbers, days are dates) so a leader can sum and chart them in Excel."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from feedback_api.reports.service import Report


def _sheet(book: Workbook, title: str, headings: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cell in (c for r in sheet.iter_rows(min_row=2) for c in r):
        if isinstance(cell.value, dt.date):
            cell.number_format = "DD/MM/YYYY"
        elif isinstance(cell.value, float):
            cell.number_format = "0.0"
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 16


def summary_rows(report: Report) -> list[list]:
    """(heading, value) pairs shared by the page and the workbook's first sheet."""
    return [
        ["Đơn vị", report.unit.name],
        ["Từ ngày", report.start],
        ["Đến ngày", report.end],
        ["Tin báo tiếp nhận", report.tips_received],
        ["Tin báo có giá trị", report.tips_valuable],
        ["Tin báo đã giải quyết", report.tips_resolved],
        ["Tin báo quá hạn", report.tips_overdue],
        ["Thời gian đến xử lý đầu tiên, trung bình (giờ)", report.first_action.mean_hours],
        ["Thời gian đến xử lý đầu tiên, trung vị (giờ)", report.first_action.median_hours],
        ["Thời gian giải quyết, trung bình (giờ)", report.resolution.mean_hours],
        ["Thời gian giải quyết, trung vị (giờ)", report.resolution.median_hours],
        ["Câu hỏi tiếp nhận", report.questions_asked],
        ["Câu hỏi đã trả lời", report.questions_answered],
        ["Lượt trả lời tự động (FAQ)", report.faq_answers_served],
        [
            "Câu hỏi FAQ chưa trả lời được (toàn hệ thống)",
            "Chỉ có ở báo cáo cấp tỉnh" if report.faq_unanswered is None else report.faq_unanswered,
        ],
        ["Ý kiến tiếp nhận", report.opinions_received],
        ["Ý kiến đã trả lời", report.opinions_answered],
        ["Diễn đàn đã tổ chức", report.forums_held],
        ["Ý kiến gửi các diễn đàn", report.forum_opinions],
        ["Người đăng ký nhận tin", report.subscribers],
        ["Hủy đăng ký trong kỳ", report.opt_outs],
        ["Hủy đăng ký theo yêu cầu", report.opt_outs_asked],
        ["Hủy do chặn tài khoản bot (phát hiện khi gửi tin)", report.opt_outs_blocked],
        ["Chiến dịch tuyên truyền đã gửi", report.campaigns_sent],
        ["Người dân đã nhận tin tuyên truyền", report.recipients_reached],
        ["Cuộc thi tìm hiểu pháp luật", report.quizzes_held],
        ["Lượt dự thi", report.quiz_participants],
        ["Tin trùng (không tính vào số liệu)", report.duplicates],
    ]


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], summary_rows(report))
    _sheet(
        book,
        "Theo lĩnh vực",
        ["Lĩnh vực", "Số tin báo"],
        [list(r) for r in report.tips_by_category],
    )
    _sheet(book, "Theo đơn vị", ["Đơn vị", "Số tin báo"], [list(r) for r in report.tips_by_unit])
    _sheet(book, "Theo tháng", ["Tháng", "Số tin báo"], [list(r) for r in report.tips_by_month])
    for cell in book["Theo tháng"]["A"][1:]:
        cell.number_format = "MM/YYYY"
    _sheet(
        book,
        "Câu hỏi chưa trả lời",
        ["Câu hỏi", "Số lần hỏi"],
        [list(r) for r in report.top_unanswered],
    )
    _sheet(
        book,
        "FAQ đã trả lời",
        ["Câu hỏi pháp luật (mục hỏi đáp)", "Lượt trả lời"],
        [list(r) for r in report.top_faq_served],
    )
    _sheet(
        book,
        "FAQ chưa trả lời được",
        ["Câu hỏi gửi bot (toàn hệ thống)", "Số lần"],
        [list(r) for r in report.top_faq_unanswered],
    )
    _sheet(
        book,
        "Người đăng ký",
        ["Xã, phường", "Người đăng ký"],
        [list(r) for r in report.subscribers_by_unit],
    )
    _sheet(
        book,
        "Chiến dịch",
        [
            "Chiến dịch",
            "Ngày bắt đầu",
            "Người nhận",
            "Đã gửi",
            "Đã chặn bot",
            "Bỏ qua",
            "Không gửi được",
        ],
        [
            [c.title, c.started, c.recipients, c.sent, c.blocked, c.skipped, c.failed]
            for c in report.campaigns
        ],
    )
    _sheet(
        book, "Tin trùng", ["Loại", "Số tin trùng"], [list(r) for r in report.duplicates_by_kind]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
