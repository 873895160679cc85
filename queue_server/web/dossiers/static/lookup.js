// The lookup page (kept out of the HTML: the Content-Security-Policy allows no inline script).
"use strict";
const { el, $, api, problemText, qs } = window.Motcua;

async function lookup(code, key) {
  const msg = $("#message"), box = $("#result");
  msg.classList.add("hidden"); box.classList.add("hidden");
  try {
    const d = await api(`/api/v1/dossiers/lookup?code=${encodeURIComponent(code)}&key=${encodeURIComponent(key)}`);
    show(d);
  } catch (err) {
    msg.textContent = problemText(err);
    msg.classList.remove("hidden");
  }
}

function show(d) {
  $("#r-procedure").textContent = d.procedure.name_vi;
  $("#r-state").textContent = d.state_vi;
  const ds = $("#r-due-state");
  ds.textContent = d.due_state_vi || "";
  ds.className = "badge " + (d.due_state || "hidden");
  $("#r-code").textContent = d.code;
  $("#r-applicant").textContent = d.applicant;
  $("#r-received").textContent = d.received_at_vi;
  $("#r-appointment").textContent = d.appointment_at_vi +
    (d.appointment_at !== d.due_at ? ` (hẹn ban đầu / first date: ${d.due_at_vi})` : "");
  // the agency holding it now (never a staff name), and since when
  const held = d.held_by || null;
  const since = held && (held.since_vi || (held.since && new Date(held.since).toLocaleString("vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" })));
  $("#r-agency").textContent = held ? held.name_vi + (since ? ` (từ ${since} · since)` : "") : d.current_agency || "";
  $("#r-agency-row").classList.toggle("hidden", !held && !d.current_agency);
  $("#r-delivery").textContent = d.result_delivery_vi;
  const cal = $("#r-calendar");
  cal.classList.toggle("hidden", !d.calendar_notice);
  cal.textContent = d.calendar_notice ? `${d.calendar_notice.vi} / ${d.calendar_notice.en}` : "";
  const ul = $("#r-timeline");
  ul.innerHTML = "";
  for (const s of d.timeline) {
    const extra = [];
    if (s.agency) extra.push(s.agency);
    if (s.timing_vi) extra.push(s.timing_vi);
    const li = el("li", {}, el("div", {}, el("b", { text: s.name_vi }), " ", el("span", { class: "en", text: s.name_en })),
      el("div", { class: "when", text: s.at_vi + (extra.length ? " — " + extra.join(" · ") : "") }));
    if (s.missing && s.missing.length) li.append(el("div", { text: "Cần bổ sung: " + s.missing.join("; ") }));
    if (s.new_appointment_vi) li.append(el("div", { text: "Hẹn lại: " + s.new_appointment_vi }));
    ul.append(li);
  }
  $("#result").classList.remove("hidden");
}

$("#lookup-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  lookup($("#code").value.trim(), $("#key").value.trim());
});
const code0 = qs("code"), key0 = qs("key");
if (code0) $("#code").value = code0;
if (key0) $("#key").value = key0;
if (code0 && key0) lookup(code0, key0);
