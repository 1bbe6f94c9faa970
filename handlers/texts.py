"""Every citizen-facing string of the conversation, by key (Vietnamese, with diacritics).

Keeping them here lets a communications officer review the bot's voice in one file, and keeps
flows free of prose. Placeholders use str.format names.
"""

from __future__ import annotations

T: dict[str, str] = {
    # welcome and menu
    "welcome": (
        "Xin chào! Đây là Lắng Nghe — kênh tiếp nhận ý kiến, tin báo và hỏi đáp pháp luật của "
        "Công an.\n\n"
        "Bạn có thể hỏi về căn cước, VNeID, cư trú, giao thông, lừa đảo...; báo tin về tội phạm "
        "(có thể ẩn danh); góp ý với Công an; tra cứu kết quả xử lý.\n\n"
        "⚠️ Khi đang gặp nguy hiểm, hãy gọi ngay 113 (Công an), 114 (Cứu hỏa), 115 (Cấp cứu)."
    ),
    "menu": "Bạn cần gì? Chọn một mục bên dưới hoặc gõ câu hỏi của bạn.",
    "menu.ask": "❓ Hỏi đáp pháp luật",
    "menu.tip": "🛡️ Tố giác / Báo tin",
    "menu.opinion": "💬 Góp ý với Công an",
    "menu.track": "🔎 Tra cứu kết quả",
    "menu.subscribe": "🔔 Đăng ký nhận tin",
    "menu.back": "🏠 Về menu",
    "help": (
        "Cách dùng Lắng Nghe:\n"
        "• Gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được.\n"
        "• /menu — về menu chính; /cancel — hủy thao tác đang làm.\n"
        "• /stop — ngừng nhận tin từ Công an xã/phường.\n"
        "• /forget — xóa xã/phường mình đã ghi nhớ cho bạn.\n"
        "• Báo tin tội phạm: chọn “Tố giác / Báo tin”; bạn có thể ẩn danh.\n"
        "• Khẩn cấp: gọi 113 (Công an), 114 (Cứu hỏa), 115 (Cấp cứu), 111 (Bảo vệ trẻ em)."
    ),
    "cancelled": "Đã hủy. Thông tin bạn đang nhập chưa được gửi đi.",
    "expired_button": "Lựa chọn này đã hết hạn. Mời bạn chọn lại.",
    "session_expired": "Phiên trước đã quá lâu nên đã kết thúc; thông tin chưa gửi đã bị hủy.",
    "too_long": "Tin nhắn quá dài (tối đa {limit} ký tự). Bạn vui lòng viết ngắn gọn hơn.",
    "empty_text": "Mình chưa đọc được nội dung. Bạn vui lòng gõ bằng chữ nhé.",
    "unreadable": (
        "Xin lỗi, mình không đọc được tin này. Bạn gửi lại bằng chữ hoặc ảnh giúp mình nhé."
    ),
    "not_expected_here": "Ở bước này mình cần bạn gõ chữ hoặc bấm một lựa chọn.",
    "error_later": (
        "Xin lỗi, hệ thống đang bận. Thông tin của bạn vẫn được giữ nguyên, "
        "bạn vui lòng thử lại sau ít phút."
    ),
    # emergency
    "emergency": (
        "🚨 NẾU BẠN ĐANG GẶP NGUY HIỂM, HÃY GỌI NGAY:\n"
        "• 113 — Công an\n"
        "• 114 — Cứu hỏa, cứu nạn cứu hộ\n"
        "• 115 — Cấp cứu y tế\n"
        "• 112 — Tìm kiếm cứu nạn (thiên tai, lũ lụt, sự cố)\n"
        "• 111 — Bảo vệ trẻ em (miễn phí, 24/7)\n\n"
        "Hãy ở nơi an toàn. Tin nhắn qua ứng dụng không thay thế cuộc gọi khẩn cấp."
    ),
    # self-harm: a human sentence first, then the lines that help right now
    "emergency.self_harm": (
        "💛 Mình rất tiếc vì bạn đang phải trải qua chuyện này. Bạn không đơn độc, và điều bạn "
        "đang cảm thấy rất đáng được lắng nghe.\n\n"
        "Nếu bạn hoặc ai đó đã tự làm mình bị thương hay uống thuốc, hãy gọi ngay 115 "
        "(Cấp cứu). Nếu đang nguy hiểm, gọi 113 (Công an).\n"
        "Trẻ em và người dưới 18 tuổi: gọi 111 — Tổng đài quốc gia bảo vệ trẻ em, miễn phí, "
        "24/7.\n\n"
        "Ngay bây giờ, hãy ở cạnh hoặc gọi cho một người bạn tin tưởng và cất xa những thứ có "
        "thể gây hại. Bạn có thể nhắn tiếp cho mình bất cứ lúc nào."
    ),
    "emergency.report": "🛡️ Báo tin cho Công an",
    "emergency.back": "↩️ Tiếp tục",
    # ask
    "ask.prompt": "Bạn muốn hỏi gì? Hãy gõ câu hỏi (có dấu hay không dấu đều được).",
    "ask.helpful": "Câu trả lời có giúp ích cho bạn không?",
    "ask.more": "📖 Xem thêm",
    "ask.legal_basis": "📚 Căn cứ pháp lý:\n{basis}",
    "ask.yes": "👍 Có",
    "ask.no": "👎 Chưa đúng ý",
    "ask.thanks_feedback": "Cảm ơn bạn đã phản hồi! Bạn cần hỏi thêm gì cứ nhắn nhé.",
    "ask.suggest": "Mình chưa chắc câu hỏi của bạn. Có phải bạn muốn hỏi:",
    "ask.no_match": (
        "Xin lỗi, mình chưa có câu trả lời cho câu hỏi này. Bạn có muốn gửi câu hỏi tới cán bộ "
        "Công an không? Câu trả lời sẽ được gửi lại cho bạn tại đây."
    ),
    "ask.send_to_officers": "📨 Gửi cho cán bộ",
    "ask.redirect": (
        "Việc này không thuộc Công an mà do {agency} giải quyết.\n\n"
        "📍 Cách liên hệ: {contact}\n\n"
        "Nếu bạn muốn hỏi điều khác về an ninh, trật tự hay thủ tục do Công an làm, cứ nhắn nhé."
    ),
    "ask.menu": "Bạn muốn hỏi về {topic} — việc nào dưới đây?",
    "ask.rephrase": "✏️ Hỏi lại",
    "ask.rephrase_prompt": "Bạn hãy gõ lại câu hỏi theo cách khác nhé.",
    "ask.sent": (
        "✅ Đã gửi câu hỏi tới cán bộ. Mã theo dõi: {code}\n"
        "Câu trả lời sẽ được gửi lại cho bạn tại đây."
    ),
    # Every receipt: a line to note the code down, and when to expect an answer (the deadline
    # of its kind, as the feedback API computed it for this submission).
    "receipt.note": (
        "📝 Bạn hãy ghi lại mã theo dõi (chép ra giấy hoặc chụp màn hình) để tra cứu sau."
    ),
    "receipt.due": "⏱️ Công an sẽ trả lời chậm nhất vào ngày {date}.",
    "ask.nothing_to_send": "Mình chưa có câu hỏi nào để gửi. Bạn hãy gõ câu hỏi nhé.",
    "smalltalk.greeting": "Xin chào bạn! Mình có thể giúp gì cho bạn?",
    "smalltalk.thanks": "Không có gì ạ. Bạn cần hỏi thêm gì cứ nhắn nhé!",
    "smalltalk.goodbye": "Chào bạn, chúc bạn một ngày bình an!",
    "ask.report_now": "🛡️ Báo tin ngay",
    "ask.give_opinion": "💬 Góp ý ngay",
    # tip
    "tip.intro": (
        "Cảm ơn bạn đã chung tay cùng Công an. Mọi tin báo đều được bảo mật; bạn có thể ẩn "
        "danh.\n\nTin của bạn liên quan đến lĩnh vực nào?"
    ),
    "tip.category.drugs": "Ma túy",
    "tip.category.theft": "Trộm cắp",
    "tip.category.fraud": "Lừa đảo",
    "tip.category.gambling": "Cờ bạc",
    "tip.category.trafficking": "Mua bán người",
    "tip.category.weapons": "Vũ khí, vật liệu nổ",
    "tip.category.public_disorder": "Gây rối trật tự",
    "tip.category.domestic_violence": "Bạo lực gia đình",
    "tip.category.other": "Khác",
    "tip.describe": (
        "Bạn hãy mô tả sự việc: chuyện gì, ở đâu, khi nào, ai liên quan (nếu biết). "
        "Càng cụ thể càng giúp xác minh nhanh."
    ),
    "tip.describe_more": "Bạn vui lòng mô tả chi tiết hơn một chút (ít nhất vài từ) nhé.",
    "tip.send_location": "📍 Gửi vị trí hiện tại",
    "tip.skip": "Bỏ qua",
    "tip.photos": (
        "Bạn có ảnh hoặc tài liệu liên quan không? Gửi tối đa {limit} ảnh, xong thì bấm “Xong”. "
        "Không có thì bấm “Bỏ qua”.\nLưu ý: đừng chụp ảnh nếu việc đó khiến bạn gặp nguy hiểm."
    ),
    "tip.photo_received": "Đã nhận ảnh {count}/{limit}. Gửi tiếp hoặc bấm “Xong”.",
    "tip.photo_limit": "Bạn đã gửi đủ {limit} ảnh. Bấm “Xong” để tiếp tục.",
    "tip.photo_rate_limited": "Bạn gửi ảnh quá nhanh. Bạn vui lòng đợi vài phút rồi gửi tiếp.",
    "tip.photo_too_large": "Ảnh/tệp này quá lớn (tối đa {limit} MB). Bạn gửi ảnh nhỏ hơn nhé.",
    "tip.photo_wrong_type": "Mình chỉ nhận ảnh, video, ghi âm hoặc tệp PDF. Bạn gửi lại nhé.",
    "tip.done": "Xong",
    "tip.anonymity": (
        "Bạn muốn gửi tin theo cách nào?\n\n"
        "• Ẩn danh: không lưu tên, số điện thoại của bạn. Cán bộ không thể liên hệ lại, "
        "nhưng bạn vẫn nhận được phản hồi tại đây.\n"
        "• Giữ bí mật danh tính: bạn để lại tên và số điện thoại; chỉ quản trị hệ thống "
        "được xem, cán bộ xử lý và lãnh đạo không thấy.\n"
        "• Công khai với cán bộ xử lý: cán bộ có thể gọi lại để xác minh.\n\n"
        "Trong mọi trường hợp, Công an có trách nhiệm giữ bí mật cho người tố giác "
        "(Bộ luật Tố tụng hình sự 2015)."
    ),
    "tip.anon.anonymous": "🕶️ Ẩn danh",
    "tip.anon.confidential": "🔒 Giữ bí mật danh tính",
    "tip.anon.named": "👤 Công khai với cán bộ",
    "tip.ask_name": "Bạn cho biết họ tên (hoặc bấm “Bỏ qua”):",
    "tip.ask_phone": ("Số điện thoại để cán bộ liên hệ khi cần xác minh (hoặc bấm “Bỏ qua”):"),
    "tip.bad_phone": "Số điện thoại chưa đúng. Bạn gõ lại (vd. 0912345678) hoặc bấm “Bỏ qua”.",
    "tip.review": (
        "Bạn kiểm tra lại trước khi gửi:\n\n"
        "• Lĩnh vực: {category}\n• Nội dung: {text}\n• Xã/phường: {unit}\n"
        "• Địa điểm: {location}\n"
        "• Ảnh/tệp: {photos}\n• Danh tính: {anonymity}\n\n"
        "Bấm “Gửi tin” để gửi. Tin chỉ được gửi khi bạn xác nhận."
    ),
    "tip.confirm": "✅ Gửi tin",
    "tip.cancel": "❌ Hủy",
    "tip.accepted": (
        "✅ Công an đã tiếp nhận tin báo của bạn.\n\nMã theo dõi: {code}\n\n"
        "Tra cứu kết quả bằng mã này ở mục “Tra cứu kết quả”. Cảm ơn bạn!"
    ),
    "submission.kept": (
        "⏳ Hệ thống tiếp nhận đang tạm gián đoạn nên chưa chuyển được ngay. Nội dung bạn gửi "
        "đã được lưu an toàn và sẽ tự động chuyển tới Công an; mình sẽ nhắn mã theo dõi cho bạn "
        "ngay khi được tiếp nhận. Bạn không cần gửi lại."
    ),
    "tip.file_kept_describe": (
        "Mình đã nhận tệp của bạn. Bạn mô tả thêm sự việc bằng chữ giúp mình nhé."
    ),
    "tip.text_added": "Mình đã thêm nội dung này vào tin báo.",
    "tip.edited": "Mình đã cập nhật nội dung theo tin bạn vừa sửa.",
    "edit.not_applied": (
        "Mình chỉ cập nhật được phần mô tả tin báo. Nếu cần, bạn gửi nội dung mới nhé."
    ),
    "edit.sent": (
        "Mình đã chuyển phần bạn sửa tới cán bộ (mã {code}); nội dung ban đầu vẫn được giữ."
    ),
    "add.button": "➕ Bổ sung thông tin",
    "add.ask_code": "Bạn gõ mã theo dõi của tin cần bổ sung (vd. LN-7K3M-Q9PX):",
    "add.ask_content": "Bạn gửi nội dung bổ sung (chữ, ảnh, video, ghi âm hoặc tệp):",
    "add.more": "Mình đã nhận. Bạn gửi thêm, hoặc bấm “Gửi bổ sung” khi xong.",
    "add.send": "📨 Gửi bổ sung",
    "add.files_only": "(Người dân gửi bổ sung {count} tệp đính kèm.)",
    "add.done": "✅ Đã chuyển phần bổ sung tới cán bộ xử lý tin {code}. Cảm ơn bạn!",
    "add.not_found": (
        "Không tìm thấy tin nào của bạn với mã này. Bạn kiểm tra lại mã (chỉ bổ sung được "
        "cho tin chính bạn đã gửi)."
    ),
    "tip.photos_failed": (
        "Lưu ý: {failed} ảnh/tệp không gửi được ({reason}). Nội dung tin báo đã được tiếp nhận."
    ),
    "none": "Không",
    "not_given": "Không cung cấp",
    "anonymity.anonymous": "Ẩn danh",
    "anonymity.confidential": "Giữ bí mật danh tính",
    "anonymity.named": "Công khai với cán bộ xử lý",
    # opinion
    "opinion.intro": (
        "Diễn đàn “Công an lắng nghe ý kiến Nhân dân”: mọi góp ý đều được ghi nhận và "
        "trả lời.\n\nÝ kiến của bạn về lĩnh vực nào?"
    ),
    "opinion.topic.security": "An ninh, trật tự",
    "opinion.topic.traffic": "Giao thông",
    "opinion.topic.admin": "Thủ tục hành chính",
    "opinion.topic.conduct": "Tác phong cán bộ",
    "opinion.topic.other": "Khác",
    "opinion.text": "Bạn hãy viết ý kiến, kiến nghị của mình:",
    "opinion.name": "Bạn có muốn để lại tên không? (gõ tên, hoặc bấm “Bỏ qua” để ẩn danh)",
    "opinion.review": (
        "Ý kiến của bạn:\n\n• Lĩnh vực: {topic}\n• Nội dung: {text}\n• Xã/phường: {unit}\n"
        "• Người gửi: {name}"
    ),
    "opinion.confirm": "✅ Gửi góp ý",
    "opinion.accepted": (
        "✅ Cảm ơn bạn! Góp ý đã được tiếp nhận.\nMã theo dõi: {code}\n"
        "Phản hồi của Công an sẽ được gửi lại cho bạn tại đây."
    ),
    # where: the commune/ward that must act (handlers/flows/where.py)
    "where.tip": (
        "Việc này xảy ra ở xã/phường nào?\n\n"
        "Chọn bên dưới, gõ tên xã/phường (có dấu hay không dấu đều được), hoặc gửi vị trí. "
        "Tin sẽ được chuyển thẳng tới Công an xã/phường đó."
    ),
    "where.opinion": (
        "Việc này xảy ra ở xã/phường nào?\n\n"
        "Chọn bên dưới, gõ tên xã/phường, hoặc gửi vị trí. "
        "Ý kiến sẽ được chuyển tới Công an xã/phường đó."
    ),
    "where.question": (
        "Bạn đang sống ở xã/phường nào?\n\n"
        "Câu hỏi sẽ được chuyển tới Công an nơi bạn sống. Chọn bên dưới, gõ tên xã/phường, "
        "hoặc gửi vị trí."
    ),
    "where.last_time": "📌 {place} (lần trước)",
    "where.unknown": "🤷 Không rõ / không muốn nói",
    "where.which": "Có nhiều xã/phường giống “{name}”. Bạn chọn đúng nơi:",
    "where.not_found": (
        "Mình không tìm thấy xã/phường “{name}”. Bạn gõ lại tên xã/phường, gửi vị trí, "
        "hoặc chọn “Không rõ / không muốn nói”."
    ),
    "where.location_unknown": (
        "Mình chưa xác định được xã/phường tại vị trí này (vị trí vẫn được gửi kèm). "
        "Bạn gõ tên xã/phường hoặc chọn “Không rõ / không muốn nói”."
    ),
    "where.confirm_location": "Vị trí bạn gửi thuộc {place}. Đúng không?",
    "where.yes": "✅ Đúng",
    "where.no": "✏️ Không phải",
    "where.type_instead": "Bạn gõ tên xã/phường, hoặc chọn bên dưới.",
    "where.remember": (
        "Lần sau mình gợi ý ngay {place} cho bạn nhé? Mình chỉ ghi nhớ xã/phường, "
        "không ghi nhớ danh tính của bạn."
    ),
    "where.remember_yes": "👍 Ghi nhớ",
    "where.remember_no": "Không cần",
    "where.remembered": "Đã ghi nhớ {place}. Gửi /forget bất cứ lúc nào để xóa.",
    "where.forgotten": "Đã xóa xã/phường mình ghi nhớ cho bạn.",
    "where.not_known": "Chưa rõ (Công an tỉnh tiếp nhận)",
    # forums "Công an lắng nghe ý kiến Nhân dân"
    "menu.forums": "🏛️ Diễn đàn đang mở",
    "forum.intro": (
        "🏛️ {title}\n{unit}\n📍 {venue}\n🕘 {when}\n\n"
        "Ý kiến của bạn sẽ được tổng hợp và trả lời. Ý kiến về chủ đề nào?"
    ),
    "forum.intro_text": (
        "🏛️ {title}\n{unit}\n📍 {venue}\n🕘 {when}\n\nBạn hãy viết ý kiến, kiến nghị của mình:"
    ),
    "forum.other_topic": "Ý kiến khác",
    "forum.not_found": "Không tìm thấy diễn đàn này. Có thể đường dẫn đã cũ.",
    "forum.closed": "Diễn đàn này hiện không nhận ý kiến (chưa mở hoặc đã kết thúc).",
    "forum.none": (
        "Hiện xã, phường của bạn chưa có diễn đàn nào đang nhận ý kiến. "
        "Bạn có thể đăng ký nhận tin để biết khi có diễn đàn mới."
    ),
    "forum.list": "Các diễn đàn đang nhận ý kiến:",
    "forum.review": (
        "Ý kiến gửi tới {title}:\n\n• Chủ đề: {topic}\n• Nội dung: {text}\n• Người gửi: {name}"
    ),
    # legal quiz (thi tìm hiểu pháp luật)
    "quiz.intro": (
        "Cuộc thi “{title}”\nGồm {total} câu hỏi trắc nghiệm. Mỗi người chỉ được dự thi "
        "một lần; đáp án và căn cứ pháp lý được gửi khi bạn nộp bài."
    ),
    "quiz.go": "▶️ Bắt đầu",
    "quiz.question": "Câu {n}/{total}: {text}",
    "quiz.name": ("Bạn đã trả lời xong. Gõ tên hiển thị trên bảng xếp hạng, hoặc bấm “Ẩn danh”."),
    "quiz.anonymous": "Ẩn danh",
    "quiz.score": "🏁 Bạn trả lời đúng {score}/{total} câu.",
    "quiz.right": "✅ Đúng",
    "quiz.wrong": "❌ Chưa đúng",
    "quiz.correction": ("Câu {n}: {verdict}\nĐáp án: {answer}\nCăn cứ: {basis}\n{explanation}"),
    "quiz.thanks": "Cảm ơn bạn đã tham gia tìm hiểu pháp luật cùng Công an!",
    "quiz.closed": "Cuộc thi này hiện không nhận bài (chưa mở hoặc đã kết thúc).",
    "quiz.already": "Bạn đã dự thi cuộc thi này rồi. Mỗi người chỉ được dự thi một lần.",
    "quiz.not_found": "Không tìm thấy cuộc thi này. Có thể đường dẫn đã cũ.",
    # follow-up
    "track.prompt": "Bạn nhập mã theo dõi (dạng LN-XXXX-XXXX):",
    "track.bad_code": "Mã chưa đúng dạng. Mã có dạng LN-XXXX-XXXX, ví dụ LN-7K3M-Q9PX.",
    "track.not_found": "Không tìm thấy mã {code}. Bạn kiểm tra lại giúp mình nhé.",
    "track.rate_limited": "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút.",
    "track.status": "Mã {code}\nTrạng thái: {status}\nCập nhật: {updated}",
    "track.unit": "\nĐơn vị xử lý: {unit}",
    "track.reply": "\n\nPhản hồi của Công an:\n{reply}",
    # subscribe
    "sub.commune": (
        "Bạn muốn nhận tin của Công an xã/phường nào? Chọn bên dưới hoặc gõ tên xã/phường."
    ),
    "sub.commune_not_found": (
        "Mình không tìm thấy xã/phường “{name}”. Bạn gõ lại hoặc chọn bên dưới."
    ),
    "sub.topics": "Bạn quan tâm chủ đề nào? Bấm để chọn/bỏ chọn, xong thì bấm “Xong”.",
    "sub.topic.security": "An ninh, trật tự",
    "sub.topic.traffic": "Giao thông",
    "sub.topic.fraud": "Cảnh báo lừa đảo",
    "sub.topic.admin": "Thủ tục hành chính",
    "sub.topic.fire": "Phòng cháy, chữa cháy",
    "sub.need_topic": "Bạn chọn ít nhất một chủ đề nhé.",
    "sub.done": (
        "🔔 Đã đăng ký nhận tin của {unit} về: {topics}.\n"
        "Gửi /stop hoặc bấm “Hủy đăng ký” bất cứ lúc nào để ngừng nhận tin."
    ),
    "sub.stop": "🔕 Hủy đăng ký",
    "sub.stopped": (
        "Đã hủy đăng ký. Bạn sẽ không nhận tin nữa. Gửi /start để quay lại bất cứ lúc nào."
    ),
    "sub.no_units": "Hiện chưa có danh sách xã/phường. Bạn vui lòng thử lại sau.",
    # broadcasts (campaign messages) and linking an officer's own chat for test sends
    "bc.unsubscribe": "🔕 Hủy đăng ký nhận tin",
    "bc.test_prefix": "[GỬI THỬ] ",
    "bc.links_heading": "Liên kết:",
    # the outbox: what officers' actions tell the citizen (feedback_api queues these keys and
    # their parameters; the sender renders them at send time)
    "notice.status.verifying": (
        "Tin {code} của bạn đang được Công an xác minh. Cảm ơn bạn đã cung cấp."
    ),
    "notice.status.forwarded": (
        "Tin {code} của bạn đã được chuyển đến đơn vị có thẩm quyền giải quyết."
    ),
    "notice.status.resolved": (
        "Tin {code} của bạn đã được giải quyết. Cảm ơn bạn đã đồng hành cùng Công an."
    ),
    "notice.status.rejected": (
        "Tin {code} đã được xem xét nhưng chưa đủ căn cứ để xử lý. Cảm ơn bạn."
    ),
    "notice.status.duplicate": (
        "Tin {code} trùng với nội dung đã tiếp nhận trước đó và được xử lý chung."
    ),
    "notice.reply.tip": "Phản hồi của Công an về tố giác, tin báo {code}:\n\n{text}",
    "notice.reply.question": "Phản hồi của Công an về câu hỏi {code}:\n\n{text}",
    "notice.reply.opinion": "Phản hồi của Công an về góp ý {code}:\n\n{text}",
    "notice.forum_answer.accept": ("{title} — trả lời ý kiến {code} của bạn (tiếp thu):\n\n{text}"),
    "notice.forum_answer.explain": (
        "{title} — trả lời ý kiến {code} của bạn (giải trình):\n\n{text}"
    ),
    "notice.forum_answer.forward": (
        "{title} — trả lời ý kiến {code} của bạn (chuyển cơ quan có thẩm quyền):\n\n{text}"
    ),
    "notice.forum_summary": (
        "{title} đã công bố kết quả: {opinions} ý kiến được tiếp nhận, tổng hợp thành "
        "{themes} nhóm vấn đề và đã được trả lời. Cảm ơn bạn đã tham gia cùng Công an."
    ),
    "notice.forum_summary_link": (
        "{title} đã công bố kết quả: {opinions} ý kiến được tiếp nhận, tổng hợp thành "
        "{themes} nhóm vấn đề và đã được trả lời. Cảm ơn bạn đã tham gia cùng Công an.\n"
        "Xem toàn bộ câu trả lời: {url}"
    ),
    # where a broadcast may not carry a button (Zalo's rules): how to stop, in words
    "bc.unsubscribe_hint": "Để ngừng nhận tin, nhắn “dừng”.",
    "link.ok": "✅ Đã liên kết tài khoản cán bộ với cuộc trò chuyện này để nhận bản gửi thử.",
    "link.bad_code": (
        "Mã liên kết không đúng hoặc đã hết hạn. Vui lòng lấy mã mới trên trang cán bộ."
    ),
    "link.usage": "Gửi /lienket kèm mã 6 số lấy từ trang cán bộ, ví dụ: /lienket 123456",
}


def t(key: str, **values: object) -> str:
    """The text for `key`, with placeholders filled."""
    text = T[key]
    return text.format(**values) if values else text
