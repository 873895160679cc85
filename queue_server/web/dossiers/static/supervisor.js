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
  const r = await api(`/api/v1/dossier-reports/ratings?${q}`);
  const rc = [["", (x) => x.key], ["Rất hài lòng", (x) => x.very_satisfied], ["Hài lòng", (x) => x.satisfied],
    ["Không hài lòng", (x) => x.unsatisfied], ["Tổng", (x) => x.total], ["% hài lòng", (x) => x.satisfied_percent ?? ""]];
  $("#ratings").replaceChildren(el("p", { text: `Tổng ${r.overall.total} lượt, hài lòng ${r.overall.satisfied_percent ?? "–"}%` }),
    ...[["by_counter", "Theo quầy"], ["by_clerk", "Theo cán bộ"], ["by_service", "Theo dịch vụ"], ["by_day", "Theo ngày"]]
      .map(([k, t]) => el("div", {}, el("h3", { text: t }), table(r[k], rc))));
}

const ACTIONS = [
  ["hand-off", "Chuyển hồ sơ", [["to_agency", "Chuyển đến cơ quan, bộ phận"], ["received_by", "Người nhận"], ["note", "Ghi chú"]]],
  ["supplement-request", "Yêu cầu bổ sung (Mẫu 02)", [["missing", "Giấy tờ cần bổ sung (mỗi dòng một mục)", true], ["reason", "Lý do"], ["contact", "Cán bộ hướng dẫn"]]],
  ["supplemented", "Đã bổ sung đủ", [["note", "Ghi chú"]]],
  ["refuse", "Từ chối (Mẫu 03)", [["reason", "Lý do từ chối"]]],
  ["result-ready", "Đã có kết quả", [["note", "Ghi chú"]]],
  ["return", "Trả kết quả", [["collected_by", "Người nhận kết quả"], ["note", "Ghi chú"]]],
  ["apology", "Xin lỗi, hẹn lại (Mẫu 04)", [["reason", "Lý do chậm"], ["new_appointment", "Ngày hẹn mới (YYYY-MM-DD HH:MM)"]]],
];

async function openDossier(code) {
  const box = $("#detail");
  try {
    const d = await api(`/api/v1/dossiers/${encodeURIComponent(code)}`);
    const letters = [["apology", "Mẫu 04"], ["supplement", "Mẫu 02"], ["refusal", "Mẫu 03"]]
      .filter(([k]) => d.steps.some((s) => s.kind === { apology: "apology", supplement: "supplement_requested", refusal: "refused" }[k]))
      .map(([k, t]) => el("a", { href: `/api/v1/dossiers/${d.id}/letters/${k}.pdf`, target: "_blank", text: t }));
    box.replaceChildren(
      el("p", {}, el("b", { text: d.code }), ` — ${d.procedure.name_vi} — `, el("span", { class: "badge " + (d.due_state || d.outcome || ""), text: d.state_vi }),
        d.due_state_vi ? ` (${d.due_state_vi})` : ""),
      el("p", { text: `${d.applicant.name} · ${d.applicant.phone || ""} · hẹn trả ${d.appointment_at_vi}` }),
      d.calendar_notice ? el("p", { class: "notice warn", text: `${d.calendar_notice.vi} / ${d.calendar_notice.en}` }) : "",
      el("p", { class: "row" }, el("a", { href: d.links.receipt_pdf, target: "_blank", text: "Giấy tiếp nhận" }),
        el("a", { href: `/api/v1/dossiers/${d.id}/control-slip.pdf`, target: "_blank", text: "Phiếu kiểm soát (Mẫu 05)" }), ...letters),
      el("ul", { class: "timeline" }, d.steps.map((s) => el("li", {}, el("b", { text: s.name_vi }),
        el("div", { class: "when", text: [s.at_local, s.from_agency && `${s.from_agency} → ${s.to_agency}`, s.timing_vi, s.reason].filter(Boolean).join(" · ") })))),
      ...ACTIONS.map(([path, title, fields]) => {
        const inputs = fields.map(([name, label, multi]) => [name, multi ? el("textarea", { rows: 2 }) : el("input", { type: "text" }), label, multi]);
        const msg = el("div", { class: "error" });
        const form = el("form", { class: "card" }, el("b", { text: title }),
          ...inputs.map(([, input, label]) => el("div", {}, el("label", { text: label }), input)),
          el("p", {}, el("button", { type: "submit", text: title })), msg);
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          const body = {};
          for (const [name, input, , multi] of inputs) body[name] = multi ? input.value.split("\n").filter((x) => x.trim()) : input.value;
          try { await api(`/api/v1/dossiers/${d.id}/${path}`, { method: "POST", body }); openDossier(d.code); load(); }
          catch (err) { msg.textContent = problemText(err); }
        });
        return el("details", {}, el("summary", { text: title }), form);
      }));
  } catch (err) { box.replaceChildren(el("p", { class: "error", text: problemText(err) })); }
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
