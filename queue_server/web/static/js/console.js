// Clerk console: log in, choose a counter, then call and serve tickets with big buttons or
// one key each (the same letters as the hardware keypads). The counter's state and its
// waiting counts follow the server's event stream; every refusal shows the server's own
// Vietnamese explanation.

import { $, ApiError, api, durationText, el, serverNow, setCsrf, COUNTER_STATE_VI } from "./common.js";
import { EventStream } from "./stream.js";

const KEYS = { n: "next", r: "recall", s: "start", f: "finish", x: "no-show", t: "transfer", p: "pause" };
// Priority classes in the clerk's words (the kiosk asked the citizen; staff only, never public)
const PRIORITY = {
  elderly: ["Người cao tuổi", "Elderly"],
  disabled: ["Người khuyết tật", "Disabled"],
  pregnant: ["Phụ nữ mang thai", "Pregnant"],
  meritorious: ["Người có công", "Person of merit"],
  child: ["Trẻ em", "Child"],
};
const procedureNames = new Map(); // code -> name (read once from the catalogue)
const S = {
  view: "loading",
  me: null,
  counterId: null,
  counter: null,
  stream: null,
  busy: false,
  refreshing: null,
  refreshAgain: false,
  messageTimer: null,
};

// -- views and messages ---------------------------------------------------------------------
function show(view) {
  S.view = view;
  document.body.dataset.view = view;
  for (const name of ["login", "choose", "work"]) $(`#view-${name}`).hidden = name !== view;
  const signedIn = view === "choose" || view === "work";
  $("#logout").hidden = !signedIn;
  $("#change-counter").hidden = view !== "work";
  $("#close-counter").hidden = view !== "work";
  $("#user").textContent = signedIn && S.me ? S.me.name : "";
  if (view !== "work") $("#where").textContent = "";
  if (view === "login") setTimeout(() => $("#username").focus(), 0);
}

function message(kind, vi, en = "", { sticky = kind === "error" } = {}) {
  clearTimeout(S.messageTimer);
  const box = $("#message");
  box.dataset.kind = kind;
  $("#message-vi").textContent = vi;
  $("#message-en").textContent = en && en !== vi ? en : "";
  box.hidden = false;
  if (!sticky) S.messageTimer = setTimeout(clearMessage, 7000);
}

function clearMessage() {
  clearTimeout(S.messageTimer);
  $("#message").hidden = true;
}

function refusal(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      stopStream();
      show("login");
    }
    message("error", err.detail, err.detailEn);
  } else {
    message("error", "Đã có lỗi không mong muốn trên trang. Hãy tải lại trang.",
      `Something unexpected went wrong on the page; please reload it. (${err})`);
  }
}

function storageKey() {
  return `motcua.console.counter.${S.me ? S.me.id : ""}`;
}

// -- log in ---------------------------------------------------------------------------------------
async function boot() {
  try {
    const me = await api("GET", "/api/v1/auth/me");
    S.me = me;
    setCsrf(me.csrf_token);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      show("login");
      return;
    }
    show("login");
    refusal(err);
    return;
  }
  await afterLogin();
}

function loginError(vi, en) {
  $("#login-error").hidden = !vi;
  $("#login-error-vi").textContent = vi || "";
  $("#login-error-en").textContent = en || "";
}

async function login(e) {
  e.preventDefault();
  const button = $("#login-button");
  button.disabled = true;
  button.textContent = "Đang kiểm tra… · Checking…";
  loginError("");
  try {
    const r = await api("POST", "/api/v1/auth/login", {
      username: $("#username").value.trim(),
      password: $("#password").value,
    });
    setCsrf(r.csrf_token);
    S.me = r.user;
    $("#password").value = "";
    clearMessage();
    await afterLogin();
  } catch (err) {
    // beside the button the clerk just pressed, not only in the banner above
    if (err instanceof ApiError) loginError(err.detail, err.detailEn);
    else loginError("Không kết nối được máy chủ.", "Cannot reach the server.");
    $("#password").select();
  } finally {
    button.disabled = false;
    button.textContent = "Đăng nhập";
  }
}

