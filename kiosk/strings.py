"""Every text the kiosk shows, Vietnamese first (NFC, full diacritics), then English.

`t(key, lang, **values)` picks the language; `wait_text`, `date_text` and `fee_text` turn
numbers into the words a citizen reads.
"""

from __future__ import annotations

import math
from datetime import datetime

TEXTS: dict[str, tuple[str, str]] = {
    # home
    "take_number": ("Lấy số thứ tự", "Take a number"),
    "procedures": ("Tra cứu thủ tục", "Procedure requirements"),
    "dossier": ("Tra cứu hồ sơ", "Track my dossier"),
    "rating": ("Đánh giá - góp\u00a0ý", "Rate our service"),
    "other_language": ("English", "Tiếng Việt"),
    "welcome": ("Xin mời chạm vào màn hình để bắt đầu", "Touch the screen to begin"),
    "back": ("‹ Quay lại", "‹ Back"),
    "home": ("Màn hình chính", "Home"),
    # offline
    "offline": ("MẤT KẾT NỐI MÁY CHỦ: tạm thời chưa lấy được số. Ông/Bà vẫn xem được thủ tục.",
                "SERVER UNREACHABLE: numbers cannot be issued right now. Procedures can still be read."),
    "offline_services": ("Ki-ốt đang mất kết nối với máy chủ nên chưa lấy được số. Ki-ốt sẽ tự kết nối lại; "
                         "vui lòng chờ hoặc hỏi cán bộ tại quầy hướng dẫn.",
                         "The kiosk cannot reach the server, so no number can be issued. It reconnects by "
                         "itself; please wait or ask a staff member."),
    "loading": ("Đang tải…", "Loading…"),
    # services
    "choose_service": ("Chọn dịch vụ", "Choose a service"),
    "waiting": ("Đang chờ: {n} người", "Waiting: {n}"),
    "estimate": ("Dự kiến chờ: {wait}", "Expected wait: {wait}"),
    "no_counter": ("Chưa có quầy mở cho dịch vụ này", "No counter is open for this service yet"),
    "not_issuing": ("Chưa cấp số: chưa có quầy mở", "Not issuing: no counter is open"),
    "no_counter_before": ("Hiện chưa có quầy nào mở cho dịch vụ này, nên chưa biết thời gian chờ. "
                          "Ông/Bà vẫn lấy được số và sẽ được gọi khi quầy mở.",
                          "No counter is open for this service yet, so the wait is not known. "
                          "You can still take a number and will be called when a counter opens."),
    "no_services": ("Hiện chưa có dịch vụ nào để lấy số.", "There is no service to take a number for."),
    # priority
    "priority_question": ("Ông/Bà có thuộc đối tượng ưu tiên không?", "Are you entitled to priority?"),
    "priority_normal": ("Không — lấy số thường", "No — regular number"),
    "priority_elderly": ("Người cao tuổi (từ 60 tuổi)", "Older person (60 or over)"),
    "priority_disabled": ("Người khuyết tật", "Person with a disability"),
    "priority_pregnant": ("Phụ nữ mang thai", "Pregnant woman"),
    "priority_meritorious": ("Người có công với cách mạng", "Person with meritorious service"),
    "priority_note": ("Cán bộ có thể đề nghị xuất trình giấy tờ chứng minh.",
                      "Staff may ask to see a supporting document."),
    "for_service": ("Dịch vụ: {name}", "Service: {name}"),
    # ticket
    "issuing": ("Đang lấy số…", "Getting your number…"),
    "your_number": ("Số thứ tự của Ông/Bà", "Your number"),
    "ticket_title": ("Số của Ông/Bà", "Your number"),  # short: it is the top bar's title
    # Before the call: where the ticket may be served, worded so it cannot read as "go now"
    "serving_counters": ("Các quầy phục vụ: {counters}", "Served at counters: {counters}"),
    "wait_for_call": ("Vui lòng chờ đến khi số được gọi.", "Please wait until your number is called."),
    "counters_later": ("Quầy sẽ được thông báo khi gọi số", "The counter is announced when you are called"),
    "people_ahead": ("Số người chờ trước Ông/Bà: {n}", "People ahead of you: {n}"),
    "wait": ("Thời gian chờ dự kiến: {wait}", "Expected wait: {wait}"),
    "printing": ("Đang in phiếu…", "Printing your slip…"),
    "printed": ("Đã in phiếu. Vui lòng nhận phiếu ở khe bên dưới.", "Printed. Please take your slip below."),
    "print_failed": ("CHƯA IN ĐƯỢC PHIẾU. {why} Số của Ông/Bà vẫn giữ nguyên: {code}. Hãy ghi nhớ số này; "
                     "cán bộ đã được báo.",
                     "YOUR SLIP DID NOT PRINT. {why} Your number is still valid: {code}. Please remember it; "
                     "staff have been told."),
    "no_printer": ("Ki-ốt này không in phiếu. Vui lòng ghi nhớ số của Ông/Bà.",
                   "This kiosk does not print. Please remember your number."),
    "print_again": ("In lại phiếu", "Print again"),
    "done": ("Xong", "Done"),
    "issue_failed": ("CHƯA LẤY ĐƯỢC SỐ. {why}", "NO NUMBER WAS ISSUED. {why}"),
    "try_again": ("Thử lại", "Try again"),
    # procedures
    "search_hint": ("Gõ tên hoặc mã thủ tục, ví dụ: khai sinh", "Type a name or code, e.g. birth"),
    "fields": ("Lĩnh vực", "Fields"),
    "results": ("Kết quả tìm kiếm: {n}", "Results: {n}"),
    "no_results": ("Không tìm thấy thủ tục phù hợp. Hãy thử từ khác.", "No procedure found. Try other words."),
    "no_catalog": ("Chưa có danh mục thủ tục. Ki-ốt sẽ tải khi kết nối được máy chủ.",
                   "No procedure list yet. The kiosk loads it when it reaches the server."),
    "n_procedures": ("{n} thủ tục", "{n} procedures"),
    "clear": ("Xoá hết", "Clear"),
    "space": ("Dấu cách", "Space"),
    # procedure page
    "code": ("Mã thủ tục: {code}", "Procedure code: {code}"),
    "documents": ("Thành phần hồ sơ", "Documents to bring"),
    "document": ("Giấy tờ", "Document"),
    "originals": ("Bản chính", "Originals"),
    "copies": ("Bản sao", "Copies"),
    "show_only": ("Xuất trình", "Show only"),
    "optional": ("(nếu có)", "(if any)"),
    "form": ("Mẫu: {form}", "Form: {form}"),
    "fees_times": ("Lệ phí và thời hạn giải quyết", "Fees and processing time"),
    "fee": ("Lệ phí: {fee}", "Fee: {fee}"),
    "time": ("Thời hạn: {time}", "Time: {time}"),
    "where": ("Nơi nộp hồ sơ", "Where to submit"),
    "steps": ("Trình tự thực hiện", "Steps"),
    "requirements": ("Yêu cầu, điều kiện", "Requirements"),
    "result": ("Kết quả", "Result"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "take_for_procedure": ("Lấy số cho thủ tục này", "Take a number for this procedure"),
    "demo_data": ("Dữ liệu minh hoạ, không dùng để hướng dẫn thật.", "Illustrative data, not for real advice."),
    "free": ("Miễn phí", "Free"),
    # dossier
    "dossier_title": ("Tra cứu hồ sơ", "Your dossier"),  # short: it is the top bar's title
    "dossier_code": ("Mã hồ sơ", "Dossier code"),
    "dossier_key": ("Mã tra cứu", "Lookup code"),
    "dossier_hint": ("Hai mã này in trên giấy tiếp nhận hồ sơ. Gõ mã, hoặc đưa mã QR trên giấy vào máy quét.",
                     "Both codes are printed on your receipt. Type them, or hold the receipt's QR code "
                     "to the scanner."),
    "lookup": ("Tra cứu", "Look up"),
    "looking_up": ("Đang tra cứu…", "Looking up…"),
    "dossier_not_available": ("CHƯA HỖ TRỢ: ki-ốt này chưa tra cứu được hồ sơ. Vui lòng hỏi cán bộ tại quầy "
                              "trả kết quả hoặc tra cứu trên Cổng Dịch vụ công.",
                              "NOT AVAILABLE YET: this kiosk cannot look up dossiers. Please ask at the results "
                              "counter or use the public service portal."),
    "dossier_missing": ("Vui lòng nhập cả mã hồ sơ và mã tra cứu.", "Please enter both codes."),
    "dossier_not_found": ("KHÔNG TÌM THẤY HỒ SƠ với mã hồ sơ và mã tra cứu này. Vui lòng kiểm tra lại cả hai "
                          "mã trên giấy tiếp nhận, hoặc hỏi cán bộ tại quầy.",
                          "NO DOSSIER MATCHES these two codes. Please check both codes on your receipt, "
                          "or ask at the counter."),
    "dossier_too_many": ("TRA CỨU SAI QUÁ NHIỀU LẦN. Vui lòng chờ {minutes} phút rồi thử lại, hoặc hỏi cán bộ "
                         "tại quầy.",
                         "TOO MANY ATTEMPTS. Please wait {minutes} min and try again, or ask at the counter."),
    "dossier_offline": ("MẤT KẾT NỐI MÁY CHỦ: chưa tra cứu được hồ sơ. Ki-ốt sẽ tự kết nối lại; vui lòng thử "
                        "lại sau ít phút hoặc hỏi cán bộ tại quầy.",
                        "SERVER UNREACHABLE: the dossier cannot be looked up now. The kiosk reconnects by itself; "
                        "please try again in a few minutes or ask at the counter."),
    "dossier_failed": ("CHƯA TRA CỨU ĐƯỢC. {why}", "THE LOOKUP FAILED. {why}"),
    "dossier_code_line": ("Mã hồ sơ: {code}", "Dossier code: {code}"),
    "dossier_status": ("Tình trạng", "Status"),
    "dossier_due": ("Hẹn trả kết quả", "Result due"),
    "dossier_first_due": ("Hẹn ban đầu: {due}", "First date: {due}"),
    "dossier_applicant": ("Người nộp", "Applicant"),
    "dossier_received": ("Ngày nhận", "Received"),
    "dossier_now_at": ("Đang xử lý tại", "Now at"),
    "dossier_delivery": ("Nhận kết quả", "Collection"),
    "dossier_timeline": ("Quá trình giải quyết", "Timeline"),
    "dossier_overdue": ("QUÁ HẠN: hồ sơ đã quá ngày hẹn trả kết quả. Vui lòng hỏi cán bộ tại quầy để biết "
                        "ngày hẹn lại.",
                        "OVERDUE: the result is past its due date. Please ask at the counter for the new date."),
    "dossier_due_soon": ("Sắp đến hạn trả kết quả.", "The result is due soon."),
    "dossier_on_track": ("Trong hạn.", "On track."),
    "dossier_missing_docs": ("Cần bổ sung: {items}", "Still needed: {items}"),
    "dossier_new_date": ("Hẹn lại: {due}", "New date: {due}"),
    "dossier_calendar": ("Chưa có lịch nghỉ lễ chính thức năm {years}: ngày hẹn đã trừ ngày lễ, Tết nhưng "
                         "chưa biết ngày làm bù, nên có thể thay đổi.",
                         "No official {years} holiday calendar yet: the date skips the public holidays and "
                         "Tết, but swapped working days are not known, so it may change."),
    "dossier_another": ("Tra cứu hồ sơ khác", "Look up another"),
    "timing_early": ("Trước hạn", "Early"),
    "timing_on_time": ("Đúng hạn", "On time"),
    "timing_late": ("Quá hạn", "Late"),
    # rating
    "rating_title": ("Ông/Bà có hài lòng với sự phục vụ hôm nay?", "How satisfied are you with our service today?"),
    "very_satisfied": ("Rất hài lòng", "Very satisfied"),
    "satisfied": ("Hài lòng", "Satisfied"),
    "unsatisfied": ("Không hài lòng", "Not satisfied"),
    "reasons": ("Vì sao Ông/Bà chưa hài lòng? (chọn một hoặc nhiều)", "What went wrong? (choose any)"),
    "reasons_chosen": ("Đã chọn:", "Chosen:"),
    "comment": ("Góp ý thêm (không bắt buộc)", "Comments (optional)"),
    "send": ("Gửi đánh giá", "Send"),
    "sending": ("Đang gửi…", "Sending…"),
    "thanks": ("Cảm ơn Ông/Bà đã đánh giá!", "Thank you for your feedback!"),
    "rating_failed": ("Chưa gửi được đánh giá. {why}", "Your rating was not sent. {why}"),
    "chosen": ("Đã chọn: {level}", "Chosen: {level}"),
    "reason_long_wait": ("Chờ quá lâu", "Waited too long"),
    "reason_staff_attitude": ("Thái độ cán bộ chưa tốt", "Staff were not courteous"),
    "reason_unclear_guidance": ("Hướng dẫn chưa rõ ràng", "Guidance was unclear"),
    "reason_extra_documents": ("Yêu cầu thêm giấy tờ ngoài quy định", "Asked for extra documents"),
    "reason_late_result": ("Trả kết quả trễ hẹn", "Result was late"),
    "reason_facilities": ("Cơ sở vật chất chưa tốt", "Poor facilities"),
    "reason_other": ("Lý do khác", "Other"),
    # feedback and petitions (phản ánh, kiến nghị)
    "petition": ("Gửi phản ánh, kiến nghị", "Send feedback or a petition"),
    "petition_title": ("Phản ánh", "Feedback"),
    "petition_category": ("1. Nội dung liên quan đến", "1. It is about"),
    "petition_text": ("2. Nội dung phản ánh, kiến nghị", "2. What happened, what you ask"),
    "petition_text_hint": ("Chạm vào đây để viết (ít nhất 10 ký tự)", "Touch here to write (at least 10 characters)"),
    "petition_phone": ("3. Số điện thoại (chỉ khi muốn được trả lời)", "3. Phone (only if you want an answer)"),
    "petition_phone_hint": ("Không bắt buộc", "Optional"),
    "petition_send": ("Gửi phản ánh", "Send"),
    "petition_need_category": ("Hãy chọn nội dung liên quan (mục 1).", "Choose what it is about (1)."),
    "petition_need_text": ("Hãy viết nội dung, ít nhất 10 ký tự (mục 2).", "Write at least 10 characters (2)."),
    "petition_failed": ("Chưa gửi được phản ánh. {why}", "Not sent. {why}"),
    "petition_sent": ("Đã gửi phản ánh, kiến nghị", "Sent"),
    "petition_code": ("Mã tra cứu của Ông/Bà", "Your code"),
    "petition_code_hint": ("Hãy ghi lại mã này. Xem câu trả lời tại trang Phản ánh, kiến nghị (/feedback) trên "
                           "điện thoại, hoặc hỏi cán bộ tại quầy.",
                           "Write this code down. Read the answer on the Feedback page (/feedback) on a phone, "
                           "or ask at a counter."),
    "cat_procedure": ("Thủ tục hành chính", "Administrative procedures"),
    "cat_staff_attitude": ("Thái độ cán bộ", "Staff attitude"),
    "cat_facilities": ("Cơ sở vật chất", "Facilities"),
    "cat_waiting_time": ("Thời gian chờ", "Waiting time"),
    "cat_other": ("Khác", "Other"),
    # check-in of a number taken from a phone (and, later, of an appointment)
    "checkin": ("Tôi đã đặt lịch / đã lấy số từ xa", "I have an appointment / a remote number"),
    "checkin_title": ("Xác nhận có mặt", "Check in"),
    "checkin_hint": ("Nhập mã xác nhận (8 ký tự, bắt đầu bằng chữ R hoặc H) trên trang lấy số của Ông/Bà, "
                     "hoặc đưa mã QR trên điện thoại vào máy quét.",
                     "Type the check-in code (8 characters, starting with R or H) shown on your phone, or hold "
                     "its QR code to the scanner."),
    "checkin_code": ("Mã xác nhận", "Check-in code"),
    "checkin_button": ("Xác nhận có mặt", "Check in"),
    "checkin_checking": ("Đang xác nhận…", "Checking in…"),
    "checkin_missing": ("Hãy nhập đủ 8 ký tự của mã xác nhận.", "Type all 8 characters of the code."),
    "checkin_not_found": ("KHÔNG TÌM THẤY MÃ NÀY. Hãy kiểm tra lại từng ký tự, hoặc hỏi cán bộ tại quầy hướng dẫn.",
                          "THIS CODE IS NOT KNOWN. Check each character, or ask at the information desk."),
    "checkin_too_many": ("Đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau {minutes} phút hoặc hỏi cán bộ.",
                         "Too many wrong codes. Please try again in {minutes} min or ask a staff member."),
    "checkin_offline": ("Ki-ốt đang mất kết nối với máy chủ. Vui lòng thử lại sau ít phút hoặc hỏi cán bộ.",
                        "The kiosk cannot reach the server. Please try again shortly or ask a staff member."),
    "checkin_failed": ("Chưa xác nhận được. {why}", "Not checked in. {why}"),
    "checkin_done": ("Đã xác nhận có mặt", "You are checked in"),
    "checkin_again": ("Số này đã xác nhận có mặt trước đó.", "This number was already checked in."),
    "checkin_number": ("Số thứ tự của Ông/Bà", "Your number"),
    "checkin_ahead": ("Số người chờ trước Ông/Bà: {n}", "People ahead of you: {n}"),
    "checkin_wait": ("Xin mời ngồi chờ: số của Ông/Bà sẽ được gọi trên màn hình và loa.",
                     "Please take a seat: your number will be called on the screens and speakers."),
    "walk_in": ("Lấy số mới", "Take a new number"),
}

PRIORITIES = ("elderly", "disabled", "pregnant", "meritorious")
# the server's categories of petitions (queue_server/domain/petitions.py), in its order
PETITION_CATEGORIES = ("procedure", "staff_attitude", "facilities", "waiting_time", "other")
REASONS = ("long_wait", "staff_attitude", "unclear_guidance", "extra_documents", "late_result", "facilities", "other")
WEEKDAYS = (("Thứ Hai", "Monday"), ("Thứ Ba", "Tuesday"), ("Thứ Tư", "Wednesday"), ("Thứ Năm", "Thursday"),
            ("Thứ Sáu", "Friday"), ("Thứ Bảy", "Saturday"), ("Chủ nhật", "Sunday"))


def t(key: str, lang: str = "vi", **values: object) -> str:
    vi, en = TEXTS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def pick(text: dict[str, str] | None, lang: str) -> str:
    """A {"vi", "en"} text from the catalogue in the kiosk's language (English falls back)."""
    if not text:
        return ""
    return (text.get("en") or text.get("vi", "")) if lang == "en" else text.get("vi", "")


def wait_minutes(seconds: int | None) -> int | None:
    return None if seconds is None else max(0, math.ceil(seconds / 60))


def wait_text(seconds: int | None, lang: str = "vi") -> str:
    """"khoảng 15 phút", "khoảng 1 giờ 20 phút", "sắp đến lượt"; None: not known."""
    minutes = wait_minutes(seconds)
    if minutes is None:
        return "chưa xác định" if lang == "vi" else "not known yet"
    if minutes <= 1:
        return "sắp đến lượt" if lang == "vi" else "almost your turn"
    hours, rest = divmod(minutes, 60)
    if lang == "en":
        return f"about {hours} h {rest} min" if hours and rest else (f"about {hours} h" if hours else
                                                                      f"about {minutes} min")
    if hours and rest:
        return f"khoảng {hours} giờ {rest} phút"
    return f"khoảng {hours} giờ" if hours else f"khoảng {minutes} phút"


def date_text(now: datetime, lang: str = "vi") -> str:
    day = WEEKDAYS[now.weekday()][1 if lang == "en" else 0]
    return f"{day}, {now:%d/%m/%Y}"


def fee_text(amount_vnd: int, lang: str = "vi") -> str:
    if amount_vnd == 0:
        return t("free", lang)
    return f"{amount_vnd:,}".replace(",", ".") + " đồng"
