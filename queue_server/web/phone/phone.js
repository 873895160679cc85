// The citizen's live position page: /t/{id}?k=KEY, opened from the QR code on the slip.
//
// The server renders the ticket into the page (code, service, state, and the position answer
// as JSON in #initial). From then on the page follows the hall's anonymous event stream (the
// public projection: codes, counters, services, states) and re-reads its own position
// (GET /api/v1/tickets/{id}/position?k=KEY) when something in the hall moved. It recovers by
// itself: the stream resumes with Last-Event-ID after any disconnect, and the position is read
// again whenever the stream comes back, the page becomes visible again (a phone waking up) or
// the network returns. When the ticket is called the counter is shown in large type, the phone
// vibrates and, if the citizen allowed it with the button, a system notification appears.

import { EventStream } from "/static/js/stream.js";

const TEXT = {
  vi: {
    title: "Lượt của Ông/Bà",
    other: "English",
    your_number: "Số thứ tự của Ông/Bà",
    counter: "Quầy",
    ahead: "Số người chờ trước Ông/Bà",
    wait: "Thời gian chờ dự kiến",
    alert_n: "Báo trước khi còn",
    people: "người",
    keep_open: "Hãy để trang này mở: khi đến lượt, điện thoại sẽ rung và trang hiện số quầy.",
    notify: "Báo cho tôi khi đến lượt",
    notify_on: "Thông báo đã bật: khi đến lượt, điện thoại sẽ báo cho Ông/Bà.",
    notify_denied: "Trình duyệt đang chặn thông báo của trang này. Ông/Bà có thể cho phép lại trong phần cài đặt trang.",
    notify_unsupported: "Đã bật: khi đến lượt, điện thoại sẽ rung và trang hiện số quầy (trình duyệt này không hiện được thông báo hệ thống).",
    states: {
      waiting: "Đang chờ đến lượt",
      called: "Đến lượt Ông/Bà! Xin mời đến",
      serving: "Ông/Bà đang được phục vụ tại",
      finished: "Đã phục vụ xong",
      no_show: "Ông/Bà đã được gọi nhưng không có mặt",
      cancelled: "Số này đã bị huỷ",
      expired: "Số này đã hết hạn",
      transferred: "Số này đã được chuyển",
      absent: "Chưa có mặt",
    },
    next: {
      absent: "Số của Ông/Bà chỉ được gọi sau khi xác nhận có mặt tại trung tâm. Hãy đến trước {t} và nhập mã dưới đây tại ki-ốt (mục “Tôi đã đặt lịch / đã lấy số từ xa”), hoặc quét mã QR ở cửa vào bằng điện thoại này.",
      expired_remote: "Số này đã hết hạn vì chưa xác nhận có mặt đúng giờ. Hãy lấy số mới tại ki-ốt khi đến trung tâm.",
      finished: "Cảm ơn Ông/Bà! Nếu cần làm thủ tục khác, hãy lấy số mới tại ki-ốt.",
      no_show_at: "Nếu Ông/Bà vẫn cần làm thủ tục hôm nay, hãy đến quầy {n} và báo cán bộ để được xếp lại lượt với số này, hoặc lấy số mới tại ki-ốt.",
      no_show: "Nếu Ông/Bà vẫn cần làm thủ tục hôm nay, hãy báo cán bộ tại quầy hướng dẫn để được xếp lại lượt với số này, hoặc lấy số mới tại ki-ốt.",
      cancelled: "Nếu Ông/Bà vẫn cần làm thủ tục, hãy lấy số mới tại ki-ốt hoặc hỏi cán bộ tại quầy hướng dẫn.",
      expired: "Số này thuộc một ngày làm việc đã qua. Hãy lấy số mới tại ki-ốt.",
      transferred: "Hãy hỏi cán bộ tại quầy hướng dẫn.",
      moved: "Ông/Bà đã được chuyển sang dịch vụ này; số của Ông/Bà giữ nguyên.",
      recalled: "Ông/Bà được gọi lại lần {n}. Xin mời đến quầy ngay.",
    },
    wait_unknown: "Chưa có quầy mở cho dịch vụ này",
    wait_soon: "Sắp đến lượt",
    wait_min: "Khoảng {m} phút",
    wait_hours: "Khoảng {h} giờ {m} phút",
    wait_hour: "Khoảng {h} giờ",
    live: "Đang cập nhật trực tiếp",
    connecting: "Đang kết nối…",
    reconnecting: "Mất kết nối, đang thử lại…",
    offline: "Điện thoại đang mất mạng; trang sẽ tự cập nhật khi có mạng.",
    updated: "Cập nhật lúc {t}",
    gone: "Không còn tìm thấy số này. Hãy hỏi cán bộ tại quầy hướng dẫn.",
    called_title: "Đến lượt Ông/Bà: số {code}",
    called_body: "Xin mời đến quầy {n}.",
    near_title: "Sắp đến lượt số {code}",
    near_body: "Còn {n} người trước Ông/Bà.",
    near_banner: "Sắp đến lượt: còn {n} người trước Ông/Bà. Hãy đến gần khu vực các quầy.",
    checkin_code: "Mã xác nhận có mặt",
    waiting_now: "Số người đang chờ lúc này",
  },
  en: {
    title: "Your turn",
    other: "Tiếng Việt",
    your_number: "Your number",
    counter: "Counter",
    ahead: "People ahead of you",
    wait: "Expected wait",
    alert_n: "Alert me when",
    people: "are ahead",
    keep_open: "Keep this page open: when it is your turn the phone vibrates and the page shows your counter.",
    notify: "Alert me when it is my turn",
    notify_on: "Notifications are on: your phone will tell you when it is your turn.",
    notify_denied: "The browser blocks notifications from this page. You can allow them again in the site settings.",
    notify_unsupported: "On: when it is your turn the phone vibrates and the page shows your counter (this browser cannot show system notifications).",
    states: {
      waiting: "Waiting for your turn",
      called: "Your turn! Please go to",
      serving: "You are being served at",
      finished: "Your visit is complete",
      no_show: "You were called but were not there",
      cancelled: "This number was cancelled",
      expired: "This number has expired",
      transferred: "This number was moved",
      absent: "Not checked in yet",
    },
    next: {
      absent: "Your number is called only after you check in at the hall. Come before {t} and type the code below at the kiosk (“I have an appointment / a remote number”), or scan the QR code at the entrance with this phone.",
      expired_remote: "This number expired because it was not checked in in time. Please take a new number at the kiosk when you come.",
      finished: "Thank you! For another procedure, take a new number at the kiosk.",
      no_show_at: "If you still need the service today, go to counter {n} and ask the staff to put this number back in the queue, or take a new number at the kiosk.",
      no_show: "If you still need the service today, ask at the information desk to put this number back in the queue, or take a new number at the kiosk.",
      cancelled: "If you still need the service, take a new number at the kiosk or ask at the information desk.",
      expired: "This number belongs to an earlier working day. Please take a new number at the kiosk.",
      transferred: "Please ask at the information desk.",
      moved: "You were moved to this service; your number stays the same.",
      recalled: "You are called again ({n}). Please go to the counter now.",
    },
    wait_unknown: "No counter is open for this service yet",
    wait_soon: "Almost your turn",
    wait_min: "About {m} min",
    wait_hours: "About {h} h {m} min",
    wait_hour: "About {h} h",
    live: "Live",
    connecting: "Connecting…",
    reconnecting: "Connection lost, retrying…",
    offline: "The phone is offline; the page updates by itself when the network is back.",
    updated: "Updated at {t}",
    gone: "This number can no longer be found. Please ask at the information desk.",
    called_title: "Your turn: number {code}",
    called_body: "Please go to counter {n}.",
    near_title: "Number {code}: almost your turn",
    near_body: "{n} people ahead of you.",
    near_banner: "Almost your turn: {n} people ahead of you. Please move close to the counters.",
    checkin_code: "Check-in code",
    waiting_now: "People waiting now",
  },
};