async function afterLogin() {
  const saved = parseInt(localStorage.getItem(storageKey()) || "", 10);
  if (Number.isInteger(saved)) {
    try {
      const counter = await api("GET", `/api/v1/counters/${saved}`);
      if (counter.clerk_id === S.me.id && counter.state !== "closed") {
        enterCounter(counter);
        return;
      }
    } catch (err) {
      // the counter is gone or not ours any more: choose again
    }
  }
  await chooseCounter();
}

async function logout() {
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch (err) {
    // already logged out
  }
  stopStream();
  setCsrf(null);
  S.me = null;
  S.counter = null;
  S.counterId = null;
  clearMessage();
  show("login");
}

// -- choose a counter ---------------------------------------------------------------------------
// The dossier pages this person's role opens (the pages ask the server again, which decides)
const DOSSIER_PAGES = [
  ["/dossiers/reception", "Tiếp nhận hồ sơ", "Dossier reception", ["clerk", "supervisor", "admin"]],
  ["/dossiers/lookup", "Tra cứu hồ sơ", "Dossier lookup", ["clerk", "supervisor", "admin"]],
  ["/dossiers/supervisor", "Giám sát hồ sơ", "Dossier supervision", ["supervisor", "admin"]],
];

function renderDossierLinks() {
  const role = S.me ? S.me.role : "";
  $("#dossier-links").replaceChildren(...DOSSIER_PAGES.filter(([, , , roles]) => roles.includes(role)).map(
    ([href, vi, en]) => el("a", { href, target: "_blank", rel: "noopener" }, el("span", { text: vi }),
      el("span", { lang: "en", text: ` · ${en}` }))));
}

async function chooseCounter() {
  stopStream();
  show("choose");
  renderDossierLinks();
  let counters;
  try {
    counters = await api("GET", "/api/v1/counters");
  } catch (err) {
    refusal(err);
    return;
  }
  const list = $("#counter-list");
  list.replaceChildren(...counters.map((c) => {
    const mine = c.clerk_id === S.me.id;
    const other = c.clerk_id && !mine;
    return el("button", {
      type: "button",
      class: `counter-choice state-${c.state}${mine ? " mine" : ""}${other ? " taken" : ""}`,
      dataset: { counter: String(c.id), number: String(c.number) },
      onclick: () => openCounter(c),
    },
    el("span", { class: "cc-number", text: `Quầy ${c.number}` }),
    el("span", { class: "cc-name", text: c.name || "" }),
    el("span", { class: "cc-services", text: c.services.map((s) => `${s.prefix} ${s.name_vi}`).join(" · ") }),
    el("span", { class: "cc-state", text: other ? `${COUNTER_STATE_VI[c.state]} — ${c.clerk_name}` :
      mine ? `${COUNTER_STATE_VI[c.state]} — bạn` : COUNTER_STATE_VI[c.state] }));
  }));
}

async function openCounter(c) {
  if (S.busy) return;
  S.busy = true;
  try {
    await api("POST", `/api/v1/counters/${c.id}/open`);
    const counter = await api("GET", `/api/v1/counters/${c.id}`);
    clearMessage();
    enterCounter(counter);
  } catch (err) {
    refusal(err);
  } finally {
    S.busy = false;
  }
}

function enterCounter(counter) {
  S.counterId = counter.id;
  S.counter = counter;
  localStorage.setItem(storageKey(), String(counter.id));
  show("work");
  render();
  startStream();
}

async function closeCounter() {
  if (!S.counter || !window.confirm(`Đóng quầy ${S.counter.number}? Quầy sẽ không nhận số mới.\n` +
    `Close counter ${S.counter.number}? It will take no new tickets.`)) return;
  try {
    await api("POST", `/api/v1/counters/${S.counterId}/close`);
    localStorage.removeItem(storageKey());
    message("info", `Đã đóng quầy ${S.counter.number}.`, `Counter ${S.counter.number} closed.`);
    await chooseCounter();
  } catch (err) {
    refusal(err);
  }
}

