// The supervisor's live monitor (/supervisor): services, counters, devices and alerts of one
// hall, and the supervisor's actions (call a ticket out of turn to a counter, requeue an absent
// ticket, cancel one, close a counter left open), each an event with the supervisor's name and
// reason.
//
// The figures and the alerts are the server's (GET /api/v1/monitor/snapshot; the alert rules
// are the domain's). The page reads the snapshot again when the event stream says something
// changed (several events in a burst: one read), and at `next_change_at`, the instant the
// alerts would change with time alone (a ticket passing its target): no polling. Timers on
// the page ("for 12:04") tick locally from the snapshot's times.

import { $, ApiError, COUNTER_STATE_EN, COUNTER_STATE_VI, api, clockText, durationText, el, serverNow,
  setServerTime } from "./common.js";
import { message, refusal, staffSignIn, views } from "./staff_login.js";
import { EventStream } from "./stream.js";

const S = { me: null, site: null, snap: null, stream: null, reading: null, again: false, timer: null, due: null,
  pending: null };
const KINDS = "ticket.,counter.,device.,kiosk.,auth.lockout";

const show = views("monitor");

// -- signing in (staff_login.js) -------------------------------------------------------------
async function enter(me) {
  S.me = me;
  const params = new URLSearchParams(location.search);
  S.site = params.get("site") || (me.site_id != null ? String(me.site_id) : "");
  show("monitor");
  await read();
  startStream();
}

function leave() {
  if (S.stream) S.stream.stop();
  clearTimeout(S.due);
  S.me = null;
}

// -- reading the hall ------------------------------------------------------------------------
function read() {
  if (S.reading) { S.again = true; return S.reading; }
  S.reading = (async () => {
    try {
      do {
        S.again = false;
        const q = S.site ? `?site=${encodeURIComponent(S.site)}` : "";
        const snap = await api("GET", `/api/v1/monitor/snapshot${q}`);
        setServerTime(snap.now);
        S.snap = snap;
        render();
        scheduleDue(snap.next_change_at);
      } while (S.again);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) { show("login"); return; }
      refusal(err);
    } finally {
      S.reading = null;
    }
  })();
  return S.reading;
}

// A burst of events (one transaction's, or one SSE chunk's) gives one read: the timer waits
// only long enough for the rest of the burst; a read already on its way reads once more after.
function readSoon() {
  clearTimeout(S.timer);
  S.timer = setTimeout(read, 25);
}

function scheduleDue(at) {
  clearTimeout(S.due);
  if (!at) return;
  const wait = Date.parse(at) - serverNow() + 500;
  // a timer cannot wait longer than ~24 days; a day is plenty (the page reads at each event anyway)
  S.due = setTimeout(read, Math.max(500, Math.min(wait, 86400000)));
}

function startStream() {
  if (S.stream) S.stream.stop();
  const q = new URLSearchParams({ kinds: KINDS });
  if (S.snap) q.set("site", String(S.snap.site.id));
  S.stream = new EventStream(`/api/v1/events?${q}`, {
    lastEventId: S.snap ? S.snap.last_event_id : null,
    onEvent: () => readSoon(),
    onStatus: (status) => {
      const live = $("#live");
      live.dataset.state = status;
      live.textContent = {
        live: "Trực tiếp · Live",
        connecting: "Đang kết nối… · Connecting…",
        reconnecting: "Mất kết nối, đang nối lại… · Reconnecting…",
        stale: "Không nhận được tin trực tiếp, số liệu có thể cũ · No live updates: figures may be out of date",
        unauthorized: "Phiên đăng nhập đã hết · Session ended",
      }[status] || status;
      if (status === "live") readSoon(); // after a gap: read what changed meanwhile
      if (status === "unauthorized") show("login");
    },
  });
  S.stream.start();
}

// -- drawing -----------------------------------------------------------------------------------
const since = (iso) => (iso ? (serverNow() - Date.parse(iso)) / 1000 : null);
const bi = (vi, en) => [el("span", { text: vi }), " ", el("span", { lang: "en", text: en })];

