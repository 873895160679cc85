// The supervisor page (kept out of the HTML: the Content-Security-Policy allows no inline script).
"use strict";
const { el, $, api, problemText } = window.Motcua;

function table(rows, cols) {
  if (!rows.length) return el("p", { class: "en", text: "Không có / none" });
  return el("table", { class: "list" }, el("tr", {}, cols.map((c) => el("th", { text: c[0] }))),
    rows.map((r) => el("tr", {}, cols.map((c) => el("td", {}, c[1](r))))));
}
const link = (r) => el("a", { href: "#", onclick: (e) => { e.preventDefault(); openDossier(r.code); }, text: r.code });
const dossierCols = [["Mã hồ sơ", link], ["Thủ tục", (r) => r.procedure_name_vi], ["Người nộp", (r) => r.applicant],
  ["Đang ở", (r) => r.current_agency], ["Hẹn trả", (r) => r.due_at_local + (r.apologised ? ` → ${r.appointment_at_local}` : "") +
    (r.calendar_missing_years && r.calendar_missing_years.length ? ` (chưa biết ngày làm bù năm ${r.calendar_missing_years.join(", ")} / swapped working days unknown)` : "")],
  ["Trạng thái", (r) => el("span", { class: "badge " + (r.due_state || ""), text: r.state_vi })]];
const groupCols = [["", (r) => r.name], ["Sắp đến hạn", (r) => r.due], ["Quá hạn", (r) => r.late], ["Trả quá hạn", (r) => r.returned_late]];

// Dates are typed and shown as dd/mm/yyyy whatever the browser's language (a date input
// would follow the browser's locale: 12/02/2026 reads as February to some and December to
// others); the API takes ISO dates.
const dmy = (d) => `${String(d.getDate()).padStart(2, "0")}/${String(d.getMonth() + 1).padStart(2, "0")}/${d.getFullYear()}`;
function isoOf(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  return m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : text.trim();
}

async function load() {
  const q = `from=${isoOf($("#from").value)}&to=${isoOf($("#to").value)}`;
  for (const f of ["csv", "xlsx", "pdf"]) $("#lb-" + f).href = `/api/v1/dossier-reports/logbook.${f}?${q}`;
  const s = await api(`/api/v1/dossier-reports/supervision?${q}`);
  $("#n-late").textContent = s.late.length; $("#n-due").textContent = s.due.length;
  $("#n-rl").textContent = s.returned_late.length; $("#n-ret").textContent = s.returned_total;
  for (const k of ["late", "due"]) $("#" + k).replaceChildren(table(s[k], dossierCols));
  $("#returned_late").replaceChildren(table(s.returned_late, [...dossierCols.slice(0, 3), ["Hẹn trả", (r) => r.due_at_local],
    ["Có kết quả", (r) => r.result_ready_at_local || ""], ["Đã trả", (r) => r.returned_at_local]]));
  $("#by_procedure").replaceChildren(table(s.by_procedure, groupCols));
  $("#by_agency").replaceChildren(table(s.by_agency, groupCols));
  $("#warnings").replaceChildren(...s.warnings.map((w) => el("div", { class: "notice warn",
    text: w.message_en ? `${w.message_vi} / ${w.message_en}` : w.message_vi })));
  loadAgencies();
  const r = await api(`/api/v1/dossier-reports/ratings?${q}`);
  const rc = [["", (x) => x.key], ["Rất hài lòng", (x) => x.very_satisfied], ["Hài lòng", (x) => x.satisfied],
    ["Không hài lòng", (x) => x.unsatisfied], ["Tổng", (x) => x.total], ["% hài lòng", (x) => x.satisfied_percent ?? ""]];
  $("#ratings").replaceChildren(el("p", { text: `Tổng ${r.overall.total} lượt, hài lòng ${r.overall.satisfied_percent ?? "–"}%` }),
    ...[["by_counter", "Theo quầy"], ["by_clerk", "Theo cán bộ"], ["by_service", "Theo dịch vụ"], ["by_day", "Theo ngày"]]
      .map(([k, t]) => el("div", {}, el("h3", { text: t }), table(r[k], rc))));
}

// The head of the one-stop unit's view of every processing agency: what each holds now (to sign
// for, in processing, late) and how its finished steps went (on time, late).
const agencyCols = [["Cơ quan", (r) => r.name_vi], ["Chờ ký nhận", (r) => r.pending], ["Đang xử lý", (r) => r.held],
  ["Quá hạn", (r) => (r.late ? el("span", { class: "badge late", text: String(r.late) }) : "0")],
  ["Xong đúng hạn", (r) => r.done_on_time], ["Xong trễ hạn", (r) => (r.done_late ? el("span", { class: "badge late", text: String(r.done_late) }) : "0")]];

async function loadAgencies() {
  const box = $("#agency-load");
  box.setAttribute("aria-busy", "true");
  try {
    const r = await api("/api/v1/agencies/load");
    box.replaceChildren(table(r.agencies || [], agencyCols));
    box.querySelectorAll("tr").forEach((tr, i) => { if (i && r.agencies[i - 1]) tr.dataset.agency = String(r.agencies[i - 1].agency_id); });
  } catch (err) {
    box.replaceChildren(el("p", { class: err.status === 404 ? "en" : "error",
      text: err.status === 404 ? "Chưa cấu hình cơ quan xử lý / no processing agencies" : problemText(err) }));
  } finally { box.removeAttribute("aria-busy"); }
}

// the dossier's detail, hand-offs and actions: desk.js (shared with the reception page)
function openDossier(code) {
  return window.Motcua.openDossier($("#detail"), code, { onChange: () => load().catch(() => {}) });
}

async function start() {
  await window.Motcua.requireLogin($("#login"));
  $("#app").classList.remove("hidden");
  const today = new Date();
  $("#to").value = dmy(today); $("#from").value = dmy(new Date(today.getFullYear(), today.getMonth(), 1, 12));
  $("#range").addEventListener("submit", (e) => { e.preventDefault(); load().catch((err) => alert(problemText(err))); });
  $("#open-form").addEventListener("submit", (e) => { e.preventDefault(); openDossier($("#open-code").value.trim()); });
  load().catch((err) => $("#warnings").replaceChildren(el("p", { class: "error", text: problemText(err) })));
}
start();
