// Text messages on the phone page (shown only when the hall has an SMS gateway): the citizen
// leaves a mobile number and is messaged when called, and when as many people as chosen in
// "Báo trước khi còn" are ahead. PUT /api/v1/tickets/{id}/messages with the page's key; the
// server answers with the number masked. The number is kept only for this ticket and erased
// after the hall's retention period.

const TEXT = {
  vi: {
    label: "Nhắn tin cho Ông/Bà khi đến lượt (và khi còn số người đã chọn ở trên)",
    save: "Nhận tin",
    stop: "Thôi nhận tin",
    saved: "Sẽ nhắn tin đến {phone}.",
    saved_ahead: "Sẽ nhắn tin đến {phone} khi còn {n} người trước Ông/Bà và khi đến lượt.",
    stopped: "Đã thôi nhắn tin cho số này.",
    failed: "Chưa lưu được, xin thử lại.",
  },
  en: {
    label: "Text me when it is my turn (and when the number of people chosen above are ahead)",
    save: "Text me",
    stop: "Stop texts",
    saved: "Texts will go to {phone}.",
    saved_ahead: "Texts will go to {phone} when {n} are ahead of you and when it is your turn.",
    stopped: "No more texts for this number.",
    failed: "Not saved yet, please try again.",
  },
};

const initial = JSON.parse(document.getElementById("initial").textContent);
const form = document.getElementById("sms");
const input = document.getElementById("sms-phone");
const note = document.getElementById("sms-state");
const button = document.getElementById("sms-save");
const key = new URLSearchParams(location.search).get("k") || "";
const id = location.pathname.split("/").pop();
const ahead = document.getElementById("alert-n");
let active = false;
let last = null;  // [text name, values] of the last answer, redrawn in the other language

const lang = () => (document.documentElement.lang === "en" ? "en" : "vi");
const t = (name, values = {}) => TEXT[lang()][name].replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));

function draw() {
  document.getElementById("t-sms").textContent = t("label");
  button.textContent = active ? t("stop") : t("save");
  note.textContent = last ? (last[0] === "error" ? last[1] : t(last[0], last[1])) : "";
}

async function save(phone) {
  const n = ahead && ahead.value ? parseInt(ahead.value, 10) : null;
  const answer = await fetch(`/api/v1/tickets/${id}/messages`, {
    method: "PUT", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ k: key, phone, ahead: n }),
  });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    // the server names what is wrong, Vietnamese then English
    last = ["error", (lang() === "en" ? body.detail_en : body.detail) || t("failed")];
    input.setAttribute("aria-invalid", "true");
    return draw();
  }
  input.removeAttribute("aria-invalid");
  active = body.messages;
  last = !active ? ["stopped", {}] : body.ahead != null ? ["saved_ahead", { phone: body.phone, n: body.ahead }]
    : ["saved", { phone: body.phone }];
  if (!active) input.value = "";
  draw();
}

if (initial.messages && ["waiting", "called", "serving"].includes(initial.ticket.state)) {
  form.hidden = false;
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    save(active ? "" : input.value).catch(() => { last = ["failed", {}]; draw(); });
  });
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  draw();
}
