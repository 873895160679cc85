// The reception page (kept out of the HTML: the Content-Security-Policy allows no inline script).
"use strict";
const { el, $, api, problemText, qs, money } = window.Motcua;
const ticketId = qs("ticket_id");
let procedures = [];

function current() { return procedures.find((p) => p.code === $("#procedure").value); }

function fillChannels() {
  const p = current(); const sel = $("#channel"); sel.innerHTML = "";
  const names = { truc_tiep: "Trực tiếp", truc_tuyen: "Trực tuyến", buu_chinh: "Bưu chính" };
  for (const c of (p ? p.channels : [])) sel.append(el("option", { value: c.kind }, `${names[c.kind] || c.kind} — ${c.text.vi}`));
}

function fillDocuments() {
  const p = current(); const body = $("#docs tbody"); body.innerHTML = "";
  (p ? p.documents : []).forEach((d, i) => {
    const num = (key, v) => el("input", { type: "number", class: "small", min: 0, max: 99, value: v, "data-doc": i, "data-key": key });
    body.append(el("tr", {},
      el("td", {}, el("input", { type: "checkbox", "data-doc": i, "data-key": "received", checked: d.required && !d.show_original })),
      el("td", {}, el("span", { "data-doc": i, "data-key": "name", text: d.name.vi }),
         d.show_original ? el("div", { class: "en", text: "Xuất trình bản chính để đối chiếu" }) : null,
         d.required ? null : el("div", { class: "en", text: "Nếu có" })),
      el("td", {}, num("originals", d.originals)), el("td", {}, num("certified_copies", d.certified_copies)),
      el("td", {}, num("photocopies", d.photocopies))));
  });
}

async function preview() {
  const p = current(); if (!p) return;
  const box = $("#due-preview");
  try {
    const r = await api(`/api/v1/dossiers/due?procedure=${encodeURIComponent(p.code)}&channel=${encodeURIComponent($("#channel").value)}`);
    $("#fee").value = r.fee_vnd * (parseInt($("#sets").value, 10) || 1);
    box.textContent = `Thời hạn ${r.processing_time.vi}. Nếu tiếp nhận bây giờ, hẹn trả: ${r.due_at_vi}.` +
      (r.calendar_notice ? ` ${r.calendar_notice.vi} / ${r.calendar_notice.en}` : "");
    box.className = "notice" + (r.calendar_notice ? " warn" : "");
  } catch (err) { box.textContent = problemText(err); box.className = "notice bad"; }
}

function collect() {
  const docs = (current() ? current().documents : []).map((d, i) => {
    const get = (key) => $(`[data-doc="${i}"][data-key="${key}"]`);
    return { name: d.name.vi, received: get("received").checked, originals: +get("originals").value || 0,
             certified_copies: +get("certified_copies").value || 0, photocopies: +get("photocopies").value || 0 };
  });
  const delivery = document.querySelector("input[name=delivery]:checked").value;
  return {
    procedure_code: $("#procedure").value, channel: $("#channel").value,
    applicant: { name: $("#a-name").value, id_type: $("#a-id-type").value, id_number: $("#a-id").value,
                 phone: $("#a-phone").value, email: $("#a-email").value, address: $("#a-address").value },
    documents: docs, sets: +$("#sets").value || 1, fee_vnd: $("#fee").value === "" ? null : +$("#fee").value,
    result_delivery: delivery, delivery_address: $("#post-address").value, note: $("#note").value,
    ticket_id: ticketId ? +ticketId : null,
  };
}

function clearErrors() {
  document.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
  document.querySelectorAll(".error[data-generated]").forEach((n) => n.remove());
  $("[data-error-for=documents]").textContent = "";
  $("#form-message").classList.add("hidden");
}

function showErrors(err) {
  const box = $("#form-message");
  box.textContent = problemText(err); box.classList.remove("hidden");
  for (const e of (err.problem.errors || [])) {
    const target = document.querySelector(`[data-field="${e.field}"]`);
    const text = e.message + (e.message_en ? ` (${e.message_en})` : "");
    if (target) {
      target.classList.add("invalid");
      const note = el("div", { class: "error", "data-generated": "1", "data-error": e.field, text });
      (target.closest(".row") || target).after(note);
    } else if (e.field.startsWith("documents")) {
      $("[data-error-for=documents]").textContent = text;
    }
  }
}

async function listTicketDossiers() {
  if (!ticketId) return;
  const items = await api(`/api/v1/dossiers?ticket_id=${encodeURIComponent(ticketId)}`);
  $("#ticket-dossiers").classList.toggle("hidden", !items.length);
  const ul = $("#td-list"); ul.innerHTML = "";
  for (const d of items) ul.append(el("li", {}, el("b", { text: d.code }), ` — ${d.procedure.name_vi} — hẹn trả ${d.appointment_at_vi} `,
    el("a", { href: d.links.receipt_pdf, target: "_blank", text: "PDF" }), " · ",
    el("a", { href: "#desk", onclick: (e) => { e.preventDefault(); openAtDesk(d.code); }, text: "Chuyển xử lý, theo dõi" })));
}

