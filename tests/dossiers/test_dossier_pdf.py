"""The forms as PDF, read back: every field of the receipt (Mẫu 01) on both copies with
Vietnamese intact, the QR that opens the lookup, an embedded font; the apology (Mẫu 04),
request to supplement (Mẫu 02), refusal (Mẫu 03) and control slip (Mẫu 05)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from queue_server.domain.dossiers import format_lookup_code
from queue_server.services.dossiers import documents as dossier_documents
from queue_server.services.dossiers import reception as dossiers
from tests.dossiers.helpers import at_local, payload, pdf_png, pdf_text

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

LONG_NAME = "Tôn Nữ Thị Ngọc Hường"
ADDRESS = "Số 7 kiệt 25 đường Nguyễn Huệ, phường Thuận Hóa, thành phố Huế"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


@pytest.fixture
def received(ctx, hall, clock):
    at_local(clock, "2026-03-02 08:30")
    body = payload(applicant={"name": LONG_NAME, "address": ADDRESS, "id_number": "046301009876",
                              "phone": "0234 3822 555", "email": "huong.ton@vi-du.vn"},
                   documents=[{"name": "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "originals": 1},
                              {"name": "Hợp đồng thuê nhà có công chứng", "certified_copies": 1},
                              {"name": "Giấy xác nhận của chủ hộ đồng ý cho nhập khẩu", "originals": 1,
                               "photocopies": 2},
                              {"name": "Giấy tờ không nộp", "originals": 1, "received": False}],
                   sets=2, result_delivery="post", delivery_address="Số 9 Lê Lợi, phường Thuận Hóa, Huế")
    return dossiers.receive_dossier(ctx, hall.clerk, body)


def test_receipt_has_every_field_on_both_copies(ctx, hall, received) -> None:
    name, pdf = dossier_documents.receipt_pdf(ctx, hall.clerk, received["id"])
    assert name == f"giay-tiep-nhan-{received['code']}.pdf"
    pages = [_flat(t) for t in pdf_text(pdf)]
    assert len(pages) == 2
    expected = [
        "UBND PHƯỜNG 1", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "Phường 1, ngày 02 tháng 3 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"Mã hồ sơ: {received['code']}",
        f"Tiếp nhận hồ sơ của: {LONG_NAME}", "Số CCCD: 046301009876", f"Địa chỉ: {ADDRESS}",
        "Số điện thoại: 02343822555", "Email: huong.ton@vi-du.vn",
        "Nội dung yêu cầu giải quyết: Đăng ký thường trú (mã thủ tục 1.004222)",
        "1. Thành phần hồ sơ nộp gồm:", "Tờ khai thay đổi thông tin cư trú (mẫu CT01)",
        "Hợp đồng thuê nhà có công chứng", "Giấy xác nhận của chủ hộ đồng ý cho nhập khẩu",
        "Bản chính", "Bản chụp",
        "2. Số lượng hồ sơ: 02 (bộ)", "3. Thời gian giải quyết hồ sơ theo quy định là: 7 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 02/03/2026",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, Thứ Tư, ngày 11/03/2026",
        "6. Đăng ký nhận kết quả tại: Qua dịch vụ bưu chính (địa chỉ: Số 9 Lê Lợi, phường Thuận Hóa, Huế)",
        "Phí, lệ phí: 40.000 đồng", "Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 1",
        f"Mã tra cứu: {format_lookup_code(received['lookup_code'])}", "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký và ghi rõ họ tên)",
    ]
    for page in pages:
        missing = [e for e in expected if e not in page]
        assert not missing, missing
        assert "Giấy tờ không nộp" not in page  # unticked documents are not receipted
        assert page.count(LONG_NAME) == 2  # applicant line and signature
    assert "Liên 1: Lưu tại Bộ phận tiếp nhận và trả kết quả" in pages[0]
    assert "Liên 2: Giao cho người nộp hồ sơ" in pages[1]
    assert b"/FontFile2" in pdf  # the font is embedded: prints the same anywhere


def test_receipt_qr_opens_the_lookup(ctx, hall, received) -> None:
    import zxingcpp

    _, pdf = dossier_documents.receipt_pdf(ctx, hall.clerk, received["id"])
    for image in pdf_png(pdf, scale=3):
        texts = {r.text for r in zxingcpp.read_barcodes(image)}
        url = f"http://127.0.0.1:8000/dossiers/lookup?code={received['code']}&key={received['lookup_code']}"
        assert url in texts
        assert received["code"] in texts  # the Code 128 barcode of the dossier code


def test_apology_letter_states_old_and_new_date_and_reason(ctx, hall, clock, received) -> None:
    at_local(clock, "2026-03-11 16:00")
    dossiers.issue_apology(ctx, hall.supervisor, received["id"], reason="Phải xác minh nơi cư trú với Công an tỉnh.",
                           new_appointment="2026-03-16 10:00")
    name, pdf = dossier_documents.letter_pdf(ctx, hall.supervisor, received["id"], "apology")
    text = _flat(" ".join(pdf_text(pdf)))
    for expected in ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", f"Kính gửi: {LONG_NAME}", "Ngày 02/03/2026",
                     "Đăng ký thường trú", f"Mã hồ sơ: {received['code']}",
                     "17 giờ 00 phút, Thứ Tư, ngày 11/03/2026", "Lý do: Phải xác minh nơi cư trú với Công an tỉnh.",
                     "10 giờ 00 phút, Thứ Hai, ngày 16/03/2026", "Phường 1, ngày 11 tháng 3 năm 2026"):
        assert expected in text, expected
    assert name.startswith("phieu-xin-loi-")


def test_supplement_and_refusal_letters(ctx, hall, clock, received) -> None:
    at_local(clock, "2026-03-03 09:00")
    dossiers.request_supplement(ctx, hall.clerk, received["id"], missing=["Sổ hộ khẩu gia đình (bản sao)",
                                                                           "Ảnh chụp căn cước của chủ hộ"],
                                reason="Chưa chứng minh được quan hệ với chủ hộ.", contact="Lê Văn Tư – 0243 123 4567")
    _, pdf = dossier_documents.letter_pdf(ctx, hall.clerk, received["id"], "supplement_requested")
    text = _flat(" ".join(pdf_text(pdf)))
    for expected in ("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "1. Sổ hộ khẩu gia đình (bản sao)",
                     "2. Ảnh chụp căn cước của chủ hộ", "Lý do: Chưa chứng minh được quan hệ với chủ hộ.",
                     "Lê Văn Tư – 0243 123 4567"):
        assert expected in text, expected
    dossiers.refuse(ctx, hall.clerk, received["id"], reason="Người yêu cầu không bổ sung hồ sơ.")
    _, pdf = dossier_documents.letter_pdf(ctx, hall.clerk, received["id"], "refused")
    text = _flat(" ".join(pdf_text(pdf)))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text
    assert "Người yêu cầu không bổ sung hồ sơ." in text


def test_control_slip_lists_each_hand_off(ctx, hall, clock, received) -> None:
    at_local(clock, "2026-03-02 10:15")
    dossiers.hand_off(ctx, hall.clerk, received["id"], to_agency="Công an phường", received_by="Trần Văn Bảy")
    _, pdf = dossier_documents.control_slip_pdf(ctx, hall.clerk, received["id"])
    text = _flat(" ".join(pdf_text(pdf)))
    for expected in ("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", f"Kèm theo hồ sơ của: {LONG_NAME}",
                     "Giao: Bộ phận tiếp nhận và trả kết quả", "Nhận: Công an phường", "10 giờ 15 phút, ngày 02/03/2026",
                     "Người nhận: Trần Văn Bảy", "Trước hạn"):
        assert expected in text, expected


def test_thermal_slip_in_vietnamese(ctx, hall, received) -> None:
    from hardware.printer import layout_slip

    slip = dossier_documents.receipt_slip(ctx, hall.clerk, received["id"])
    rendering = layout_slip(slip, profile=None, width_mm=80)
    text = _flat(" ".join(line.text for line in rendering.lines))
    for expected in (received["code"], f"Mã tra cứu: {format_lookup_code(received['lookup_code'])}", f"Người nộp: {LONG_NAME}",
                     "Thủ tục: Đăng ký thường trú", "Hẹn trả: 17 giờ 00 phút, Thứ Tư, ngày 11/03/2026"):
        assert expected in text, expected
    assert any(line.kind in ("qr", "qr-image") for line in rendering.lines)
    assert not any("?" in line.text for line in rendering.lines if line.kind == "text" and "http" not in line.text)
