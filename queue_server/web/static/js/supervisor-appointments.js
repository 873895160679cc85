// The supervisor's appointments (/supervisor/appointments): a service's slot settings (saved
// with its version, one audit event per change) and one day's slots with their bookings:
// how many, checked in, no-shows, and who booked (names and phones: staff only; the server
// logs each reading).

import { $, api, el } from "./common.js";
import { message, refusal, staffSignIn, views } from "./staff_login.js";

const S = { site: "", services: [], service: null, version: 0 };
const WEEKDAYS = [["T2", "Mon"], ["T3", "Tue"], ["T4", "Wed"], ["T5", "Thu"], ["T6", "Fri"], ["T7", "Sat"], ["CN", "Sun"]];
const NUMBERS = ["slot_minutes", "capacity", "book_ahead_days", "early_minutes", "late_minutes", "share_percent"];
const show = views("appointments");

function today() {
  const p = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
  return p;
}

function fill(entry) {
  const r = entry.rule;
  S.version = entry.version;
  $("#enabled").checked = r.enabled;
  for (const k of NUMBERS) $(`#${k}`).value = r[k];
  $("#windows").value = r.windows.join(", ");
  for (const box of document.querySelectorAll("#weekdays input")) box.checked = r.weekdays.includes(Number(box.value));
}

async function loadSettings() {
  const q = S.site ? `?site=${encodeURIComponent(S.site)}` : "";
  const s = await api("GET", `/api/v1/appointments/settings${q}`);
  S.services = s.services;
  const select = $("#service");
  const keep = S.service;
  select.replaceChildren(...s.services.map((x) => el("option", { value: String(x.service_id),
    text: `${x.service_code} · ${x.service_name_vi}${x.rule.enabled ? " ✓" : ""}` })));
  S.service = keep && s.services.some((x) => x.service_id === keep) ? keep : (s.services[0] || {}).service_id;
  select.value = String(S.service);
  const entry = s.services.find((x) => x.service_id === S.service);
  if (entry) fill(entry);
}

async function save(e) {
  e.preventDefault();
  message("");
  const body = { enabled: $("#enabled").checked, version: S.version,
    weekdays: [...document.querySelectorAll("#weekdays input:checked")].map((b) => Number(b.value)),
    windows: $("#windows").value.split(/[,;\n]/).map((w) => w.trim()).filter(Boolean) };
  for (const k of NUMBERS) body[k] = Number($(`#${k}`).value);
  try {
    const r = await api("PUT", `/api/v1/appointments/settings/${S.service}`, body);
    S.version = r.version;
    message("ok", "Đã lưu cài đặt lịch hẹn.", "Appointment settings saved.");
    await loadSettings();
    await loadDay();
  } catch (err) { refusal(err); }
}

function whoCell(slot) {
  if (!slot.bookings.length) return el("td", { class: "sa-who", text: "—" });
  return el("td", { class: "sa-who" }, el("ul", {}, ...slot.bookings.map((b) => el("li", { dataset: { state: b.state } },
    el("strong", { text: b.erased ? "(đã xoá · erased)" : b.name }), " ",
    el("span", { class: "sa-phone", text: b.phone }), " ",
    el("code", { text: b.code }), " ",
    el("span", { class: "sa-state", text: `${b.state_vi}${b.ticket_code ? ` → ${b.ticket_code}` : ""}` }),
    b.state === "booked" ? el("button", { type: "button", class: "link sa-cancel", dataset: { id: String(b.id) },
      text: "Huỷ · Cancel", onclick: () => staffCancel(b) }) : null))));
}

async function staffCancel(b) {
  if (!window.confirm(`Huỷ lịch hẹn ${b.code} của ${b.name}? · Cancel this appointment?`)) return;
  try {
    await api("POST", `/api/v1/appointments/bookings/${b.id}/staff-cancel`);
    message("ok", `Đã huỷ lịch hẹn ${b.code}.`, `Appointment ${b.code} cancelled.`);
    await loadDay();
  } catch (err) { refusal(err); }
}

async function loadDay() {
  if (!S.service) return;
  const day = $("#day").value || today();
  try {
    const d = await api("GET", `/api/v1/appointments/day?service_id=${S.service}&day=${day}`);
    $("#day-off").hidden = !d.day_off;
    $("#day-off").textContent = d.day_off ? `Ngày nghỉ: ${d.day_off.vi} · Day off: ${d.day_off.en}` : "";
    const t = d.totals;
    $("#totals").textContent = `Đã đặt ${t.booked} · có mặt ${t.checked_in} · vắng ${t.no_show} · huỷ ${t.cancelled}`;
    $("#slots").replaceChildren(...d.slots.map((s) => el("tr", { dataset: { time: s.time } },
      el("td", { class: "sa-time", text: s.time }),
      el("td", { text: `${s.booked}/${s.capacity}` }),
      el("td", { text: String(s.checked_in) }),
      el("td", { text: String(s.no_show) }),
      whoCell(s))));
    $("#slots-none").hidden = d.slots.length > 0;
  } catch (err) { refusal(err); }
}

async function enter(me) {
  const params = new URLSearchParams(location.search);
  S.site = params.get("site") || (me.site_id != null ? String(me.site_id) : "");
  $("#to-monitor").href = `/supervisor${S.site ? `?site=${encodeURIComponent(S.site)}` : ""}`;
  show("appointments");
  $("#day").value = params.get("day") || today();
  try {
    await loadSettings();
    await loadDay();
  } catch (err) { refusal(err); }
}

$("#weekdays").replaceChildren(...WEEKDAYS.map(([vi, en], i) => el("label", { class: "sa-weekday" },
  el("input", { type: "checkbox", value: String(i) }), ` ${vi} `, el("span", { lang: "en", text: en }))));
$("#service").addEventListener("change", () => {
  S.service = Number($("#service").value);
  const entry = S.services.find((x) => x.service_id === S.service);
  if (entry) fill(entry);
  loadDay();
});
$("#day").addEventListener("change", loadDay);
$("#settings-form").addEventListener("submit", save);
$("#message-close").addEventListener("click", () => message(""));
staffSignIn({ show, onEnter: enter, onLeave: () => {} });
