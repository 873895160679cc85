// Shared by the administration page's tabs: the page's state, messages (Vietnamese first),
// the read-only mode of supervisors, a confirmation dialog. Text only, never HTML.

import { $, ApiError } from "../common.js";

export const S = { me: null, site: null, sites: [], services: [], counters: [], users: [], devices: [],
  thresholds: null, readonly: true };

export function message(kind, vi, en, lines = []) {
  const box = $("#message");
  box.hidden = !vi;
  box.dataset.kind = kind;
  $("#message-vi").textContent = vi || "";
  $("#message-en").textContent = en || "";
  const list = $("#message-list");
  list.replaceChildren(...lines.map((line) => {
    const li = document.createElement("li");
    li.textContent = line;
    return li;
  }));
}

export function done(vi, en) {
  message("success", vi, en);
}

export function refusal(err) {
  if (err instanceof ApiError) message("error", err.detail, err.detailEn, [...conflictLines(err.body), ...errorLines(err.body)]);
  else message("error", "Đã xảy ra lỗi.", String(err));
}

// A 422 listing every problem (a holiday year, a catalogue file): one line each, Vietnamese then English.
function errorLines(body) {
  if (!body || !Array.isArray(body.errors) || body.errors.length < 2) return [];
  return body.errors.map((e) => e.path !== undefined ? `${e.path}: ${e.vi} / ${e.en}`
    : `${e.message}${e.message_en ? " / " + e.message_en : ""}`);
}

// A 409 of the version check names each change made since the page read the record.
function conflictLines(body) {
  if (!body || !Array.isArray(body.changes)) return [];
  const lines = [];
  for (const c of body.changes) {
    for (const [field, pair] of Object.entries(c.changes || {})) {
      lines.push(`${c.by || "?"} · ${timeText(c.at)} · ${field}: ${show(pair[0])} → ${show(pair[1])}`);
    }
  }
  return lines;
}

export function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function timeText(iso) {
  if (!iso) return "—";
  const tz = (S.site && S.site.timezone) || "Asia/Ho_Chi_Minh";
  return new Intl.DateTimeFormat("vi-VN", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}

export function confirmAsk(text) {
  const dialog = $("#confirm-dialog");
  $("#confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

export function intOrNull(input) {
  const v = input.value.trim();
  return v === "" ? null : Number.parseInt(v, 10);
}

// A table cell (or any element) holding text.
export function td(text, cls) {
  const cell = document.createElement("td");
  cell.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) cell.className = cls;
  return cell;
}

export function bilingual(tag, vi, en) {
  const node = document.createElement(tag);
  node.append(document.createTextNode(vi + " "));
  const span = document.createElement("span");
  span.lang = "en";
  span.textContent = en;
  node.append(span);
  return node;
}

export function siteQuery() {
  return S.site ? S.site.id : null;
}
