// Đặt lịch hẹn (/appointments): a citizen's phone chooses a procedure (or a field), a day and a
// slot with free places, gives a name and a mobile number, and gets a booking code and the QR
// of the booking's own page. ?site= names the hall (default: the server's).

import { $, ApiError, api, el } from "./common.js";
import { dayText, langSwitch, showError, t } from "./appt_text.js";

const params = new URLSearchParams(location.search);
const site = params.get("site") || "";
const siteQuery = site ? `?site=${encodeURIComponent(site)}` : "";
const S = { options: null, serviceId: null, procedure: null, day: null, time: null, days: [], slots: [],
  sending: false, done: null };

function refusal(err) {
  if (err instanceof ApiError) showError(err.detail, err.detailEn);
  else showError("Không kết nối được máy chủ.", String(err));
}

function renderWhat() {
  const o = S.options;
  const select = $("#what");
  const keep = select.value;
  const first = el("option", { value: "", text: t("what_pick") });
  const groups = [];
  if (o.procedures.length) {
    groups.push(el("optgroup", { label: t("procedures") }, ...o.procedures.map((p) =>
      el("option", { value: `p:${p.code}`, text: (document.body.dataset.lang === "en" && p.name_en) || p.name_vi }))));
  }
  groups.push(el("optgroup", { label: t("services") }, ...o.services.map((s) =>
    el("option", { value: `s:${s.id}`, text: (document.body.dataset.lang === "en" && s.name_en) || s.name_vi }))));
  select.replaceChildren(first, ...groups);
  select.value = keep;
  $("#none").hidden = o.services.length > 0;
}

function renderDays() {
  const box = $("#days");
  box.replaceChildren(...S.days.map((d) => {
    const off = d.day_off ? (document.body.dataset.lang === "en" ? d.day_off.en : d.day_off.vi) : "";
    const closed = d.slots === 0 || d.free === 0;
    const note = off || (d.slots === 0 ? t("off") : d.slots_ahead === 0 ? t("past")
      : d.free === 0 ? t("full") : t("free", { n: d.free }));
    return el("button", {
      type: "button", class: "ap-day", role: "radio", disabled: closed,
      "aria-checked": String(S.day === d.day), dataset: { day: d.day, free: String(d.free) },
      onclick: () => chooseDay(d.day),
    }, el("span", { class: "ap-day-name", text: dayText(d.day) }), el("span", { class: "ap-day-note", text: note }));
  }));
}

function renderSlots() {
  const box = $("#slots");
  box.replaceChildren(...S.slots.map((s) => {
    const closed = s.past || s.free === 0;
    return el("button", {
      type: "button", class: "ap-slot", role: "radio", disabled: closed,
      "aria-checked": String(S.time === s.time), dataset: { time: s.time, free: String(s.free) },
      onclick: () => { S.time = s.time; renderSlots(); },
    }, el("strong", { text: s.time }), el("span", { text: s.past ? t("past") : s.free ? t("free", { n: s.free }) : t("full") }));
  }));
  $("#no-slot").hidden = !S.day || S.slots.some((s) => !s.past && s.free > 0);
}

function rerender() {
  if (S.options) renderWhat();
  renderDays();
  renderSlots();
  if (S.done) renderDone();
}

async function chooseWhat() {
  const v = $("#what").value;
  S.day = null; S.time = null; S.days = []; S.slots = [];
  S.procedure = null; S.serviceId = null;
  if (v.startsWith("p:")) {
    const p = S.options.procedures.find((x) => `p:${x.code}` === v);
    S.procedure = p.code;
    S.serviceId = p.service_id;
  } else if (v.startsWith("s:")) {
    S.serviceId = Number(v.slice(2));
  }
  rerender();
  if (!S.serviceId) return;
  try {
    S.days = (await api("GET", `/api/v1/appointments/days?service_id=${S.serviceId}`)).days;
    renderDays();
  } catch (err) { refusal(err); }
}

async function chooseDay(day) {
  S.day = day; S.time = null;
  renderDays();
  try {
    S.slots = (await api("GET", `/api/v1/appointments/slots?service_id=${S.serviceId}&day=${day}`)).slots;
  } catch (err) { S.slots = []; refusal(err); }
  renderSlots();
}

function renderDone() {
  const r = S.done;
  $("#done-code").textContent = r.code;
  const service = (document.body.dataset.lang === "en" && r.service_name_en) || r.service_name_vi;
  $("#done-when").textContent = `${r.time} · ${dayText(r.day, { long: true })} · ${service}`;
}

async function book(e) {
  e.preventDefault();
  if (S.sending) return;
  showError("");
  if (!S.serviceId || !S.day || !S.time) return showError(t("pick_all"), t("pick_all_en") || "Choose a procedure, a day and a time.");
  S.sending = true;
  $("#book").disabled = true;
  try {
    const r = await api("POST", `/api/v1/appointments${siteQuery}`, {
      service_id: S.serviceId, procedure_code: S.procedure, day: S.day, time: S.time,
      name: $("#name").value.trim(), phone: $("#phone").value.trim(),
    });
    S.done = r;
    renderDone();
    $("#done-qr").src = r.qr;
    $("#done-link").href = r.page_url;
    document.body.dataset.step = "done";
    $("#book-form").hidden = true;
    $("#done").hidden = false;
    $("#done").scrollIntoView({ block: "start" });
  } catch (err) {
    refusal(err);
    if (err instanceof ApiError && err.body && err.body.reason === "full" && S.day) chooseDay(S.day);
  } finally {
    S.sending = false;
    $("#book").disabled = false;
  }
}

async function lookup(e) {
  e.preventDefault();
  showError("");
  const code = $("#lookup-code").value.trim();
  if (!code) return;
  try {
    const r = await api("GET", `/api/v1/appointments/lookup?code=${encodeURIComponent(code)}`);
    location.href = r.page_url;
  } catch (err) { refusal(err); }
}

async function boot() {
  langSwitch(rerender);
  $("#what").addEventListener("change", chooseWhat);
  $("#book-form").addEventListener("submit", book);
  $("#lookup-form").addEventListener("submit", lookup);
  $("#another").addEventListener("click", () => {
    S.done = null; S.time = null;
    $("#done").hidden = true;
    $("#book-form").hidden = false;
    document.body.dataset.step = "choose";
    if (S.day) chooseDay(S.day);
  });
  try {
    S.options = await api("GET", `/api/v1/appointments/options${siteQuery}`);
    $("#site-name").textContent = S.options.site.name;
    renderWhat();
  } catch (err) { refusal(err); }
}

boot();
