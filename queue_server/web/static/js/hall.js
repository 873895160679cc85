// Hall display (a landscape TV): the ticket at each counter in large type, the last calls,
// people waiting per service, clock and date, a scrolling notice; every call flashes and is
// announced. Options come from the page URL (see docs/web.md):
//
//   /display/hall?site=phuong-an-binh&counters=1,2,3&services=HT,CT&voice=vi,en&mute=1
//   /display/hall?section=Tầng%201:1,2,3&section=Tầng%202:4,5&notice=...&calls=8&show=counters,calls
//
// It starts from the snapshot (state + last_event_id), then follows the event stream,
// which resumes with Last-Event-ID after any disconnect or server restart; events are
// deduplicated by id, so a call is never lost and never shown or announced twice.

import { $, ApiError, api, boolParam, clockText, dateTextVi, el, flash, listParam, serverNow, setServerTime }
  from "./common.js";
import { EventStream } from "./stream.js";
import { Announcer } from "./announcer.js";

const DEFAULT_NOTICE =
  "Kính chào Ông/Bà. Vui lòng lấy số thứ tự tại ki-ốt và chờ đến lượt; khi số của Ông/Bà hiện lên, " +
  "xin mời đến đúng quầy. Người cao tuổi, người khuyết tật, phụ nữ mang thai xin báo cán bộ để được ưu tiên. " +
  "— Welcome. Please take a number at the kiosk and wait for your call.";
// a call older than this (replayed after an outage, or waiting for sound to be enabled) is
// shown but not spoken; ?speak_age=SECONDS changes it
const SPEAK_AGE_S = 60;
const RECONCILE_MS = 30000;

const params = new URLSearchParams(location.search);
const config = readConfig(params);
const state = {
  site: null,
  counters: new Map(), // number -> counter
  byId: new Map(), // id -> number
  tiles: new Map(), // number -> tile element
  waiting: [],
  calls: [],
  stream: null,
  staleSnapshots: 0,
};

function readConfig(p) {
  const sections = p.getAll("section").map((raw) => {
    const colon = raw.lastIndexOf(":");
    const title = colon >= 0 ? raw.slice(0, colon).trim() : "";
    const numbers = (colon >= 0 ? raw.slice(colon + 1) : raw).split(",").map((s) => parseInt(s, 10))
      .filter(Number.isInteger);
    return { title, counters: numbers };
  }).filter((s) => s.counters.length);
  let counters = listParam(p, "counters").map((s) => parseInt(s, 10)).filter(Number.isInteger);
  for (const s of sections) counters = counters.concat(s.counters.filter((n) => !counters.includes(n)));
  const voice = listParam(p, "voice").filter((l) => l === "vi" || l === "en");
  const show = listParam(p, "show");
  const calls = parseInt(p.get("calls") || "8", 10);
  const speakAge = parseInt(p.get("speak_age") || String(SPEAK_AGE_S), 10);
  return {
    site: p.get("site") || "",
    counters,
    sections,
    services: listParam(p, "services").map((s) => s.toUpperCase()),
    calls: Number.isInteger(calls) ? Math.min(20, Math.max(1, calls)) : 8,
    voice: voice.length ? voice : ["vi"],
    mute: boolParam(p, "mute"),
    speakAgeMs: (Number.isInteger(speakAge) && speakAge > 0 ? Math.min(speakAge, 3600) : SPEAK_AGE_S) * 1000,
    notice: p.has("notice") ? p.get("notice") : null, // null: the site's (set in /admin), else DEFAULT_NOTICE
    show: show.length ? show : ["counters", "calls", "waiting"],
  };
}

// -- sound ----------------------------------------------------------------------------
const muteKey = `motcua.hall.muted:${location.pathname}${location.search}`;
const storedMute = localStorage.getItem(muteKey);
const announcer = new Announcer({
  langs: config.voice,
  muted: storedMute === null ? config.mute : storedMute === "1",
  maxAgeMs: config.speakAgeMs,
  now: () => serverNow(),
  onBlocked: (blocked) => {
    $("#unlock").hidden = !blocked;
    // for whoever troubleshoots a silent hall from the browser console
    if (blocked) console.warn("motcua: trình duyệt chặn âm thanh đến khi có người bấm vào màn hình (autoplay policy)");
  },
});