const FINAL = new Set(["finished", "cancelled", "expired", "transferred"]);
const KIND_STATE = {
  "ticket.called": "called", "ticket.recalled": "called", "ticket.serving": "serving",
  "ticket.finished": "finished", "ticket.no_show": "no_show", "ticket.cancelled": "cancelled",
  "ticket.expired": "expired", "ticket.requeued": "waiting", "ticket.checked_in": "waiting",
};
const VIBRATE_CALLED = [400, 150, 400, 150, 800];
const VIBRATE_NEAR = [250, 120, 250];
const REFRESH_EVERY_MS = 30000;

const $ = (sel) => document.querySelector(sel);
const pathId = location.pathname.split("/").filter(Boolean).pop();
const params = new URLSearchParams(location.search);
const key = params.get("k") || "";
const positionUrl = `/api/v1/tickets/${encodeURIComponent(pathId)}/position?k=${encodeURIComponent(key)}`;
const storeKey = (name) => `motcua.phone.${pathId}.${name}`;

function stored(name, fallback = null) {
  try { return localStorage.getItem(name) ?? fallback; } catch (err) { return fallback; }
}
function store(name, value) {
  try {
    if (value === null || value === "") localStorage.removeItem(name);
    else localStorage.setItem(name, value);
  } catch (err) { /* private mode: the choice lasts as long as the page */ }
}