// -- the counter ------------------------------------------------------------------------------------
function render() {
  const c = S.counter;
  if (!c) return;
  $("#where").replaceChildren(
    el("span", { class: "where-name", text: c.name || `Quầy ${c.number}` }),
    el("span", { class: `where-state state-${c.state}`, text: COUNTER_STATE_VI[c.state] || c.state }));
  document.body.dataset.counterState = c.state;
  const t = c.current;
  $("#current").dataset.state = t ? t.state : "none";
  $("#cur-code").textContent = t ? t.code : "—";
  $("#cur-code").classList.toggle("empty", !t);
  $("#cur-service").textContent = t ? `${t.service_code} · ${t.service_name_vi}` :
    (c.state === "open" ? "Chưa có số nào. Bấm Gọi số tiếp (N)." : c.state === "paused" ?
      "Quầy đang tạm dừng. Bấm Mở lại (P) để tiếp tục." : "Quầy đang đóng.");
  $("#cur-state").textContent = t ? (t.state === "serving" ? "Đang phục vụ" : "Đang mời") : "";
  const manyCalls = Boolean(t && t.state === "called" && t.call_count > 1);
  $("#current").classList.toggle("many-calls", manyCalls);
  $("#cur-calls").textContent = t && t.call_count > 1 ?
    (manyCalls ? `Đã gọi ${t.call_count} lần, chưa đến · Called ${t.call_count} times, not here yet` :
      `Đã gọi ${t.call_count} lần`) : "";
  renderTags(t);
  // the ticket being served: its dossier is received from here, no id typed
  const receive = $("#receive-dossier");
  receive.hidden = !(t && t.state === "serving");
  if (t) receive.href = `/dossiers/reception?ticket_id=${encodeURIComponent(t.id)}`;
  renderTimer();
  const services = c.services || [];
  $("#queue").replaceChildren(...services.map((s) =>
    el("tr", { dataset: { service: s.code } },
      el("td", { class: "q-prefix", text: s.prefix }),
      el("td", { class: "q-name" }, el("span", { text: s.name_vi }), el("span", { class: "q-detail", text: queueDetail(s) })),
      el("td", { class: "q-count", text: String(s.waiting ?? 0) }))));
  const total = services.reduce((n, s) => n + (s.waiting || 0), 0);
  $("#queue-total").textContent = `Tổng cộng ${total} người đang chờ`;
  const pause = c.state === "paused" ? ["Mở lại", "Resume"] : c.state === "closed" ? ["Mở quầy", "Open"] :
    ["Tạm dừng", "Pause"];
  $("#pause-vi").textContent = pause[0];
  $("#pause-en").textContent = pause[1];
  // dim what the server will most likely refuse (it still may be pressed: the server explains why)
  const dim = {
    next: c.state !== "open" || (t && t.state === "called"),
    recall: !t || t.state !== "called",
    start: !t || t.state !== "called",
    finish: !t,
    "no-show": !t || t.state !== "called",
    transfer: !t,
    pause: false,
  };
  for (const button of document.querySelectorAll(".act")) {
    button.classList.toggle("dim", Boolean(dim[button.dataset.action]));
  }
  renderNoShow();
}

// Beside each count: how long the first in line has waited, and how many priority citizens wait
function queueDetail(s) {
  if (!s.waiting) return "";
  const parts = [];
  if (s.longest_wait_since) {
    const minutes = Math.max(0, Math.floor((serverNow() - Date.parse(s.longest_wait_since)) / 60000));
    parts.push(`chờ lâu nhất ${minutes} phút · longest ${minutes} min`);
  }
  if (s.priority_waiting) parts.push(`${s.priority_waiting} ưu tiên · priority`);
  return parts.join(" — ");
}

// How the number was taken, when it is not a walk-in's: from the ticket's channel
const CHANNEL_TAGS = {
  remote: "Lấy số từ xa · Remote number",
  appointment: "Khách hẹn trước · Appointment",
};