// the dossier's hand-offs to the processing agencies, the apology prompt and the desk's actions (desk.js)
function openAtDesk(code) {
  $("#desk-code").value = code;
  return window.Motcua.openDossier($("#desk-detail"), code, { onChange: listTicketDossiers })
    .then((d) => { $("#desk").scrollIntoView({ block: "start" }); return d; });
}

async function start() {
  await window.Motcua.requireLogin($("#login"));
  $("#reception").classList.remove("hidden");
  $("#desk").classList.remove("hidden");
  if (qs("dossier")) openAtDesk(qs("dossier"));
  if (ticketId) {
    try { const t = await api(`/api/v1/tickets/${encodeURIComponent(ticketId)}`);
          $("#ticket-info").textContent = `Số ${t.code}` + (t.counter_number ? ` — Quầy ${t.counter_number}` : ""); }
    catch (err) { $("#ticket-info").textContent = problemText(err); }
  }
  const data = await api("/api/v1/dossiers/procedures");
  procedures = data.procedures;
  const sel = $("#procedure");
  sel.append(el("option", { value: "" }, "— Chọn thủ tục —"));
  for (const p of procedures) sel.append(el("option", { value: p.code }, `${p.code} — ${p.name.vi}`));
  const wanted = qs("procedure"); if (wanted) { sel.value = wanted; fillChannels(); fillDocuments(); preview(); }
  listTicketDossiers();
}

$("#procedure").addEventListener("change", () => { fillChannels(); fillDocuments(); preview(); });
$("#channel").addEventListener("change", preview);
$("#sets").addEventListener("change", preview);
document.querySelectorAll("input[name=delivery]").forEach((r) => r.addEventListener("change", () =>
  $("#post-box").classList.toggle("hidden", document.querySelector("input[name=delivery]:checked").value !== "post")));

let last = null;
$("#reception").addEventListener("submit", async (ev) => {
  ev.preventDefault(); clearErrors();
  $("#submit").disabled = true;
  try {
    const d = await api("/api/v1/dossiers", { method: "POST", body: collect() });
    last = d;
    $("#d-code").textContent = d.code; $("#d-key").textContent = d.lookup_code.length === 10 ? `${d.lookup_code.slice(0, 5)}-${d.lookup_code.slice(5)}` : d.lookup_code; $("#d-due").textContent = d.appointment_at_vi;
    $("#d-pdf").href = d.links.receipt_pdf;
    const cal = $("#d-calendar");
    cal.classList.toggle("hidden", !d.calendar_notice);
    cal.textContent = d.calendar_notice ? `${d.calendar_notice.vi} Giấy hẹn đã ghi rõ điều này; giám sát viên đã được báo. / ${d.calendar_notice.en} The receipt says so; the supervisor has been told.` : "";
    $("#reception").classList.add("hidden"); $("#done").classList.remove("hidden");
    listTicketDossiers();
    openAtDesk(d.code);
    // "Tiếp nhận và in giấy hẹn": the two-part receipt opens for printing, the slip goes to the
    // hall's receipt printer (when one is configured)
    printPdf(d.links.receipt_pdf);
    printSlip({ quietWhenNone: true });
  } catch (err) { showErrors(err); }
  finally { $("#submit").disabled = false; }
});
$("#d-new").addEventListener("click", () => { $("#done").classList.add("hidden"); $("#reception").classList.remove("hidden");
  ["#a-name", "#a-id", "#a-phone", "#a-email", "#a-address", "#note", "#post-address"].forEach((s) => { $(s).value = ""; }); });
// The PDF in a hidden frame of this page, and the browser's print dialog for it; where the
// browser cannot print a frame's PDF, it opens in a new tab instead.
function printPdf(url) {
  let frame = $("#print-frame");
  if (!frame) {
    frame = el("iframe", { id: "print-frame", class: "print-frame", title: "Giấy tiếp nhận (in) · Receipt (print)" });
    document.body.append(frame);
  }
  frame.onload = () => {
    try { frame.contentWindow.focus(); frame.contentWindow.print(); }
    catch (err) { window.open(url, "_blank", "noopener"); }
  };
  frame.src = url;
}

async function printSlip({ quietWhenNone = false } = {}) {
  const box = $("#d-print-msg");
  box.className = "notice"; box.textContent = "Đang in phiếu nhiệt… · Printing the slip…";
  try {
    await api(`/api/v1/dossiers/${last.id}/receipt/print`, { method: "POST", body: {} });
    box.className = "notice"; box.textContent = "Đã in phiếu nhiệt. · Slip printed.";
  } catch (err) {
    const none = err.status === 422 && err.problem && err.problem.field === "printer_url";
    if (none && quietWhenNone) {
      box.className = "notice"; box.textContent = "Chưa cấu hình máy in phiếu nhiệt; giấy tiếp nhận PDF đã mở để in. · No slip printer configured; the PDF receipt opened for printing.";
    } else { box.className = "notice bad"; box.textContent = problemText(err); }
  }
}
$("#d-print").addEventListener("click", () => printSlip());
$("#desk-open").addEventListener("submit", (e) => { e.preventDefault(); if ($("#desk-code").value.trim()) openAtDesk($("#desk-code").value.trim()); });
start();