function renderSoundButton() {
  const button = $("#sound");
  button.setAttribute("aria-pressed", String(announcer.muted));
  button.classList.toggle("muted", announcer.muted);
  $("#sound-label").textContent = announcer.muted ? "Bật tiếng · Sound on" : "Tắt tiếng · Mute";
}

function toggleMute() {
  announcer.setMuted(!announcer.muted);
  localStorage.setItem(muteKey, announcer.muted ? "1" : "0");
  renderSoundButton();
  if (!announcer.muted) announcer.probe();
}

// -- filters ----------------------------------------------------------------------------
function counterShown(number) {
  return !config.counters.length || config.counters.includes(number);
}

function serviceShown(service) {
  if (!config.services.length) return true;
  const keys = [String(service.service_id ?? service.id ?? ""), String(service.service_code ?? service.code ?? ""),
    String(service.prefix ?? "")].map((k) => k.toUpperCase());
  return keys.some((k) => k && config.services.includes(k));
}

// -- rendering ----------------------------------------------------------------------------
function counterLabel(counter) {
  // "Quầy 1 – Hộ tịch" -> "Hộ tịch": the number is shown on its own
  const name = (counter.name || "").replace(/^\s*quầy\s*\d+\s*[–—:-]?\s*/i, "");
  return name;
}

function buildTiles() {
  const root = $("#counters");
  root.replaceChildren();
  state.tiles.clear();
  const groups = config.sections.length
    ? config.sections
    : [{ title: "", counters: [...state.counters.keys()] }];
  for (const group of groups) {
    const numbers = group.counters.filter((n) => state.counters.has(n));
    const grid = el("div", { class: "tiles" });
    const section = el("section", { class: "group" }, group.title ? el("h2", { text: group.title }) : null, grid);
    section.style.flexGrow = String(Math.max(1, Math.ceil(numbers.length / 3)));
    for (const n of numbers) {
      const tile = el("div", { class: "tile", dataset: { counter: String(n) } },
        el("div", { class: "tile-head" }, el("span", { class: "tile-label", text: "Quầy" }),
          el("span", { class: "tile-number", text: String(n) })),
        el("div", { class: "tile-code" }),
        el("div", { class: "tile-sub" }));
      grid.append(tile);
      state.tiles.set(n, tile);
      renderTile(n);
    }
    root.append(section);
  }
  layoutTiles();
}

function layoutTiles() {
  for (const grid of document.querySelectorAll(".tiles")) {
    const n = grid.children.length;
    if (!n) continue;
    const width = grid.clientWidth || 1;
    const height = grid.clientHeight || 1;
    let best = 1;
    let bestSize = 0;
    for (let cols = 1; cols <= n; cols += 1) {
      const rows = Math.ceil(n / cols);
      const size = Math.min(width / cols, (height / rows) * 1.5);
      if (size > bestSize + 1) {
        bestSize = size;
        best = cols;
      }
    }
    grid.style.gridTemplateColumns = `repeat(${best}, minmax(0, 1fr))`;
    grid.style.gridTemplateRows = `repeat(${Math.ceil(n / best)}, minmax(0, 1fr))`;
  }
}

function renderTile(number) {
  const tile = state.tiles.get(number);
  const counter = state.counters.get(number);
  if (!tile || !counter) return;
  tile.classList.toggle("paused", counter.state === "paused");
  tile.classList.toggle("closed", counter.state === "closed");
  const code = tile.querySelector(".tile-code");
  const sub = tile.querySelector(".tile-sub");
  if (counter.state === "paused") {
    code.textContent = counter.current ? counter.current.code : "—";
    sub.textContent = "Tạm dừng · Paused";
  } else if (counter.state === "closed") {
    code.textContent = "—";
    sub.textContent = "Đóng · Closed";
  } else if (counter.current) {
    code.textContent = counter.current.code;
    sub.textContent = counterLabel(counter);
  } else {
    code.textContent = "—";
    sub.textContent = counterLabel(counter);
  }
  code.classList.toggle("empty", code.textContent === "—");
}

// How many rows of recent calls fit; measured after a layout change, not at every call.
let callRowsFit = null;