function renderTags(t) {
  const tags = [];
  if (t && CHANNEL_TAGS[t.channel]) {
    tags.push(el("span", { class: `tag tag-channel tag-${t.channel}`, text: CHANNEL_TAGS[t.channel] }));
  }
  if (t && t.priority && t.priority !== "normal") {
    const [vi, en] = PRIORITY[t.priority] || [t.priority, t.priority];
    tags.push(el("span", { class: "tag tag-priority", text: `Ưu tiên: ${vi} · ${en}` }));
  }
  if (t && t.procedure_code) {
    const name = procedureNames.get(t.procedure_code);
    tags.push(el("span", { class: "tag tag-procedure", text: name ? `${t.procedure_code} · ${name}` : t.procedure_code }));
    if (name === undefined) {
      procedureNames.set(t.procedure_code, null);
      api("GET", `/api/v1/catalog/procedures/${encodeURIComponent(t.procedure_code)}`).then((p) => {
        procedureNames.set(t.procedure_code, (p.name && p.name.vi) || p.name_vi || "");
        render();
      }, () => {});
    }
  }
  $("#cur-tags").replaceChildren(...tags);
}

// A called citizen may be marked absent after `calls` calls or `seconds` after the first
// call (the hall's rule, from the server): until then the button says how long is left.
function renderNoShow() {
  const c = S.counter;
  const t = c && c.current;
  const rule = c && c.no_show_after;
  const hint = $("#noshow-hint");
  if (!t || t.state !== "called" || !rule) {
    hint.textContent = "";
    return;
  }
  const since = t.first_called_at ? Math.max(0, (serverNow() - Date.parse(t.first_called_at)) / 1000) : 0;
  const left = Math.max(0, Math.ceil(rule.seconds - since));
  const calls = Math.max(0, rule.calls - t.call_count);
  const allowed = calls === 0 || left === 0;
  // short enough for the button; the refusal message spells out the whole rule
  hint.textContent = allowed ? "" : `sau ${left} giây`;
  hint.title = allowed ? "" : `allowed in ${left} s, or after ${calls} more call${calls === 1 ? "" : "s"}`;
  document.querySelector(".act[data-action='no-show']").classList.toggle("dim", !allowed);
}

function renderTimer() {
  renderNoShow();
  const t = S.counter && S.counter.current;
  if (!t) {
    $("#cur-timer").textContent = "";
    return;
  }
  const since = t.state === "serving" ? t.serving_at : t.called_at;
  const seconds = since ? (serverNow() - Date.parse(since)) / 1000 : 0;
  $("#cur-timer").textContent = durationText(seconds);
}

async function refresh() {
  if (!S.counterId) return;
  if (S.refreshing) {
    S.refreshAgain = true;
    return S.refreshing;
  }
  S.refreshing = (async () => {
    try {
      do {
        S.refreshAgain = false;
        const counter = await api("GET", `/api/v1/counters/${S.counterId}`);
        if (S.view === "work" && counter.id === S.counterId) {
          S.counter = counter;
          render();
          if (supervising()) await refreshSupervise().catch((err) => console.warn("supervisor list", err));
          if (S.me && counter.clerk_id && counter.clerk_id !== S.me.id && S.me.role === "clerk") {
            message("error", `Quầy ${counter.number} đang do ${counter.clerk_name} phụ trách.`,
              `Counter ${counter.number} is now staffed by ${counter.clerk_name}.`);
          }
        }
      } while (S.refreshAgain);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) refusal(err);
    } finally {
      S.refreshing = null;
    }
  })();
  return S.refreshing;
}

