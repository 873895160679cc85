// The public page of remote numbers (/remote?site=...): the services open for numbers taken
// from a phone, with people waiting and the expected wait; a number is taken with a mobile
// number (only the limit key: no SMS) and the page then goes to the ticket's live page
// /t/{id}?k=KEY, where it shows "chưa có mặt" until the citizen checks in at the hall.

import { api } from "/static/js/common.js";

const TEXT = {
  vi: {
    title: "Lấy số từ xa", other: "English",
    intro: "Lấy số trước khi đến. Số chỉ được gọi sau khi Ông/Bà xác nhận có mặt tại trung tâm (nhập mã tại ki-ốt hoặc quét mã QR ở cửa vào).",
    hours: "Giờ lấy số từ xa hôm nay: {h}. Sau khi lấy số, hãy xác nhận có mặt trong vòng {m} phút.",
    no_hours: "Hôm nay không nhận lấy số từ xa.",
    waiting: "{n} người đang chờ", wait: "chờ khoảng {m} phút", wait_soon: "gần như không phải chờ",
    wait_unknown: "chưa có quầy mở", left: "còn {n} lượt",
    take: "Lấy số", chosen: "Dịch vụ", phone: "Số điện thoại di động", back: "Quay lại",
    phone_hint: "Chỉ dùng để mỗi số điện thoại giữ một lượt; không gửi tin nhắn. Số được lưu dưới dạng mã hoá và xoá sau ngày hôm nay.",
    empty: "Hiện chưa có dịch vụ nào nhận lấy số từ xa. Ông/Bà vui lòng lấy số tại ki-ốt khi đến trung tâm.",
    taking: "Đang lấy số…", updated: "Cập nhật lúc {t}",
  },
  en: {
    title: "Take a number remotely", other: "Tiếng Việt",
    intro: "Take a number before you come. It is called only after you check in at the hall (type the code at the kiosk or scan the QR code at the entrance).",
    hours: "Remote numbers today: {h}. After taking one, check in within {m} minutes.",
    no_hours: "No remote numbers today.",
    waiting: "{n} waiting", wait: "about {m} min wait", wait_soon: "almost no wait",
    wait_unknown: "no counter open yet", left: "{n} left",
    take: "Take a number", chosen: "Service", phone: "Mobile phone number", back: "Back",
    phone_hint: "Used only so that each phone number holds one number; no message is sent. It is stored hashed and erased after today.",
    empty: "No service gives remote numbers now. Please take a number at the kiosk when you come.",
    taking: "Taking a number…", updated: "Updated at {t}",
  },
};

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const site = params.get("site") || "";
const q = site ? `?site=${encodeURIComponent(site)}` : "";
function stored() { try { return localStorage.getItem("motcua.phone.lang"); } catch (err) { return null; } }
const state = {
  lang: ["vi", "en"].includes(params.get("lang")) ? params.get("lang") : (stored() === "en" ? "en" : "vi"),
  data: null, chosen: null, busy: false,
};

function t(name, vars = {}) {
  let text = TEXT[state.lang][name] ?? name;
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, v);
  return text;
}

function name(s) { return (state.lang === "en" && s.name_en) || s.name_vi; }

function waitText(s) {
  if (s.estimated_wait_s === null || s.estimated_wait_s === undefined) return t("wait_unknown");
  const m = Math.round(s.estimated_wait_s / 60);
  return m < 1 ? t("wait_soon") : t("wait", { m });
}

function showError(err) {
  const box = $("#error");
  box.replaceChildren();
  if (!err) { box.hidden = true; return; }
  const vi = document.createElement("strong");
  vi.textContent = err.detail || "";
  const en = document.createElement("span");
  en.lang = "en";
  en.textContent = err.detailEn && err.detailEn !== err.detail ? err.detailEn : "";
  box.append(vi, en);
  box.hidden = false;
}

