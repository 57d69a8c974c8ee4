"""Every text the kiosk shows, in Vietnamese and English, behind one lookup.

`tr(key, lang, **params)` is the only way a screen gets a text. A key missing from the table is a
programming error: `tr` logs it and returns a visible marker so tests catch it on any screen.
"""

from __future__ import annotations

import logging
from typing import Literal

log = logging.getLogger(__name__)

Lang = Literal["vi", "en"]
LANGUAGES: tuple[Lang, ...] = ("vi", "en")
MISSING_MARK = "⟦"

STRINGS: dict[str, tuple[str, str]] = {
    # attract and home
    "attract.touch": ("Chạm để bắt đầu", "Touch to start"),
    "attract.title": ("Dịch vụ công trực tuyến", "Online public services"),
    "attract.offer": (
        "Nộp hồ sơ thủ tục hành chính, tra cứu hồ sơ và tìm hiểu thủ tục — miễn phí, có hướng dẫn từng bước.",
        "Submit administrative dossiers, follow a dossier and learn about procedures — free, step by step.",
    ),
    "attract.hours": ("Giờ mở cửa: {hours}", "Opening hours: {hours}"),
    "attract.portal_qr": ("Quét mã để mở Cổng dịch vụ công trên điện thoại",
                          "Scan to open the public-service portal on your phone"),
    "home.title": ("Bạn muốn làm gì?", "What would you like to do?"),
    "home.do": ("Nộp hồ sơ", "Submit a dossier"),
    "home.do.help": ("Làm thủ tục hành chính trực tuyến", "Carry out a procedure online"),
    "home.lookup": ("Tra cứu hồ sơ", "Follow a dossier"),
    "home.lookup.help": ("Xem hồ sơ đã nộp đang ở bước nào", "See where a submitted dossier is"),
    "home.learn": ("Tìm hiểu thủ tục", "Learn about a procedure"),
    "home.learn.help": ("Xem giấy tờ cần mang, lệ phí, thời hạn", "Papers to bring, fees, processing time"),
    "home.feedback": ("Góp ý", "Feedback"),
    "home.feedback.help": ("Gửi ý kiến về thủ tục và dịch vụ", "Tell us about procedures and service"),
    # common buttons
    "nav.back": ("Quay lại", "Back"),
    "nav.next": ("Tiếp tục", "Next"),
    "nav.end": ("Kết thúc", "End"),
    "nav.home": ("Trang chủ", "Home"),
    "nav.language": ("English", "Tiếng Việt"),
    "nav.step": ("Bước {n}/{total}", "Step {n}/{total}"),
    # procedure list
    "list.title.do": ("Chọn thủ tục cần làm", "Choose a procedure"),
    "list.title.learn": ("Chọn thủ tục để tìm hiểu", "Choose a procedure to read about"),
    "list.search": ("Tìm theo tên hoặc mã thủ tục", "Search by name or code"),
    "list.popular": ("Thường dùng", "Popular"),
    "list.all": ("Tất cả", "All"),
    "list.empty": ("Không tìm thấy thủ tục phù hợp. Hãy thử từ khóa khác.",
                   "No procedure matches. Try other words."),
    "category.ho_tich": ("Hộ tịch", "Civil status"),
    "category.chung_thuc": ("Chứng thực", "Certification"),
    "category.cu_tru": ("Cư trú", "Residence"),
    "category.bao_tro_xa_hoi": ("Bảo trợ xã hội", "Social support"),
    "category.khac": ("Khác", "Other"),
    # overview
    "overview.what": ("Thủ tục này là gì", "What it is"),
    "overview.who": ("Ai được nộp", "Who may apply"),
    "overview.papers": ("Giấy tờ cần mang", "Papers to bring"),
    "overview.fee": ("Lệ phí", "Fee"),
    "overview.time": ("Thời hạn giải quyết", "Processing time"),
    "overview.level": ("Mức độ dịch vụ: {level}", "Service level: {level}"),
    "overview.start": ("Bắt đầu làm hồ sơ", "Start the dossier"),
    "overview.print_checklist": ("In danh sách giấy tờ", "Print the list of papers"),
    "overview.free": ("Miễn phí", "Free"),
    "overview.free_cases": ("Được miễn: {cases}", "Free for: {cases}"),
    "paper.original": ("bản chính", "original"),
    "paper.copy": ("bản sao", "copy"),
    "paper.certified_copy": ("bản sao có chứng thực", "certified copy"),
    "paper.original_to_show": ("bản chính để đối chiếu", "original, to be shown"),
    "paper.sets": ("{n} bộ", "{n} set(s)"),
    "paper.optional": ("(nếu có)", "(if any)"),
    "time.same_day": ("Trong ngày", "The same day"),
    "time.working_days": ("{n} ngày làm việc", "{n} working day(s)"),
    "time.working_hours": ("{n} giờ làm việc", "{n} working hour(s)"),
    "time.cutoff": ("Nhận sau {cutoff} thì tính từ ngày làm việc tiếp theo",
                    "Received after {cutoff}: counted from the next working day"),
    "money.vnd": ("{amount} đồng", "{amount} VND"),
    # consent
    "consent.title": ("Đồng ý xử lý dữ liệu cá nhân", "Consent to processing personal data"),
    "consent.body": (
        "Để nộp hồ sơ, máy cần ghi họ tên, số định danh, số điện thoại và địa chỉ của bạn. Dữ liệu chỉ dùng để "
        "giải quyết thủ tục này, được gửi tới cơ quan tiếp nhận, được mã hóa khi lưu trên máy và tự xóa khỏi máy "
        "sau khi cơ quan đã nhận hồ sơ (theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân).",
        "To submit a dossier the kiosk records your name, ID number, phone number and address. They are used only "
        "for this procedure, sent to the receiving authority, encrypted while kept on this machine and deleted "
        "from it once the authority has received the dossier (Decree 13/2023/ND-CP on personal data protection).",
    ),
    "consent.agree": ("Tôi đồng ý", "I agree"),
    "consent.decline": ("Không đồng ý", "I do not agree"),
    # form
    "form.scan_hint": ("Đưa mã QR trên Căn cước công dân vào máy quét để điền sẵn thông tin",
                       "Hold your ID card's QR code to the scanner to fill in your details"),
    "form.scan_ok": ("Đã đọc thông tin từ thẻ Căn cước. Hãy kiểm tra lại.",
                     "Your ID card was read. Please check the details."),
    "form.scan_bad": ("Không đọc được mã QR trên thẻ. Hãy quét lại hoặc tự nhập.",
                      "The card's QR could not be read. Scan again or type the details."),
    "form.required_mark": ("(bắt buộc)", "(required)"),
    "form.optional": ("(không bắt buộc)", "(optional)"),
    "form.fix_errors": ("Có thông tin chưa đúng. Hãy sửa các ô được đánh dấu.",
                        "Some answers need fixing. Please correct the marked fields."),
    "form.date_hint": ("ngày/tháng/năm, ví dụ 05/09/1960", "day/month/year, e.g. 05/09/1960"),
    "form.choose": ("— Chọn —", "— Choose —"),
    "form.yes": ("Có", "Yes"),
    "form.no": ("Không", "No"),
    # review
    "review.title": ("Kiểm tra lại thông tin", "Check your answers"),
    "review.edit": ("Sửa", "Change"),
    "review.submit": ("Nộp hồ sơ", "Submit the dossier"),
    "review.empty": ("(để trống)", "(left empty)"),
    "review.submitting": ("Đang lưu hồ sơ…", "Saving the dossier…"),
    "review.store_failed": (
        "Máy chưa lưu được hồ sơ lúc này. Thông tin của bạn vẫn còn trên màn hình; hãy thử lại hoặc báo cán bộ.",
        "The kiosk cannot store the dossier right now. Your answers are still here; try again or ask staff.",
    ),
    # receipt
    "receipt.title": ("Đã nộp hồ sơ", "Dossier submitted"),
    "receipt.reference": ("Mã hồ sơ: {reference}", "Dossier code: {reference}"),
    "receipt.keep": ("Hãy giữ phiếu này. Quét mã QR để theo dõi hồ sơ.",
                     "Keep this slip. Scan the QR code to follow the dossier."),
    "receipt.print": ("In phiếu", "Print the slip"),
    "receipt.printed": ("Đã in phiếu. Mời bạn lấy phiếu ở khay máy in.", "The slip is printed. Take it from the tray."),
    "receipt.printing": ("Đang in phiếu…", "Printing the slip…"),
    "receipt.print_failed": (
        "Máy in đang gặp sự cố. Hãy chụp ảnh mã QR trên màn hình; phiếu sẽ được in lại tại bàn cán bộ.",
        "The printer has a problem. Photograph the QR code on the screen; staff will reprint the slip.",
    ),
    "receipt.finish": ("Hoàn tất", "Finish"),
    "receipt.pay": ("Quét mã VietQR để nộp lệ phí {amount}", "Scan the VietQR code to pay the fee of {amount}"),
    # slip (printed)
    "slip.title": ("PHIẾU TIẾP NHẬN HỒ SƠ", "DOSSIER RECEIPT"),
    "slip.code": ("Mã hồ sơ", "Dossier code"),
    "slip.provisional": ("(mã tạm, sẽ có mã chính thức khi gửi xong)", "(provisional until sent to the portal)"),
    "slip.procedure": ("Thủ tục", "Procedure"),
    "slip.applicant": ("Người nộp", "Applicant"),
    "slip.id_number": ("Số định danh", "ID number"),
    "slip.phone": ("Điện thoại", "Phone"),
    "slip.submitted": ("Thời gian nộp", "Submitted"),
    "slip.due": ("Ngày hẹn trả kết quả", "Result due"),
    "slip.collect": ("Nơi nhận kết quả", "Collect the result at"),
    "slip.bring": ("Giấy tờ mang đến bộ phận Một cửa", "Papers to bring to the one-stop desk"),
    "slip.fee": ("Lệ phí", "Fee"),
    "slip.pay_how": ("Nộp tại bộ phận Một cửa hoặc quét VietQR", "Pay at the one-stop desk or scan VietQR"),
    "slip.lookup": ("Quét để tra cứu hồ sơ", "Scan to follow the dossier"),
    "slip.vietqr": ("Quét để nộp lệ phí", "Scan to pay the fee"),
    "slip.hotline": ("Đường dây nóng: {hotline}", "Hotline: {hotline}"),
    "slip.kiosk": ("Máy: {kiosk} — {site}", "Kiosk: {kiosk} — {site}"),
    "slip.keep": ("Vui lòng giữ phiếu này để nhận kết quả.", "Please keep this slip to collect the result."),
    "slip.provisional_short": ("(mã tạm)", "(provisional)"),
    "slip.papers_heading": ("Giấy tờ mang đến bộ phận Một cửa", "Papers to bring to the one-stop desk"),
    # rating, lookup, feedback
    "rating.title": ("Bạn hài lòng với máy ở mức nào?", "How satisfied are you with the kiosk?"),
    "rating.comment": ("Góp ý thêm (không bắt buộc)", "Any comment (optional)"),
    "rating.skip": ("Bỏ qua", "Skip"),
    "rating.stars": ("{n} trên 5 sao", "{n} out of 5 stars"),
    "lookup.title": ("Tra cứu hồ sơ", "Follow a dossier"),
    "lookup.code": ("Mã hồ sơ (trên phiếu, hoặc quét mã QR trên phiếu)", "Dossier code (on the slip, or scan its QR)"),
    "lookup.phone": ("4 số cuối điện thoại đã khai", "Last 4 digits of the phone you gave"),
    "lookup.search": ("Tra cứu", "Look up"),
    "lookup.not_found": ("Không tìm thấy hồ sơ với mã và số điện thoại này.",
                         "No dossier matches this code and phone number."),
    "lookup.bad_phone": ("Hãy nhập đúng 4 chữ số cuối của số điện thoại.", "Enter exactly the last 4 digits."),
    "lookup.searching": ("Đang tra cứu…", "Looking up…"),
    "lookup.offline": ("Chưa kết nối được Cổng dịch vụ công. Hãy thử lại sau ít phút.",
                       "The portal cannot be reached. Please try again in a few minutes."),
    "status.queued": ("Máy đã nhận, đang chờ gửi tới cơ quan", "Received by the kiosk, waiting to be sent"),
    "status.sending": ("Đang gửi tới cơ quan", "Being sent to the authority"),
    "status.accepted": ("Cơ quan đã tiếp nhận", "Received by the authority"),
    "status.rejected": ("Cơ quan chưa tiếp nhận, mời liên hệ bộ phận Một cửa",
                        "Not accepted; please ask at the one-stop desk"),
    "status.received": ("Đã tiếp nhận", "Received"),
    "status.processing": ("Đang giải quyết", "Being processed"),
    "status.needs_more_papers": ("Cần bổ sung giấy tờ", "More papers needed"),
    "status.done": ("Đã có kết quả", "Result ready"),
    "status.returned": ("Đã trả kết quả", "Result handed over"),
    "feedback.title": ("Góp ý", "Feedback"),
    "feedback.prompt": ("Bạn muốn góp ý điều gì về thủ tục hoặc dịch vụ?",
                        "What would you like to tell us about procedures or service?"),
    "feedback.send": ("Gửi góp ý", "Send"),
    "feedback.thanks": ("Cảm ơn bạn đã góp ý!", "Thank you for your feedback!"),
    "feedback.empty": ("Hãy viết nội dung góp ý.", "Please write your feedback."),
    # idle
    "idle.question": ("Bạn vẫn đang sử dụng?", "Are you still there?"),
    "idle.countdown": ("Máy sẽ xóa thông tin và trở về màn hình đầu sau {seconds} giây.",
                       "The kiosk will clear your answers and restart in {seconds} seconds."),
    "idle.continue": ("Tiếp tục", "Continue"),
    # errors
    "error.sorry": ("Xin lỗi, máy vừa gặp sự cố và phải bắt đầu lại.", "Sorry, something went wrong. Starting over."),
    # validation messages
    "v.required": ("Vui lòng điền thông tin này.", "Please fill this in."),
    "v.too_long": ("Quá dài: tối đa {max} ký tự.", "Too long: at most {max} characters."),
    "v.too_short": ("Quá ngắn: cần ít nhất {min} ký tự.", "Too short: at least {min} characters."),
    "v.bad_chars": ("Có ký tự không hợp lệ. Chỉ dùng chữ, số và dấu câu thông thường.",
                    "Contains characters that are not allowed. Use letters, digits and common punctuation."),
    "v.name": ("Họ tên chỉ gồm chữ cái tiếng Việt và dấu cách, ví dụ: Nguyễn Văn An.",
               "A name has only Vietnamese letters and spaces, e.g. Nguyễn Văn An."),
    "v.date_format": ("Ngày chưa đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 05/09/1960.",
                      "Not a valid date. Write day/month/year, e.g. 05/09/1960."),
    "v.date_future": ("Ngày này ở tương lai. Hãy kiểm tra lại.", "This date is in the future. Please check it."),
    "v.date_too_old": ("Ngày này quá xa (hơn {years} năm trước). Hãy kiểm tra lại.",
                       "This date is too long ago (over {years} years). Please check it."),
    "v.date_too_recent": ("Người này cần đủ {years} tuổi.", "This person must be at least {years} years old."),
    "v.phone": ("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
                "A mobile number has 10 digits and starts with 03, 05, 07, 08 or 09."),
    "v.email": ("Địa chỉ thư điện tử chưa đúng, ví dụ: ten@gmail.com.", "Not a valid email, e.g. name@gmail.com."),
    "v.id_length": ("Số định danh cá nhân gồm đúng 12 chữ số.", "A personal ID number has exactly 12 digits."),
    "v.id_province": ("3 chữ số đầu của số định danh không phải mã tỉnh, thành phố hợp lệ.",
                      "The first 3 digits of the ID number are not a valid province code."),
    "v.id_century": ("Chữ số thứ 4 của số định danh (giới tính, thế kỷ sinh) không hợp lệ.",
                     "The 4th digit of the ID number (gender and century of birth) is not valid."),
    "v.id_mismatch_year": ("Số định danh không khớp với năm sinh đã nhập.",
                           "The ID number does not match the year of birth given."),
    "v.id_mismatch_gender": ("Số định danh không khớp với giới tính đã chọn.",
                             "The ID number does not match the gender given."),
    "v.number": ("Hãy nhập một số.", "Please enter a number."),
    "v.number_min": ("Số nhỏ nhất là {min}.", "The smallest allowed is {min}."),
    "v.number_max": ("Số lớn nhất là {max}.", "The largest allowed is {max}."),
    "v.choice": ("Hãy chọn một trong các lựa chọn.", "Please choose one of the options."),
    "v.pattern": ("Thông tin chưa đúng định dạng.", "This is not in the expected format."),
    "v.must_check": ("Cần đánh dấu ô này để tiếp tục.", "Please tick this box to continue."),
}


def tr(key: str, lang: str = "vi", **params: object) -> str:
    """The text for `key` in `lang`, with `{name}` parameters filled in."""
    pair = STRINGS.get(key)
    if pair is None:
        log.error("missing translation key %r", key)
        return f"{MISSING_MARK}{key}⟧"
    text = pair[1] if lang == "en" else pair[0]
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.error("bad parameters for translation key %r", key)
            return f"{MISSING_MARK}{key}⟧"
    return text


def format_vnd(amount: int) -> str:
    """Vietnamese thousands separator: 200000 → 200.000."""
    return f"{amount:,}".replace(",", ".")
