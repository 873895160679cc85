// The rate page (kept out of the HTML: the Content-Security-Policy allows no inline script).
"use strict";
// Counter tablet: rates the ticket served at this counter. The citizen usually taps after the
// clerk has finished (the counter may already be calling the next number), so the tablet
// remembers the last ticket it saw being served and rates that one.
const { el, $, api, problemText, qs } = window.Motcua;
const counter = parseInt(qs("counter") || "0", 10);
const FALLBACK_REASONS = [
  { code: "long_wait", vi: "Chờ quá lâu", en: "Waited too long" },
  { code: "staff_attitude", vi: "Thái độ cán bộ chưa tốt", en: "Staff were not courteous" },
  { code: "unclear_guidance", vi: "Hướng dẫn chưa rõ ràng", en: "Guidance was unclear" },
  { code: "extra_documents", vi: "Yêu cầu thêm giấy tờ không có trong quy định", en: "Asked for documents not required" },
  { code: "late_result", vi: "Trả kết quả trễ hẹn", en: "Result was late" },
  { code: "facilities", vi: "Cơ sở vật chất chưa tốt", en: "Poor facilities" },
  { code: "other", vi: "Lý do khác", en: "Other" },
];
let served = null;   // {ticket_id, code, seen}: the last ticket seen being served here
let rated = new Set();

async function poll() {
  try {
    const snap = await api(`/api/v1/display/snapshot?counters=${counter}&calls=0`);
    const c = snap.counters.find((x) => x.number === counter);
    const cur = c && c.current;
    if (cur && cur.state === "serving") served = { ticket_id: cur.ticket_id, code: cur.code, seen: Date.now() };
    const target = ratingTarget();
    $("#counter-line").textContent = `Quầy ${counter}` + (target ? ` — số ${target.code}` : "");
  } catch (err) { /* keep the faces usable; the rating then names the counter only */ }
}

function ratingTarget() {
  if (!served || rated.has(served.ticket_id)) return null;
  return Date.now() - served.seen < 10 * 60 * 1000 ? served : null;
}

function view(name) { for (const id of ["ask", "why", "thanks"]) $("#" + id).classList.toggle("hidden", id !== name); }

async function send(level, reasons) {
  const target = ratingTarget();
  const body = { level, reasons, counter_number: counter || null, ticket_id: target ? target.ticket_id : null, comment: "" };
  $("#rate-error").textContent = "";
  try {
    await api("/api/v1/ratings", { method: "POST", body });
  } catch (err) {
    if (err.status !== 409) { $("#rate-error").textContent = problemText(err); return; }
  }
  if (target) rated.add(target.ticket_id);
  view("thanks");
  setTimeout(() => { view("ask"); poll(); }, 4000);
}

async function start() {
  await window.Motcua.requireLogin($("#login"));
  $("#app").classList.remove("hidden");
  let reasons = FALLBACK_REASONS;
  try { reasons = (await api("/api/v1/ratings/options")).reasons; } catch (err) { /* fallback list */ }
  const box = $("#reasons");
  for (const r of reasons) box.append(el("label", {}, el("input", { type: "checkbox", value: r.code }), r.vi, " ",
    el("span", { class: "en", text: r.en })));
  document.querySelectorAll(".face").forEach((b) => b.addEventListener("click", () => {
    const level = b.dataset.level;
    if (level === "unsatisfied") { box.querySelectorAll("input").forEach((i) => { i.checked = false; }); view("why"); }
    else send(level, []);
  }));
  $("#send-reasons").addEventListener("click", () =>
    send("unsatisfied", [...box.querySelectorAll("input:checked")].map((i) => i.value)));
  $("#cancel-reasons").addEventListener("click", () => view("ask"));
  poll();
  setInterval(poll, 3000);
}
start();