function showFieldError(err) {
  const box = $("#phone-error");
  box.replaceChildren();
  $("#phone").setAttribute("aria-invalid", err ? "true" : "false");
  if (!err) { box.hidden = true; return; }
  const vi = document.createElement("span");
  vi.textContent = err.detail;
  const en = document.createElement("span");
  en.lang = "en";
  en.textContent = err.detailEn || "";
  box.append(vi, en);
  box.hidden = false;
}

function render() {
  document.documentElement.lang = state.lang;
  $("#lang").textContent = t("other");
  $("#lang").lang = state.lang === "vi" ? "en" : "vi";
  for (const id of ["title", "intro", "chosen", "phone", "back", "take"]) {
    const node = $(`#t-${id}`) || $(`#${id}`);
    if (node && id !== "chosen") node.textContent = t(id);
  }
  $("#t-chosen").textContent = t("chosen");
  $("#take").textContent = state.busy ? t("taking") : t("take");
  $("#back").textContent = t("back");
  $("#phone-hint").textContent = t("phone_hint");
  document.title = `${t("title")} — Motcua`;
  const data = state.data;
  if (!data) return;
  $("#site-name").textContent = data.site.name;
  $("#hours").textContent = data.enabled && data.hours.length
    ? t("hours", { h: data.hours.join(", "), m: data.checkin_minutes }) : (data.enabled ? t("no_hours") : "");
  const list = $("#services");
  list.replaceChildren();
  for (const s of data.services) {
    const card = document.createElement("article");
    card.className = "rm-service";
    card.dataset.serviceId = String(s.id);
    const h = document.createElement("h2");
    h.textContent = name(s);
    const facts = document.createElement("p");
    facts.className = "rm-facts";
    facts.textContent = `${t("waiting", { n: s.waiting })} · ${waitText(s)} · ${t("left", { n: s.left_today })}`;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = t("take");
    button.disabled = !s.available;
    button.addEventListener("click", () => choose(s));
    card.append(h, facts, button);
    if (!s.available) {
      const why = document.createElement("p");
      why.className = "rm-why";
      why.textContent = state.lang === "en" ? s.refusal_en : s.refusal_vi;
      card.append(why);
    }
    list.append(card);
  }
  $("#empty").hidden = data.services.length > 0;
  $("#empty").textContent = t("empty");
  if (state.chosen) $("#chosen").textContent = name(state.chosen);
  $("#updated").textContent = t("updated", { t: new Date().toLocaleTimeString(state.lang === "en" ? "en-GB" : "vi-VN",
    { hour: "2-digit", minute: "2-digit" }) });
}

function choose(s) {
  state.chosen = s;
  document.body.dataset.step = "form";
  $("#form").hidden = false;
  showError(null);
  showFieldError(null);
  render();
  $("#phone").focus();
}

function back() {
  state.chosen = null;
  document.body.dataset.step = "list";
  $("#form").hidden = true;
  showError(null);
  load();
}

async function load() {
  try {
    state.data = await api("GET", `/api/v1/remote/services${q}`);
    showError(null);
  } catch (err) {
    showError(err);
  }
  render();
}

async function take(ev) {
  ev.preventDefault();
  if (state.busy || !state.chosen) return;
  state.busy = true;
  showError(null);
  showFieldError(null);
  render();
  try {
    const out = await api("POST", `/api/v1/remote/tickets${q}`, { service_id: state.chosen.id, phone: $("#phone").value });
    location.assign(out.position_path + (state.lang === "en" ? "&lang=en" : ""));
    return;
  } catch (err) {
    const field = err.body && (err.body.field || (err.body.errors && err.body.errors[0] && err.body.errors[0].field));
    if (err.status === 422 && field === "phone") showFieldError(err);
    else showError(err);
  } finally {
    state.busy = false;
    render();
  }
}

$("#lang").addEventListener("click", () => {
  state.lang = state.lang === "vi" ? "en" : "vi";
  try { localStorage.setItem("motcua.phone.lang", state.lang); } catch (err) { /* private mode */ }
  render();
});
$("#back").addEventListener("click", back);
$("#form").addEventListener("submit", take);
window.motcuaRemote = { state, load };
render();
load();
setInterval(() => { if (document.visibilityState === "visible" && !state.chosen) load(); }, 30000);