function render() {
  const snap = S.snap;
  $("#site").textContent = snap.site.name;
  document.title = `Giám sát sảnh — ${snap.site.name}`;
  const services = new Map(snap.services.map((s) => [s.id, s]));

  $("#alert-count").textContent = String(snap.alerts.length);
  $("#alerts-none").hidden = snap.alerts.length > 0;
  $("#alerts").replaceChildren(...snap.alerts.map((a) => el("li", { class: `alert alert-${a.kind}`,
    dataset: { kind: a.kind, key: a.key } }, el("span", { class: "a-vi", text: a.text_vi }),
  el("span", { class: "a-en", lang: "en", text: a.text_en }),
  el("span", { class: "a-setting", title: "Ngưỡng trong cấu hình · Threshold setting", text: a.threshold }))));

  $("#services").replaceChildren(...snap.services.map((s) => el("tr", { dataset: { code: s.code } },
    el("td", {}, el("strong", { text: `${s.prefix} · ${s.name_vi}` }), " ", el("span", { lang: "en", text: s.name_en })),
    el("td", { class: "num s-waiting", text: String(s.waiting) }),
    el("td", { class: "num", text: String(s.priority_waiting) }),
    el("td", { class: "num s-appointments", text: String(s.appointment_waiting || 0) }),
    el("td", { class: "num s-absent", text: String(s.remote_absent || 0) }),
    el("td", { class: "num s-oldest", dataset: { since: s.oldest_queued_at || "" },
      text: s.oldest_queued_at ? `${s.oldest_code} · ${durationText(since(s.oldest_queued_at))}` : "—" }),
    el("td", { class: "num", text: s.waiting || s.open_counters ? `~${Math.round((s.estimated_wait_s || 0) / 60)} phút` : "—" }),
    el("td", { class: "num", text: String(s.open_counters) }),
    el("td", { class: "num", text: String(s.served_today) }))));

  $("#counters").replaceChildren(...snap.counters.map((c) => {
    const cur = c.current;
    const closeButton = c.state !== "closed"
      ? el("button", { type: "button", class: "sv-act", dataset: { action: "close" },
        onclick: () => ask("close", { counter: c }) }, ...bi("Đóng quầy", "Close")) : "";
    return el("tr", { dataset: { number: String(c.number), state: c.state } },
      el("td", {}, el("strong", { text: `Quầy ${c.number}` }),
        c.name && c.name !== `Quầy ${c.number}` ? ` ${c.name}` : ""),
      el("td", { class: `c-state st-${c.state}`, dataset: { since: c.since || "" } },
        `${COUNTER_STATE_VI[c.state] || c.state} · ${COUNTER_STATE_EN[c.state] || ""}`,
        c.since ? el("span", { class: "tick", dataset: { since: c.since }, text: ` ${durationText(since(c.since))}` }) : ""),
      el("td", { text: c.clerk_name || "—" }),
      el("td", { class: "c-current" }, ...(cur ? [
        el("strong", { text: cur.code }),
        ` ${cur.state === "serving" ? "đang phục vụ" : `đã gọi ${cur.call_count} lần`} `,
        cur.since ? el("span", { class: "tick", dataset: { since: cur.since }, text: durationText(since(cur.since)) }) : "",
      ] : ["—"])),
      el("td", { class: "num", text: String(c.served_today) }),
      el("td", { class: "num", text: c.served_today ? durationText(c.service_seconds_total / c.served_today) : "—" }),
      el("td", {}, closeButton));
  }));

  const rows = [...snap.waiting.map((t) => ({ ...t, state: "waiting" })),
    ...snap.no_shows.map((t) => ({ ...t, state: "no_show" }))];
  $("#tickets-none").hidden = rows.length > 0;
  $("#tickets").replaceChildren(...rows.map((t) => {
    const s = services.get(t.service_id);
    const actions = t.state === "waiting" ? ["call", "cancel"] : ["call", "requeue", "cancel"];
    return el("tr", { dataset: { code: t.code, state: t.state } },
      el("td", { class: "t-code", text: t.code }),
      el("td", { text: s ? s.name_vi : "" }),
      el("td", { text: t.state === "waiting" ? "Đang chờ · Waiting" : "Vắng mặt · Absent" }),
      el("td", { class: "num" }, t.queued_at ? el("span", { class: "tick", dataset: { since: t.queued_at },
        text: durationText(since(t.queued_at)) }) : ""),
      el("td", { class: "t-actions" }, ...actions.map((name) => el("button", { type: "button", class: "sv-act",
        dataset: { action: name }, onclick: () => ask(name, { ticket: t }) }, ...bi(ACTIONS[name].vi, ACTIONS[name].en)))));
  }));
  if (snap.waiting_truncated) {
    $("#tickets").append(el("tr", {}, el("td", { colspan: "5", class: "sv-none",
      text: "Chỉ hiện những số chờ lâu nhất · Only the longest-waiting tickets are shown" })));
  }

  $("#devices").replaceChildren(...snap.devices.map((d) => el("tr", { dataset: { kind: d.kind } },
    el("td", { text: d.name }),
    el("td", { text: { kiosk: "Ki-ốt · Kiosk", display: "Màn hình · Display", agent: "Máy trạm · Agent" }[d.kind] || d.kind }),
    el("td", { text: d.last_seen_at ? `Liên lạc lần cuối · Last seen ${clockText(Date.parse(d.last_seen_at), snap.site.timezone)}`
      : "Chưa từng kết nối · Never seen" }),
    el("td", { text: d.status ? `Máy in: ${d.status}` : "" }))));
  tick();
}