// -- a supervisor's actions on tickets (each an event with the supervisor's name and reason) ------
const SUPERVISE_ACTIONS = {
  call: { vi: "Gọi tới quầy này", en: "Call here", needsReason: true,
    title: (t) => [`Gọi số ${t.code} tới quầy này, không theo thứ tự`, `Call ${t.code} here, out of turn`],
    run: (t, reason) => api("POST", `/api/v1/counters/${S.counterId}/call`, { ticket_id: t.id, reason }),
    done: (t) => [`Đã gọi số ${t.code} (ngoài thứ tự, đã ghi lý do).`, `Called ${t.code} (out of turn, reason recorded).`] },
  requeue: { vi: "Xếp lại hàng", en: "Requeue", needsReason: false,
    title: (t) => [`Xếp số ${t.code} vào hàng chờ lại`, `Put ${t.code} back in the queue`],
    run: (t, reason) => api("POST", `/api/v1/tickets/${t.id}/requeue`, { reason }),
    done: (t) => [`Số ${t.code} đã được xếp lại hàng chờ.`, `${t.code} is waiting again.`] },
  cancel: { vi: "Huỷ số", en: "Cancel", needsReason: true,
    title: (t) => [`Huỷ số ${t.code}`, `Cancel ${t.code}`],
    run: (t, reason) => api("POST", `/api/v1/tickets/${t.id}/cancel`, { reason }),
    done: (t) => [`Đã huỷ số ${t.code}.`, `${t.code} cancelled.`] },
};

function supervising() {
  return Boolean(S.me && ["supervisor", "admin"].includes(S.me.role));
}

async function refreshSupervise() {
  const box = $("#supervise");
  box.hidden = !supervising();
  if (box.hidden || !S.counter) return;
  const snap = await api("GET", `/api/v1/monitor/snapshot?site=${encodeURIComponent(S.counter.site_id)}`);
  const mine = new Set((S.counter.services || []).map((s) => s.service_id));
  const names = new Map(snap.services.map((s) => [s.id, s]));
  const rows = [
    ...snap.waiting.filter((t) => mine.has(t.service_id)).map((t) => ({ ...t, state: "waiting" })),
    ...snap.no_shows.filter((t) => mine.has(t.service_id)).map((t) => ({ ...t, state: "no_show" })),
  ];
  $("#supervise-empty").hidden = rows.length > 0;
  $("#supervise-list").replaceChildren(...rows.map((t) => {
    const service = names.get(t.service_id);
    const actions = t.state === "waiting" ? ["call", "cancel"] : ["call", "requeue", "cancel"];
    return el("tr", { dataset: { code: t.code, state: t.state } },
      el("td", { class: "s-code", text: t.code }),
      el("td", { class: "s-service", text: service ? service.name_vi : "" }),
      el("td", { class: "s-state", text: t.state === "waiting" ? "Đang chờ · Waiting" : "Vắng mặt · Absent" }),
      el("td", { class: "s-actions" }, ...actions.map((name) => {
        const b = el("button", { type: "button", class: `s-act s-${name}`, dataset: { action: name } },
          el("span", { text: SUPERVISE_ACTIONS[name].vi }), el("span", { lang: "en", text: SUPERVISE_ACTIONS[name].en }));
        b.addEventListener("click", () => askReason(name, t));
        return b;
      })));
  }));
}

function askReason(name, ticket) {
  const action = SUPERVISE_ACTIONS[name];
  const [vi, en] = action.title(ticket);
  $("#reason-title").replaceChildren(el("span", { text: vi }), " ", el("span", { lang: "en", text: en }));
  $("#reason-need").textContent = action.needsReason ? "(bắt buộc · required)" : "(nếu có · optional)";
  $("#reason-text").value = "";
  $("#reason-error").hidden = true;
  S.pendingSupervise = { action, ticket };
  $("#reason-dialog").showModal();
  $("#reason-text").focus();
}

async function confirmReason(e) {
  e.preventDefault();
  const pending = S.pendingSupervise;
  if (!pending) return;
  const reason = $("#reason-text").value.trim();
  if (pending.action.needsReason && !reason) {
    $("#reason-error").hidden = false;
    return;
  }
  $("#reason-dialog").close();
  S.pendingSupervise = null;
  try {
    await pending.action.run(pending.ticket, reason);
    const [vi, en] = pending.action.done(pending.ticket);
    message("success", vi, en);
  } catch (err) {
    refusal(err);
  } finally {
    await refresh();
  }
}