const initial = JSON.parse($("#initial").textContent);
const state = {
  ticket: initial.ticket,
  peopleAhead: initial.people_ahead,
  waitS: initial.estimated_wait_s,
  siteId: initial.site_id,
  remote: initial.remote || null, // a number taken from a phone: its check-in code and window
  gone: false,
  lang: ["vi", "en"].includes(params.get("lang")) ? params.get("lang") : (stored("motcua.phone.lang") === "en" ? "en" : "vi"),
  alertN: parseInt(stored(storeKey("alert-n"), ""), 10) || null,
  stream: "connecting",
  online: navigator.onLine !== false,
  updatedAt: Date.now(),
  alerted: new Set(), // "called:<id>:<call_count>", "near:<id>:<n>": each alert once
  notifications: 0, // how many system notifications this page has shown (tests read it)
};
// a call already on screen when the page opens is not announced again
if (state.ticket.state === "called") state.alerted.add(`called:${state.ticket.id}:${state.ticket.call_count}`);

function t(name, values = {}) {
  let text = name.split(".").reduce((o, k) => (o ? o[k] : undefined), TEXT[state.lang]) ?? name;
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

function waitText(seconds) {
  if (seconds === null || seconds === undefined) return t("wait_unknown");
  const minutes = Math.max(0, Math.ceil(seconds / 60));
  if (minutes <= 1) return t("wait_soon");
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h) return t("wait_min", { m: minutes });
  return m ? t("wait_hours", { h, m }) : t("wait_hour", { h });
}

function nextStep(ticket) {
  switch (ticket.state) {
    case "absent":
      return t("next.absent", { t: state.remote ? timeText(state.remote.checkin_until) : "" });
    case "expired":
      return state.remote && !state.remote.checked_in_at ? t("next.expired_remote") : t("next.expired");
    case "finished": case "cancelled": case "transferred":
      return t(`next.${ticket.state}`);
    case "no_show":
      return ticket.counter_number ? t("next.no_show_at", { n: ticket.counter_number }) : t("next.no_show");
    case "called":
      return ticket.call_count > 1 ? t("next.recalled", { n: ticket.call_count }) : "";
    case "waiting":
      return ticket.transfer_origin_id ? t("next.moved") : "";
    default:
      return "";
  }
}