function tick() {
  for (const node of document.querySelectorAll(".tick[data-since]")) {
    node.textContent = ` ${durationText(since(node.dataset.since))}`;
  }
  if (S.snap) $("#clock").textContent = clockText(serverNow(), S.snap.site.timezone);
}

// -- actions -----------------------------------------------------------------------------------
const ACTIONS = {
  call: { vi: "Gọi tới quầy…", en: "Call to…", needsReason: true, counter: true,
    title: ({ ticket }) => bi(`Gọi số ${ticket.code} tới quầy, không theo thứ tự`, `Call ${ticket.code} out of turn`),
    run: ({ ticket }, reason, counterId) => api("POST", `/api/v1/counters/${counterId}/call`, { ticket_id: ticket.id, reason }),
    done: ({ ticket }) => [`Đã gọi số ${ticket.code} (ngoài thứ tự, đã ghi lý do).`, `Called ${ticket.code} (out of turn, reason recorded).`] },
  requeue: { vi: "Xếp lại hàng", en: "Requeue", needsReason: false,
    title: ({ ticket }) => bi(`Xếp số ${ticket.code} vào hàng chờ lại`, `Put ${ticket.code} back in the queue`),
    run: ({ ticket }, reason) => api("POST", `/api/v1/tickets/${ticket.id}/requeue`, { reason }),
    done: ({ ticket }) => [`Số ${ticket.code} đã được xếp lại hàng chờ.`, `${ticket.code} is waiting again.`] },
  cancel: { vi: "Huỷ số", en: "Cancel", needsReason: true,
    title: ({ ticket }) => bi(`Huỷ số ${ticket.code}`, `Cancel ${ticket.code}`),
    run: ({ ticket }, reason) => api("POST", `/api/v1/tickets/${ticket.id}/cancel`, { reason }),
    done: ({ ticket }) => [`Đã huỷ số ${ticket.code}.`, `${ticket.code} cancelled.`] },
  close: { vi: "Đóng quầy", en: "Close", needsReason: true,
    title: ({ counter }) => bi(`Đóng quầy ${counter.number}`, `Close counter ${counter.number}`),
    run: ({ counter }, reason) => api("POST", `/api/v1/counters/${counter.id}/close`, { reason }),
    done: ({ counter }) => [`Đã đóng quầy ${counter.number}.`, `Counter ${counter.number} closed.`] },
};

function ask(name, subject) {
  const action = ACTIONS[name];
  $("#action-title").replaceChildren(...action.title(subject));
  $("#action-need").textContent = action.needsReason ? "(bắt buộc · required)" : "(nếu có · optional)";
  $("#action-reason").value = "";
  $("#action-error").hidden = true;
  $("#action-counter-label").hidden = !action.counter;
  if (action.counter) {
    const serving = S.snap.counters.filter((c) => c.state === "open" && c.service_ids.includes(subject.ticket.service_id));
    $("#action-counter").replaceChildren(...serving.map((c) => el("option", { value: String(c.id),
      text: `Quầy ${c.number}${c.clerk_name ? ` · ${c.clerk_name}` : ""}` })));
  }
  S.pending = { action, subject };
  $("#action-dialog").showModal();
  $("#action-reason").focus();
}

async function confirm(e) {
  e.preventDefault();
  const pending = S.pending;
  if (!pending) return;
  const reason = $("#action-reason").value.trim();
  if (pending.action.needsReason && !reason) { $("#action-error").hidden = false; return; }
  const counterId = pending.action.counter ? $("#action-counter").value : null;
  if (pending.action.counter && !counterId) {
    $("#action-error").hidden = false;
    $("#action-error").textContent = "Không có quầy nào đang mở cho dịch vụ này. · No open counter serves this service.";
    return;
  }
  $("#action-dialog").close();
  S.pending = null;
  try {
    await pending.action.run(pending.subject, reason, counterId);
    message("success", ...pending.action.done(pending.subject));
  } catch (err) {
    refusal(err);
  } finally {
    await read();
  }
}

$("#message-close").addEventListener("click", () => message("", ""));
$("#action-form").addEventListener("submit", confirm);
$("#action-cancel").addEventListener("click", () => $("#action-dialog").close());
setInterval(tick, 1000);
document.addEventListener("visibilitychange", () => { if (!document.hidden && S.me) readSoon(); });
staffSignIn({ show, onEnter: enter, onLeave: leave });