function measureCallRows() {
  const list = $("#calls");
  const row = list.firstElementChild;
  if (!row || !row.offsetHeight) return;
  callRowsFit = Math.max(1, Math.floor((list.clientHeight + 1) / row.offsetHeight));
}

function renderCalls() {
  const list = $("#calls");
  const rows = Math.min(config.calls, callRowsFit ?? config.calls);
  list.replaceChildren(...state.calls.slice(0, rows).map((c, i) =>
    el("li", { class: i === 0 ? "latest" : "", dataset: { eventId: String(c.event_id) } },
      el("span", { class: "c-code", text: c.code }),
      el("span", { class: "c-arrow", text: "→" }),
      el("span", { class: "c-counter", text: `Quầy ${c.counter_number}` }),
      // generic on the ticket's channel: never who the citizen is
      c.channel === "appointment" ? el("span", { class: "c-mark", text: "Khách hẹn trước" }) : null)));
  if (callRowsFit === null && list.firstElementChild) {
    requestAnimationFrame(() => {
      measureCallRows();
      if (callRowsFit !== null && list.children.length > callRowsFit) renderCalls();
    });
  }
  const latest = state.calls[0];
  $("#now-code").textContent = latest ? latest.code : "—";
  $("#now-counter").textContent = latest ? `đến Quầy ${latest.counter_number} · Counter ${latest.counter_number}` : " ";
}

function renderWaiting() {
  const rows = state.waiting.filter(serviceShown).map((s) =>
    el("tr", { dataset: { service: s.code } },
      el("td", { class: "w-prefix", text: s.prefix }),
      el("td", { class: "w-name" }, el("span", { text: s.name_vi }), el("small", { lang: "en", text: s.name_en || "" })),
      el("td", { class: "w-count", text: String(s.waiting) })));
  $("#waiting").replaceChildren(...rows);
  fitWaiting();
}

// Many services or long names: the waiting list's type steps down until every row fits.
function fitWaiting() {
  const panel = $("#waiting-panel");
  let scale = 1;
  panel.style.setProperty("--w-scale", "1");
  while (panel.scrollHeight > panel.clientHeight + 1 && scale > 0.55) {
    scale -= 0.05;
    panel.style.setProperty("--w-scale", scale.toFixed(2));
  }
}

