// The small screen above one counter: its number, the ticket called to it, and whether it is
// paused or closed. /display/counter/3[?site=CODE]. Snapshot first, then the event stream
// (resumed with Last-Event-ID after any disconnect).

import { $, ApiError, api, flash, setServerTime } from "./common.js";
import { EventStream } from "./stream.js";

const number = parseInt(location.pathname.split("/").filter(Boolean).pop(), 10);
const params = new URLSearchParams(location.search);
const site = params.get("site") || "";
const counter = { id: null, number, name: "", state: "closed", current: null };

const CAPTION = {
  called: "Xin mời số · Now calling",
  serving: "Đang phục vụ · Now serving",
};
const STATE_BANNER = {
  paused: ["Tạm dừng", "Paused — please wait"],
  closed: ["Quầy đóng", "Closed"],
};

function render() {
  document.body.dataset.state = counter.state;
  $("#number").textContent = String(number);
  $("#name").textContent = (counter.name || "").replace(/^\s*quầy\s*\d+\s*[–—:-]?\s*/i, "");
  const current = counter.current;
  $("#code").textContent = current ? current.code : "—";
  $("#code").classList.toggle("empty", !current);
  $("#caption").textContent = current ? (CAPTION[current.state] || CAPTION.called) : " ";
  const banner = STATE_BANNER[counter.state];
  $("#state-banner").hidden = !banner;
  $("#state-vi").textContent = banner ? banner[0] : "";
  $("#state-en").textContent = banner ? banner[1] : "";
}

function setStatus(status) {
  $("#status").textContent = status === "live" ? "" : status === "stale"
    ? "Không nhận được tin trực tiếp · No live updates" : "Đang kết nối lại… · Reconnecting…";
}

function onEvent(ev) {
  const d = ev.data || {};
  if (ev.counter_id !== counter.id && d.counter_number !== number) return;
  switch (ev.kind) {
    case "ticket.called":
    case "ticket.recalled":
      counter.current = { ticket_id: ev.ticket_id, code: d.code, state: "called" };
      counter.state = "open";
      render();
      flash($("#main"));
      break;
    case "ticket.serving":
      if (counter.current && counter.current.ticket_id === ev.ticket_id) counter.current.state = "serving";
      render();
      break;
    case "ticket.finished":
    case "ticket.no_show":
    case "ticket.transferred":
    case "ticket.cancelled":
    case "ticket.expired":
      if (counter.current && counter.current.ticket_id === ev.ticket_id) counter.current = null;
      render();
      break;
    case "counter.opened":
    case "counter.paused":
    case "counter.closed":
      counter.state = d.state || counter.state;
      if (d.counter_name) counter.name = d.counter_name;
      if (counter.state === "closed") counter.current = null;
      render();
      break;
    default:
  }
}

async function start() {
  render();
  if (!Number.isInteger(number)) {
    $("#code").textContent = "?";
    $("#caption").textContent = "Địa chỉ trang phải có số quầy, ví dụ /display/counter/3";
    return;
  }
  let snap = null;
  while (!snap) {
    try {
      const q = new URLSearchParams({ counters: String(number), calls: "0" });
      if (site) q.set("site", site);
      snap = await api("GET", `/api/v1/display/snapshot?${q}`);
    } catch (err) {
      $("#status").textContent = `Không tải được dữ liệu: ${err instanceof ApiError ? err.detail : err}`;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  setServerTime(snap.now);
  const row = snap.counters.find((c) => c.number === number);
  if (!row) {
    $("#code").textContent = "?";
    $("#caption").textContent = `Không có quầy số ${number} · No counter ${number}`;
    return;
  }
  Object.assign(counter, { id: row.id, name: row.name, state: row.state,
    current: row.current && { ticket_id: row.current.ticket_id, code: row.current.code, state: row.current.state } });
  render();
  const q = new URLSearchParams({ site: String(snap.site.id), kinds: "ticket.,counter." });
  const stream = new EventStream(`/api/v1/events?${q}`, { lastEventId: snap.last_event_id, onEvent,
    onStatus: setStatus });
  stream.start();
  window.motcuaCounter = { counter, stream };
}

start();