function timeText(iso) {
  return new Date(iso).toLocaleTimeString(state.lang === "en" ? "en-GB" : "vi-VN", { hour: "2-digit", minute: "2-digit" });
}

function renderStatic() {
  document.documentElement.lang = state.lang;
  $("#lang").textContent = t("other");
  $("#lang").lang = state.lang === "vi" ? "en" : "vi";
  for (const [id, name] of [["#t-title", "title"], ["#t-your-number", "your_number"], ["#t-counter", "counter"],
    ["#t-ahead", "ahead"], ["#t-wait", "wait"], ["#t-alert-n", "alert_n"], ["#t-people", "people"],
    ["#t-keep-open", "keep_open"], ["#notify", "notify"]]) {
    $(id).textContent = t(name);
  }
  $("#alert-n").value = state.alertN ? String(state.alertN) : "";
  renderNotifyState();
}

function render() {
  const tk = state.ticket;
  const s = state.gone ? "not-found" : tk.state;
  document.body.dataset.state = s;
  $("#code").textContent = tk.code;
  $("#service").textContent = (state.lang === "en" && tk.service_name_en) || tk.service_name_vi || "";
  $("#state-words").textContent = state.gone ? t("gone") : t(`states.${tk.state}`);
  const atCounter = !state.gone && (tk.state === "called" || tk.state === "serving") && tk.counter_number;
  $("#counter-box").hidden = !atCounter;
  $("#counter").textContent = atCounter ? String(tk.counter_number) : "–";
  const next = state.gone ? "" : nextStep(tk);
  $("#next-step").hidden = !next;
  $("#next-step").textContent = next;
  const waiting = !state.gone && tk.state === "waiting";
  const absent = !state.gone && tk.state === "absent";
  $("#checkin-box").hidden = !(absent && state.remote);
  $("#t-checkin-code").textContent = t("checkin_code");
  $("#checkin-code").textContent = state.remote ? state.remote.checkin_code : "";
  $("#t-ahead").textContent = absent ? t("waiting_now") : t("ahead");
  $("#facts").hidden = !(waiting || absent);
  $("#ahead").textContent = String(state.peopleAhead ?? "–");
  $("#wait").textContent = waitText(state.waitS);
  $("#wait").classList.toggle("ph-unknown", state.waitS === null || state.waitS === undefined);
  $("#alerts").hidden = !waiting;
  const near = waiting && state.alertN && state.peopleAhead !== null && state.peopleAhead <= state.alertN;
  $("#alert-banner").hidden = !near;
  if (near) $("#alert-banner").textContent = t("near_banner", { n: state.peopleAhead });
  document.title = `${tk.code} — ${atCounter ? `${t("counter")} ${tk.counter_number}` : t(`states.${tk.state}`)}`;
  renderLive();
}

function renderLive() {
  const status = !state.online ? "offline" : state.stream === "live" ? "live" : state.stream === "connecting"
    ? "connecting" : "reconnecting";
  document.body.dataset.stream = status;
  $("#live").textContent = t(status);
  // a lost connection is said at the top, where it is seen; the first connection is not news
  $("#net").hidden = status === "live" || status === "connecting";
  $("#net").textContent = t(status);
  const time = new Date(state.updatedAt).toLocaleTimeString(state.lang === "en" ? "en-GB" : "vi-VN",
    { hour: "2-digit", minute: "2-digit" });
  $("#updated").textContent = t("updated", { t: time });
}

// -- alerts: vibration and system notifications ------------------------------------------------

function vibrate(pattern) {
  try {
    if (navigator.vibrate) navigator.vibrate(pattern);
  } catch (err) { /* not allowed before the first touch on some browsers */ }
}

function notificationsUsable() {
  return "Notification" in window && window.isSecureContext;
}

