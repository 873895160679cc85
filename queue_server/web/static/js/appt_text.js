// Words of the citizen's appointment pages (/appointments and /appointments/b/{id}), Vietnamese
// first, English on the switch (remembered with the live position page's choice). Elements
// with data-t="key" take TEXT[lang][key]; the HTML itself is Vietnamese, readable before
// any script runs.

const params = new URLSearchParams(location.search);

function stored(name) {
  try { return localStorage.getItem(name); } catch { return null; }
}

function store(name, value) {
  try { localStorage.setItem(name, value); } catch { /* private mode: the choice lasts as long as the page */ }
}

export const TEXT = {
  vi: {
    other: "English",
    title: "Đặt lịch hẹn",
    intro: "Chọn thủ tục, ngày và giờ; đến đúng giờ và xác nhận có mặt tại ki-ốt bằng mã lịch hẹn.",
    what: "1. Thủ tục hoặc lĩnh vực",
    what_pick: "— Chọn thủ tục —",
    procedures: "Thủ tục",
    services: "Lĩnh vực",
    day: "2. Ngày",
    time: "3. Giờ",
    contact: "4. Thông tin liên hệ",
    name: "Họ và tên",
    phone: "Số điện thoại di động",
    privacy: "Chỉ cán bộ một cửa được xem; xoá sau thời hạn lưu.",
    book: "Đặt lịch",
    free: "còn {n} chỗ",
    full: "hết chỗ",
    past: "đã qua",
    no_slot: "Ngày này không còn khung giờ.",
    off: "nghỉ",
    booked_title: "Đã đặt lịch hẹn",
    your_code: "Mã lịch hẹn của Ông/Bà",
    keep: "Hãy chụp màn hình hoặc lưu mã này. Khi đến, quét mã QR hoặc nhập mã tại ki-ốt để lấy số.",
    open_page: "Mở trang lịch hẹn",
    another: "Đặt lịch khác",
    lookup: "Đã đặt lịch? Tra cứu bằng mã",
    lookup_go: "Tra cứu",
    none: "Hiện chưa có thủ tục nào nhận đặt lịch hẹn.",
    pick_all: "Hãy chọn thủ tục, ngày và giờ.",
    pick_all_en: "Choose a procedure, a day and a time.",
    when: "Thời gian",
    service: "Lĩnh vực",
    procedure: "Thủ tục",
    state: "Trạng thái",
    check_in: "Xác nhận có mặt tại ki-ốt",
    check_in_from: "từ {a} đến {b}",
    cancel: "Huỷ lịch hẹn",
    cancel_sure: "Huỷ lịch hẹn này? Chỗ sẽ được nhường cho người khác.",
    cancelled_note: "Lịch hẹn đã huỷ. Ông/Bà có thể đặt lịch khác.",
    book_again: "Đặt lịch khác",
    scan: "Quét mã này tại ki-ốt",
    booking_title: "Lịch hẹn của Ông/Bà",
    weekdays: ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
  },
  en: {
    other: "Tiếng Việt",
    title: "Book an appointment",
    intro: "Choose a procedure, a day and a time; come on time and check in at the kiosk with your booking code.",
    what: "1. Procedure or field",
    what_pick: "— Choose a procedure —",
    procedures: "Procedures",
    services: "Fields",
    day: "2. Day",
    time: "3. Time",
    contact: "4. Contact",
    name: "Full name",
    phone: "Mobile number",
    privacy: "Seen only by the hall's staff; erased after the retention period.",
    book: "Book",
    free: "{n} left",
    full: "full",
    past: "passed",
    no_slot: "No time left on this day.",
    off: "closed",
    booked_title: "Appointment booked",
    your_code: "Your booking code",
    keep: "Take a screenshot or keep this code. When you arrive, scan the QR or type the code at the kiosk.",
    open_page: "Open the booking page",
    another: "Book another",
    lookup: "Already booked? Look it up by code",
    lookup_go: "Look up",
    none: "No procedure takes appointments yet.",
    pick_all: "Choose a procedure, a day and a time.",
    pick_all_en: "",
    when: "When",
    service: "Field",
    procedure: "Procedure",
    state: "State",
    check_in: "Check in at the kiosk",
    check_in_from: "from {a} to {b}",
    cancel: "Cancel the appointment",
    cancel_sure: "Cancel this appointment? The place goes to someone else.",
    cancelled_note: "The appointment is cancelled. You can book another.",
    book_again: "Book another",
    scan: "Scan this at the kiosk",
    booking_title: "Your appointment",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
  },
};

export const lang = {
  value: ["vi", "en"].includes(params.get("lang")) ? params.get("lang")
    : (stored("motcua.phone.lang") === "en" ? "en" : "vi"),
};

export function t(key, values = {}) {
  let text = TEXT[lang.value][key] ?? TEXT.vi[key] ?? key;
  if (typeof text !== "string") return text;
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

export function applyText(onChange) {
  document.documentElement.lang = lang.value;
  document.body.dataset.lang = lang.value;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  const button = document.querySelector("#lang");
  if (button) {
    button.textContent = t("other");
    button.lang = lang.value === "vi" ? "en" : "vi";
  }
  if (onChange) onChange();
}

export function langSwitch(onChange) {
  document.querySelector("#lang").addEventListener("click", () => {
    lang.value = lang.value === "vi" ? "en" : "vi";
    store("motcua.phone.lang", lang.value);
    applyText(onChange);
  });
  applyText(onChange);
}

// "Thứ Hai 02/03/2026" style words for a YYYY-MM-DD day
export function dayText(iso, { long = false } = {}) {
  const [y, m, d] = iso.split("-").map(Number);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  const names = long ? (lang.value === "en"
    ? ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    : ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]) : t("weekdays");
  const dd = String(d).padStart(2, "0");
  const mm = String(m).padStart(2, "0");
  return long ? `${names[weekday]} ${dd}/${mm}/${y}` : `${names[weekday]} ${dd}/${mm}`;
}

// The message box: Vietnamese first, English second (from a problem answer or given)
export function showError(vi, en) {
  const box = document.querySelector("#error");
  box.hidden = !vi;
  document.querySelector("#error-vi").textContent = vi || "";
  document.querySelector("#error-en").textContent = en || "";
  if (vi) box.scrollIntoView({ block: "nearest" });
}
