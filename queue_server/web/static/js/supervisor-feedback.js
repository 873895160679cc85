// The supervisor's inbox of citizens' feedback and petitions (/supervisor/feedback): the
// list (filter by state and category, pages of 20), one opened with its text and contact
// (the server logs who read a contact), its state changed, its answer written. New ones
// appear as they come (the event stream's petition.* kinds: one read per burst).

import { $, ApiError, api, el, zonedParts } from "./common.js";
import { message, refusal, staffSignIn, views } from "./staff_login.js";
import { EventStream } from "./stream.js";

const S = { me: null, site: "", options: null, state: "new", category: "", page: 1, pages: 1, open: null,
  stream: null, timer: null };
const CHANNELS = { web: "Trang web · Web", kiosk: "Ki-ốt · Kiosk", staff: "Cán bộ nhập · Staff" };
const MOVE_LABELS = {
  in_progress: ["Nhận xử lý", "Take it on"], closed: ["Đóng", "Close"], new: ["Mới", "New"],
};

const show = views("inbox");

function when(iso) {
  if (!iso) return "";
  const p = zonedParts(Date.parse(iso), "Asia/Ho_Chi_Minh");
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

function stateName(code) {
  const s = S.options.states.find((x) => x.code === code);
  return s ? s : { vi: code, en: code };
}

// -- signing in (staff_login.js) -------------------------------------------------------------
async function enter(me) {
  S.me = me;
  const params = new URLSearchParams(location.search);
  S.site = params.get("site") || (me.site_id != null ? String(me.site_id) : "");
  const q = S.site ? `?site=${encodeURIComponent(S.site)}` : "";
  $("#to-monitor").href = `/supervisor${q}`;
  S.options = await api("GET", `/api/v1/petitions/options${q}`);
  if (S.options.site) $("#site").textContent = S.options.site.name;
  $("#category").replaceChildren(el("option", { value: "", text: "Tất cả · All" }),
    ...S.options.categories.map((c) => el("option", { value: c.code, text: `${c.vi} · ${c.en}` })));
  show("inbox");
  await read();
  startStream();
}

function leave() {
  if (S.stream) S.stream.stop();
  S.me = null;
}

// -- the list --------------------------------------------------------------------------------
async function read() {
  const q = new URLSearchParams({ page: String(S.page), page_size: "20" });
  if (S.site) q.set("site", S.site);
  if (S.state) q.set("state", S.state);
  if (S.category) q.set("category", S.category);
  try {
    const r = await api("GET", `/api/v1/petitions?${q}`);
    S.pages = r.pages;
    renderStates(r.counts);
    renderRows(r.items);
    $("#page-info").textContent = `Trang ${r.page}/${r.pages} · ${r.total} phản ánh`;
    $("#prev").disabled = r.page <= 1;
    $("#next").disabled = r.page >= r.pages;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { show("login"); return; }
    refusal(err);
  }
}

function renderStates(counts) {
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  const tabs = [{ code: "", vi: "Tất cả", en: "All", n: all },
    ...S.options.states.map((s) => ({ ...s, n: counts[s.code] || 0 }))];
  $("#states").replaceChildren(...tabs.map((t) => el("button", {
    type: "button", role: "tab", class: "pf-tab", dataset: { state: t.code }, "aria-selected": String(t.code === S.state),
    onclick: () => { S.state = t.code; S.page = 1; read(); },
  }, el("span", { text: t.vi }), " ", el("span", { class: "sv-count", text: String(t.n) }),
  el("span", { lang: "en", text: t.en }))));
}

function renderRows(items) {
  $("#rows-none").hidden = items.length > 0;
  $("#rows").replaceChildren(...items.map((p) => {
    const st = stateName(p.state);
    return el("tr", { dataset: { id: String(p.id), code: p.code }, class: S.open === p.id ? "open" : "",
      onclick: () => openOne(p.id) },
    el("td", { class: "t-code", text: p.code }),
    el("td", { text: when(p.created_at) }),
    el("td", { text: p.category_vi }),
    el("td", { class: `pf-st st-${p.state}`, text: st.vi }),
    el("td", { class: "pf-excerpt", text: p.excerpt }, p.has_contact ? el("span", { class: "pf-phone",
      title: "Muốn được trả lời · Wants an answer", text: " ☎" }) : null));
  }));
}

// -- one petition ------------------------------------------------------------------------------
async function openOne(id) {
  try {
    const p = await api("GET", `/api/v1/petitions/${id}`);
    S.open = p.id;
    renderDetail(p);
    for (const tr of document.querySelectorAll("#rows tr")) tr.classList.toggle("open", tr.dataset.id === String(id));
  } catch (err) {
    refusal(err);
  }
}

function renderDetail(p) {
  $("#detail").hidden = false;
  $("#detail-none").hidden = true;
  $("#detail").dataset.id = String(p.id);
  $("#detail").dataset.state = p.state;
  $("#d-code").textContent = p.code;
  const st = stateName(p.state);
  $("#d-state").textContent = `${st.vi} · ${st.en}`;
  $("#d-state").className = `pf-state st-${p.state}`;
  $("#d-category").textContent = `${p.category_vi} · ${p.category_en}`;
  $("#d-created").textContent = when(p.created_at);
  $("#d-channel").textContent = CHANNELS[p.channel] || p.channel;
  let contact;
  if (p.contact_phone) contact = `${p.contact_name || "(không ghi tên)"} · ${p.contact_phone}`;
  else if (p.contact_erased_at) contact = `Đã xoá theo thời hạn lưu (${when(p.contact_erased_at)}) · Erased`;
  else contact = "Không để lại liên hệ · No contact";
  $("#d-contact").textContent = contact;
  $("#d-text").textContent = p.text;
  $("#d-moves").replaceChildren(...p.moves.map((m) => {
    const [vi, en] = MOVE_LABELS[m] || [stateName(m).vi, stateName(m).en];
    return el("button", { type: "button", class: "sv-act", dataset: { move: m }, onclick: () => move(p.id, m) },
      el("span", { text: vi }), el("span", { lang: "en", text: en }));
  }));
  $("#d-answer").value = p.answer || "";
  $("#d-answer").disabled = !p.may_answer;
  $("#d-send").disabled = !p.may_answer;
  $("#d-close").checked = false;
  $("#d-answered").textContent = p.answered_at ? `· ${p.answered_by_name}, ${when(p.answered_at)}` : "";
}

async function move(id, state) {
  try {
    const p = await api("POST", `/api/v1/petitions/${id}/state`, { state });
    renderDetail(p);
    const st = stateName(p.state);
    message("success", `Phản ánh ${p.code}: ${st.vi}.`, `Petition ${p.code}: ${st.en.toLowerCase()}.`);
    await read();
  } catch (err) {
    refusal(err);
  }
}

async function sendAnswer(e) {
  e.preventDefault();
  const id = Number($("#detail").dataset.id);
  const answer = $("#d-answer").value.trim();
  if (!answer) { message("error", "Hãy viết câu trả lời.", "Write the answer."); return; }
  try {
    const p = await api("POST", `/api/v1/petitions/${id}/answer`, { answer, close: $("#d-close").checked });
    renderDetail(p);
    message("success", `Đã gửi trả lời phản ánh ${p.code}; công dân xem được bằng mã tra cứu.`,
      `Answer to ${p.code} sent; the citizen reads it with the code.`);
    await read();
  } catch (err) {
    refusal(err);
  }
}

function startStream() {
  if (S.stream) S.stream.stop();
  const q = new URLSearchParams({ kinds: "petition.submitted,petition.state_changed,petition.answered" });
  if (S.options && S.options.site) q.set("site", String(S.options.site.id));
  S.stream = new EventStream(`/api/v1/events?${q}`, {
    onEvent: () => { clearTimeout(S.timer); S.timer = setTimeout(read, 250); },
    onStatus: (status) => {
      const live = $("#live");
      live.dataset.state = status;
      live.textContent = { live: "Trực tiếp · Live", stale: "Có thể chậm · May be late",
        reconnecting: "Đang kết nối lại · Reconnecting", connecting: "Đang kết nối · Connecting" }[status] || "";
      if (status === "unauthorized") show("login");
    },
  });
  S.stream.start();
}

$("#message-close").addEventListener("click", () => message("", ""));
$("#category").addEventListener("change", () => { S.category = $("#category").value; S.page = 1; read(); });
$("#prev").addEventListener("click", () => { if (S.page > 1) { S.page -= 1; read(); } });
$("#next").addEventListener("click", () => { if (S.page < S.pages) { S.page += 1; read(); } });
$("#answer-form").addEventListener("submit", sendAnswer);
staffSignIn({ show, onEnter: enter, onLeave: leave });