function notify(title, body) {
  if (!notificationsUsable() || Notification.permission !== "granted") return;
  const options = { body, tag: `motcua-ticket-${pathId}`, renotify: true, icon: "/static/favicon.svg",
    lang: state.lang, data: { url: location.href } };
  state.notifications += 1;
  try {
    const note = new Notification(title, options);
    note.onclick = () => { window.focus(); note.close(); };
  } catch (err) {
    // Android's Chrome shows notifications only through a service worker
    if (navigator.serviceWorker) {
      navigator.serviceWorker.getRegistration("/t/").then((reg) => reg && reg.showNotification(title, options))
        .catch(() => {});
    }
  }
}

function alertOnce(tag, pattern, title, body) {
  if (state.alerted.has(tag)) return;
  state.alerted.add(tag);
  vibrate(pattern);
  notify(title, body);
}

function checkAlerts() {
  const tk = state.ticket;
  if (tk.state === "called") {
    alertOnce(`called:${tk.id}:${tk.call_count}`, VIBRATE_CALLED, t("called_title", { code: tk.code }),
      t("called_body", { n: tk.counter_number ?? "?" }));
  } else if (tk.state === "waiting" && state.alertN && state.peopleAhead !== null && state.peopleAhead <= state.alertN) {
    alertOnce(`near:${tk.id}:${state.alertN}`, VIBRATE_NEAR, t("near_title", { code: tk.code }),
      t("near_body", { n: state.peopleAhead }));
  }
}

// Browsers let a page vibrate only after the citizen touched it once, and ask for notifications
// only on a button press: one button does both ("alert me when it is my turn").
function touched() {
  return !navigator.userActivation || navigator.userActivation.hasBeenActive;
}

function renderNotifyState() {
  const button = $("#notify");
  const note = $("#notify-state");
  const usable = notificationsUsable();
  const permission = usable ? Notification.permission : "unsupported";
  button.hidden = !(permission === "default" || !touched());
  note.textContent = permission === "granted" ? t("notify_on") : permission === "denied" ? t("notify_denied")
    : permission === "unsupported" && touched() ? t("notify_unsupported") : "";
}

async function askNotifications() {
  vibrate(60); // the touch that allows vibrating later; the short buzz says it works
  if (notificationsUsable() && Notification.permission !== "denied") { // (already granted: answers at once)
    try {
      await Notification.requestPermission();
    } catch (err) { /* an old browser's callback form: its answer shows in Notification.permission */ }
    if (Notification.permission === "granted" && navigator.serviceWorker) {
      navigator.serviceWorker.register("/t/sw.js", { scope: "/t/" }).catch(() => {});
    }
  }
  renderNotifyState();
}

// -- the position answer and the event stream --------------------------------------------------

function apply(position) {
  state.ticket = position.ticket; // after a transfer: the ticket that carries the code on
  state.peopleAhead = position.people_ahead;
  state.waitS = position.estimated_wait_s;
  if (position.remote) state.remote = position.remote;
  if (position.site_id) state.siteId = position.site_id;
  state.gone = false;
  state.updatedAt = Date.now();
  render();
  checkAlerts();
}

let reading = null;
let again = false;
let ownEvents = 0; // events of this ticket applied so far

async function refresh() {
  if (reading) { again = true; return reading; }
  reading = (async () => {
    const seq = ownEvents;
    try {
      const res = await fetch(positionUrl, { headers: { Accept: "application/json" }, cache: "no-store",
        credentials: "omit" });
      const body = res.ok ? await res.json() : null;
      if (seq !== ownEvents) {
        again = true; // an event of this ticket came while reading: the answer may be older than it
      } else if (res.status === 404) {
        state.gone = true;
        render();
      } else if (body) {
        apply(body);
      }
    } catch (err) {
      // offline or the server is down: the stream's reconnection brings us back here
    } finally {
      reading = null;
    }
    if (again) { again = false; await refresh(); }
  })();
  return reading;
}

let refreshTimer = null;
let refreshDue = Infinity;