let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 120);
}

// -- live updates ----------------------------------------------------------------------------------
function startStream() {
  stopStream();
  const q = new URLSearchParams({ kinds: "ticket.,counter." });
  S.stream = new EventStream(`/api/v1/events?${q}`, {
    onEvent: (ev) => {
      if (!S.counter) return;
      const mine = ev.counter_id === S.counterId;
      const serviceIds = new Set((S.counter.services || []).map((s) => s.service_id));
      const touches = mine || serviceIds.has(ev.data && ev.data.service_id) ||
        serviceIds.has(ev.data && ev.data.to_service_id);
      if (touches) refreshSoon();
    },
    onStatus: (status) => {
      $("#live").dataset.state = status;
      $("#live").title = { live: "Trực tuyến", connecting: "Đang kết nối…", reconnecting: "Mất kết nối, đang kết nối lại…",
        stale: "Không nhận được tin trực tiếp", unauthorized: "Phiên đăng nhập đã hết" }[status] || status;
      if (status === "live") refreshSoon(); // whatever happened while disconnected
      if (status === "unauthorized") {
        show("login");
        message("error", "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.", "Your session has expired; please log in again.");
      }
    },
  });
  S.stream.start();
}

function stopStream() {
  if (S.stream) S.stream.stop();
  S.stream = null;
  $("#live").dataset.state = "off";
}

// -- actions -----------------------------------------------------------------------------------------
// Actions run one after another in the order pressed (a quick "S" then "N" does both); a few
// presses at most wait, so a stuck key cannot queue up a morning's worth of calls.
const MAX_PENDING = 3;
let pending = 0;
let chain = Promise.resolve();

function act(action) {
  if (S.view !== "work" || !S.counter) return;
  if (action === "transfer") {
    openTransfer();
    return;
  }
  if (pending >= MAX_PENDING) return;
  pending += 1;
  chain = chain.then(() => run(action)).finally(() => { pending -= 1; });
}

async function run(action) {
  if (S.view !== "work" || !S.counter) return;
  const button = document.querySelector(`.act[data-action="${action}"]`);
  S.busy = true;
  button && button.classList.add("busy");
  const c = S.counter;
  const current = c.current;
  const base = `/api/v1/counters/${S.counterId}`;
  try {
    if (action === "next") {
      const called = await api("POST", `${base}/call-next`);
      if (called) message("success", `Đã mời số ${called.code} đến quầy ${c.number}.`,
        `Called ${called.code} to counter ${c.number}.`);
      else message("info", "Không còn ai chờ ở các dịch vụ của quầy này.", "Nobody is waiting for this counter.");
    } else if (action === "pause") {
      const target = c.state === "open" ? "pause" : "open";
      await api("POST", `${base}/${target}`);
      message("info", target === "pause" ? `Quầy ${c.number} tạm dừng: không nhận số mới.` : `Quầy ${c.number} đã mở lại.`,
        target === "pause" ? `Counter ${c.number} paused: no new calls.` : `Counter ${c.number} open again.`);
    } else {
      const body = current ? { ticket_id: current.id } : {};
      const view = await api("POST", `${base}/${action}`, body);
      const done = { recall: [`Đã gọi lại số ${view.code}.`, `Called ${view.code} again.`],
        start: [`Bắt đầu phục vụ số ${view.code}.`, `Serving ${view.code}.`],
        finish: [`Đã hoàn thành số ${view.code}.`, `${view.code} finished.`],
        "no-show": [`Số ${view.code} vắng mặt.`, `${view.code} marked as a no-show.`] }[action];
      message("success", done[0], done[1]);
    }
  } catch (err) {
    refusal(err);
  } finally {
    S.busy = false;
    button && button.classList.remove("busy");
    await refresh();
  }
}