function renderClock() {
  const tz = state.site ? state.site.timezone : "Asia/Ho_Chi_Minh";
  const now = serverNow();
  setText($("#clock"), clockText(now, tz)); // checked every second, redrawn once a minute
  setText($("#date"), dateTextVi(now, tz));
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// The notice line: this screen's ?notice= when given, else the site's (set in /admin, followed
// live through hall.notice_changed), else the default greeting.
function noticeText() {
  if (config.notice !== null) return config.notice;
  const own = state.site && state.site.notice;
  return own || DEFAULT_NOTICE;
}

function renderNotice() {
  const box = $("#notice-box");
  const text = (noticeText() || "").trim();
  if (box.dataset.text === text && box.dataset.shown === "1") return;
  box.dataset.text = text;
  box.dataset.shown = "1";
  box.hidden = !text;
  $("#notice").textContent = text;
  requestAnimationFrame(() => {
    const track = box.querySelector(".notice-track");
    const distance = track.scrollWidth + box.clientWidth;
    const seconds = Math.max(10, distance / 110);
    track.style.animationDuration = `${seconds}s`;
    track.style.animationTimingFunction = `steps(${Math.round(seconds * 30)})`;
  });
}

function setStatus(status) {
  const box = $("#status");
  box.dataset.state = status;
  box.textContent = {
    live: "",
    connecting: "Đang kết nối… · Connecting…",
    reconnecting: "Mất kết nối, đang kết nối lại… · Reconnecting…",
    stale: "Không nhận được tin trực tiếp, màn hình có thể chưa cập nhật · No live updates: this screen may be out of date",
  }[status] ?? "";
  document.body.dataset.stream = status;
}

// -- state from the snapshot and the stream -------------------------------------------------
function snapshotUrl() {
  const q = new URLSearchParams();
  if (config.site) q.set("site", config.site);
  if (config.counters.length) q.set("counters", config.counters.join(","));
  q.set("calls", String(config.services.length ? 100 : config.calls));
  return `/api/v1/display/snapshot?${q}`;
}

function applySnapshot(snap, { initial }) {
  setServerTime(snap.now);
  const noticeBefore = state.site ? state.site.notice : undefined;
  state.site = snap.site;
  if (snap.site.notice !== noticeBefore) renderNotice();
  $("#site-name").textContent = snap.site.name;
  document.title = `${snap.site.name} — Màn hình sảnh`;
  const known = new Set(state.counters.keys());
  state.counters.clear();
  state.byId.clear();
  for (const c of snap.counters) {
    state.counters.set(c.number, {
      ...c,
      current: c.current && { ...c.current, service_name_vi: c.current.service_name_vi || "" },
    });
    state.byId.set(c.id, c.number);
  }
  state.waiting = snap.waiting;
  const sameCounters = known.size === state.counters.size && [...known].every((n) => state.counters.has(n));
  if (initial || !sameCounters) buildTiles();
  else for (const n of state.counters.keys()) renderTile(n);
  // the last calls: keep those already shown, add any the stream did not bring
  const calls = new Map(state.calls.map((c) => [c.event_id, c]));
  const seen = state.stream ? state.stream.lastEventId : null;
  for (const c of snap.last_calls) {
    if (!serviceShown(c)) continue;
    // a call newer than the stream's position is left to the stream, which flashes and announces it
    if (!initial && seen !== null && c.event_id > seen) continue;
    if (!calls.has(c.event_id)) calls.set(c.event_id, { ...c, ticket_id: null });
  }
  state.calls = dedupeCalls([...calls.values()].sort((a, b) => b.event_id - a.event_id));
  renderCalls();
  renderWaiting();
}

function dedupeCalls(calls) {
  // one row per ticket and counter: a recall moves the row to the top instead of adding one
  const seen = new Set();
  return calls.filter((c) => {
    const key = `${c.code}@${c.counter_number}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function adjustWaiting(serviceId, delta) {
  const row = state.waiting.find((s) => s.service_id === serviceId);
  if (!row) return;
  row.waiting = Math.max(0, row.waiting + delta);
  renderWaiting();
}

let reconcileTimer = null;
function reconcileSoon(delayMs = 1500) {
  clearTimeout(reconcileTimer);
  reconcileTimer = setTimeout(reconcile, delayMs + Math.random() * 500);
}

async function reconcile() {
  clearTimeout(reconcileTimer);
  reconcileTimer = setTimeout(reconcile, RECONCILE_MS + Math.random() * 5000);
  let snap;
  try {
    snap = await api("GET", snapshotUrl());
  } catch (err) {
    return;
  }
  const seen = state.stream ? state.stream.lastEventId : null;
  if (seen !== null && snap.last_event_id < seen) {
    // the snapshot predates an event already shown; or the server's log was reset (a new
    // database): after two such answers in a row start again from scratch
    state.staleSnapshots += 1;
    if (state.staleSnapshots >= 2) location.reload();
    else reconcileSoon(2000);
    return;
  }
  state.staleSnapshots = 0;
  applySnapshot(snap, { initial: false });
}

function onEvent(ev) {
  const d = ev.data || {};
  const number = d.counter_number ?? (ev.counter_id != null ? state.byId.get(ev.counter_id) : undefined);
  const counter = number !== undefined ? state.counters.get(number) : undefined;
  switch (ev.kind) {
    case "ticket.called":
    case "ticket.recalled": {
      if (ev.kind === "ticket.called") adjustWaiting(d.service_id, -1);
      if (number === undefined || !counterShown(number)) return;
      // the codes first, then what needs layout (flashes, fitting the list)
      if (!counter) {
        reconcileSoon(0); // a counter this screen does not know yet
      } else {
        counter.current = { ticket_id: ev.ticket_id, code: d.code, state: "called", service_code: d.service_code,
          service_name_vi: d.service_name_vi };
        if (counter.state !== "open") counter.state = "open";
        renderTile(number);
      }
      const listed = serviceShown(d);
      if (listed) {
        $("#now-code").textContent = d.code;
        $("#now-counter").textContent = `đến Quầy ${number} · Counter ${number}`;
      }
      if (counter) flash(state.tiles.get(number));
      if (!listed) return;
      state.calls = dedupeCalls([{ event_id: ev.id, kind: ev.kind, ticket_id: ev.ticket_id, code: d.code,
        counter_number: number, service_code: d.service_code, at: ev.at, channel: d.channel },
        ...state.calls]).slice(0, 50);
      renderCalls();
      flash($("#now-calling"));
      // spoken only while still true: the ticket still called here, the call still recent
      const stillCurrent = () => {
        const c = state.counters.get(number);
        return Boolean(c && c.current && c.current.code === d.code && c.current.state === "called");
      };
      announcer.announce(d.code, number, { at: Date.parse(ev.at), stillCurrent });
      return;
    }
    case "ticket.serving":
      if (counter && counter.current && counter.current.ticket_id === ev.ticket_id) {
        counter.current.state = "serving";
        renderTile(number);
      }
      return;
    case "ticket.finished":
    case "ticket.no_show":
    case "ticket.transferred":
    case "ticket.cancelled":
    case "ticket.expired":
      if (counter && counter.current && counter.current.ticket_id === ev.ticket_id) {
        counter.current = null;
        renderTile(number);
      }
      if (ev.kind === "ticket.cancelled" || ev.kind === "ticket.expired") reconcileSoon();
      return;
    case "ticket.issued":
      // a number taken from a phone waits outside the queue until it checks in
      if (d.state !== "absent") adjustWaiting(d.service_id, +1);
      return;
    case "ticket.checked_in":
    case "ticket.queued":
    case "ticket.requeued":
      adjustWaiting(d.service_id, +1);
      return;
    case "counter.opened":
    case "counter.paused":
    case "counter.closed":
      if (!counter) {
        if (number !== undefined && counterShown(number)) reconcileSoon(0);
        return;
      }
      counter.state = d.state || ev.kind.slice("counter.".length).replace("opened", "open");
      if (counter.state === "closed") counter.current = null;
      renderTile(number);
      return;
    case "hall.notice_changed":
      if (state.site) state.site.notice = d.notice || "";
      renderNotice();
      return;
    default:
      if (ev.kind.startsWith("hall.")) reconcileSoon();
  }
}

// -- start ----------------------------------------------------------------------------------
function showFatal(message) {
  const box = $("#fatal");
  box.hidden = !message;
  box.textContent = message || "";
}

async function start() {
  for (const panel of ["counters", "calls", "waiting"]) {
    document.body.classList.toggle(`hide-${panel}`, !config.show.includes(panel));
  }
  renderSoundButton();
  if (config.notice !== null) renderNotice(); // else once the snapshot names the site's
  renderClock();
  setInterval(renderClock, 1000);
  let snap = null;
  while (!snap) {
    try {
      snap = await api("GET", snapshotUrl());
      showFatal("");
    } catch (err) {
      const detail = err instanceof ApiError ? err.detail : String(err);
      showFatal(`Không tải được dữ liệu sảnh: ${detail} — đang thử lại…`);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  applySnapshot(snap, { initial: true });
  const q = new URLSearchParams({ site: String(snap.site.id), kinds: "ticket.,counter.,hall." });
  state.stream = new EventStream(`/api/v1/events?${q}`, {
    lastEventId: snap.last_event_id,
    onEvent,
    onStatus: setStatus,
  });
  for (const c of snap.last_calls) state.stream.markSeen(c.event_id);
  state.stream.start();
  reconcileTimer = setTimeout(reconcile, RECONCILE_MS + Math.random() * 5000);
  announcer.probe();
  window.motcuaHall = { state, config, announcer }; // for tests and troubleshooting in the console
}

$("#sound").addEventListener("click", (e) => { e.stopPropagation(); toggleMute(); });
$("#unlock-button").addEventListener("click", () => announcer.unlock());
document.addEventListener("click", () => { if (announcer.blocked) announcer.unlock(); });
document.addEventListener("keydown", (e) => {
  if (announcer.blocked) announcer.unlock();
  if (e.key === "m" || e.key === "M") toggleMute();
});
window.addEventListener("resize", () => { layoutTiles(); fitWaiting(); });
// the rows that fit change with the fonts loading and the waiting list growing: only whole rows
function fitCalls() {
  callRowsFit = null;
  renderCalls();
  measureCallRows();
  renderCalls();
}
new ResizeObserver(fitCalls).observe($("#calls-panel"));
document.fonts.ready.then(() => {
  layoutTiles();
  fitCalls();
  fitWaiting();
});
start();