// Something in the hall moved: read the position again, a little later and at a random moment,
// so that the phones of a whole hall do not all ask at the same instant (one read for many events).
function refreshSoon(delayMs = 300 + Math.random() * 1200) {
  const due = Date.now() + delayMs;
  if (refreshTimer !== null && refreshDue <= due) return;
  clearTimeout(refreshTimer);
  refreshDue = due;
  refreshTimer = setTimeout(() => { refreshTimer = null; refreshDue = Infinity; refresh(); }, delayMs);
}

function mine(ev) {
  if (ev.ticket_id !== null && ev.ticket_id !== undefined) return ev.ticket_id === state.ticket.id;
  const d = ev.data || {};
  return !!d.code && d.code === state.ticket.code && !FINAL.has(state.ticket.state);
}

function onEvent(ev) {
  if (state.siteId && ev.site_id && ev.site_id !== state.siteId) return;
  const d = ev.data || {};
  if (ev.kind && ev.kind.startsWith("ticket.") && mine(ev)) {
    ownEvents += 1;
    const next = KIND_STATE[ev.kind];
    if (ev.kind === "ticket.transferred") {
      refreshSoon(0);
      return;
    }
    if (next) {
      const tk = { ...state.ticket, state: next };
      if (d.counter_number !== undefined && d.counter_number !== null) tk.counter_number = d.counter_number;
      if (typeof d.call_count === "number") tk.call_count = d.call_count;
      else if (ev.kind === "ticket.recalled") tk.call_count = (tk.call_count || 0) + 1;
      if (next === "called" && ev.kind === "ticket.called" && typeof d.call_count !== "number") {
        tk.call_count = Math.max(1, (tk.call_count || 0) + 1);
      }
      state.ticket = tk;
      state.updatedAt = Date.now();
      render();
      checkAlerts();
      if (next === "waiting") refreshSoon(0);
    }
    return;
  }
  if (state.ticket.state === "waiting" || state.ticket.state === "absent") refreshSoon();
}

let stream = null;

function onStatus(status) {
  const was = state.stream;
  state.stream = status;
  if (status === "live" && was !== "live") refresh(); // (re)connected: whatever happened meanwhile
  renderLive();
}

function startStream() {
  const last = stream ? stream.lastEventId : null;
  if (stream) stream.stop();
  const q = new URLSearchParams({ kinds: "ticket.,counter." });
  if (state.siteId) q.set("site", String(state.siteId));
  stream = new EventStream(`/api/v1/events?${q}`, { lastEventId: last, onEvent, onStatus });
  stream.start();
  window.motcuaPhone.stream = stream;
}

// -- start ---------------------------------------------------------------------------------------

window.motcuaPhone = { state, refresh, stream: null };

$("#lang").addEventListener("click", () => {
  state.lang = state.lang === "vi" ? "en" : "vi";
  store("motcua.phone.lang", state.lang);
  renderStatic();
  render();
});
$("#alert-n").addEventListener("change", (ev) => {
  state.alertN = parseInt(ev.target.value, 10) || null;
  store(storeKey("alert-n"), state.alertN ? String(state.alertN) : null);
  render();
  renderNotifyState();
  checkAlerts();
});
$("#notify").addEventListener("click", askNotifications);
document.addEventListener("pointerup", () => setTimeout(renderNotifyState, 0)); // a touch allows vibrating

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") { // the phone woke up: the connection may be long dead
    startStream();
    refresh();
  }
});
window.addEventListener("online", () => { state.online = true; startStream(); refresh(); renderLive(); });
window.addEventListener("offline", () => {
  // a stream over a dead network may stay silent for a long while: drop it, resume when back
  state.online = false;
  if (stream) stream.stop();
  renderLive();
});
setInterval(() => {
  if (document.visibilityState === "visible" && ["waiting", "absent"].includes(state.ticket.state)) refresh();
}, REFRESH_EVERY_MS);

renderStatic();
render();
startStream();