async function openTransfer() {
  const current = S.counter.current;
  if (!current) {
    message("error", `Quầy ${S.counter.number} không có số nào đang phục vụ để chuyển.`,
      `Counter ${S.counter.number} has no current ticket to transfer.`);
    return;
  }
  let services;
  try {
    services = (await api("GET", "/api/v1/kiosk/services")).services;
  } catch (err) {
    refusal(err);
    return;
  }
  // One numbering everywhere: service n is the n-th of the hall in the kiosk's order, here
  // and on the keypads (T n E); the current service keeps its number but is not offered.
  const numbered = services.map((s, i) => ({ ...s, number: i + 1 }));
  const choices = numbered.filter((s) => s.id !== current.service_id);
  $("#transfer-code").textContent = current.code;
  $("#transfer-front").checked = false;
  $("#transfer-list").replaceChildren(...choices.map((s) =>
    el("button", { type: "button", class: "transfer-choice", dataset: { service: String(s.id), number: String(s.number) },
      onclick: () => transfer(s) },
    el("kbd", { class: "tc-number", text: String(s.number) }),
    el("span", { class: "tc-prefix", text: s.prefix }),
    el("span", { class: "tc-name", text: s.name_vi }),
    el("span", { class: "tc-waiting", text: `${s.waiting} chờ` }))));
  S.transferChoices = new Map(choices.map((s) => [s.number, s]));
  $("#transfer-dialog").showModal();
}

function transfer(service) {
  $("#transfer-dialog").close();
  pending += 1;
  chain = chain.then(() => runTransfer(service)).finally(() => { pending -= 1; });
}

async function runTransfer(service) {
  const current = S.counter && S.counter.current;
  if (!current) return;
  S.busy = true;
  try {
    const body = { service_id: service.id, ticket_id: current.id };
    if ($("#transfer-front").checked) body.placement = "front";
    const moved = await api("POST", `/api/v1/counters/${S.counterId}/transfer`, body);
    message("success", `Đã chuyển số ${moved.code} sang dịch vụ ${service.number} · ${service.prefix} ${service.name_vi}.`,
      `Transferred ${moved.code} to service ${service.number} · ${service.prefix} ${service.name_en || service.name_vi}.`);
  } catch (err) {
    refusal(err);
  } finally {
    S.busy = false;
    await refresh();
  }
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if ($("#reason-dialog").open) return; // typing a reason: no shortcuts
  const dialog = $("#transfer-dialog");
  if (dialog.open) {
    const n = parseInt(e.key, 10);
    if (Number.isInteger(n) && S.transferChoices && S.transferChoices.has(n)) {
      e.preventDefault();
      transfer(S.transferChoices.get(n));
    }
    return;
  }
  const tag = (e.target && e.target.tagName) || "";
  if (["INPUT", "TEXTAREA", "SELECT"].includes(tag)) return;
  if (e.key === "Escape") {
    clearMessage();
    return;
  }
  const action = KEYS[e.key.toLowerCase()];
  if (!action || S.view !== "work" || e.repeat) return;
  e.preventDefault();
  const button = document.querySelector(`.act[data-action="${action}"]`);
  if (button) {
    button.classList.add("pressed");
    setTimeout(() => button.classList.remove("pressed"), 150);
  }
  act(action);
}

// -- wiring ------------------------------------------------------------------------------------------
$("#login-form").addEventListener("submit", login);
$("#logout").addEventListener("click", logout);
$("#change-counter").addEventListener("click", chooseCounter);
$("#close-counter").addEventListener("click", closeCounter);
$("#message-close").addEventListener("click", clearMessage);
$("#transfer-cancel").addEventListener("click", () => $("#transfer-dialog").close());
$("#reason-form").addEventListener("submit", confirmReason);
$("#reason-text").addEventListener("input", () => { $("#reason-error").hidden = true; });
$("#reason-cancel").addEventListener("click", () => $("#reason-dialog").close());
for (const button of document.querySelectorAll(".act")) {
  button.addEventListener("click", () => act(button.dataset.action));
}
document.addEventListener("keydown", onKey);
setInterval(renderTimer, 1000);
window.motcuaConsole = S; // for tests and troubleshooting
boot();
