// Shared helpers of the Motcua pages: JSON API calls with problem details, server time,
// Vietnamese dates, small DOM helpers. Plain ES module, no build step.

export class ApiError extends Error {
  constructor(status, detail, detailEn, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail || "";
    this.detailEn = detailEn || "";
    this.body = body || {};
  }
}

// Offset (ms) to add to Date.now() to get the server's clock; hall PCs often run wrong clocks.
let serverOffsetMs = 0;

export function setServerTime(isoOrHttpDate) {
  const t = Date.parse(isoOrHttpDate);
  if (!Number.isNaN(t)) serverOffsetMs = t - Date.now();
}

export function serverNow() {
  return Date.now() + serverOffsetMs;
}

const state = { csrf: null };

export function setCsrf(token) {
  state.csrf = token || null;
}

// The header a write needs with a session cookie (for a raw body sent with fetch itself).
export function csrfHeaders() {
  return state.csrf ? { "X-CSRF-Token": state.csrf } : {};
}

// Call the JSON API. Resolves to the parsed body (null for 204); rejects with ApiError
// carrying the server's Vietnamese `detail` (and `detail_en`) for every refusal.
export async function api(method, path, body, { timeoutMs = 15000 } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.csrf && method !== "GET") headers["X-CSRF-Token"] = state.csrf;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: ctrl.signal,
    });
  } catch (err) {
    throw new ApiError(0, "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.",
      "Cannot reach the server. Check the network and try again.");
  } finally {
    clearTimeout(timer);
  }
  const date = res.headers.get("Date");
  if (date) setServerTime(date);
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json().catch(() => ({})) : {};
  if (!res.ok) {
    throw new ApiError(res.status, data.detail || `Lỗi ${res.status}`, data.detail_en || "", data);
  }
  return data;
}

const WEEKDAYS_VI = ["Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];

// Date parts of a timestamp in the hall's time zone.
export function zonedParts(ms, timeZone) {
  const fmt = new Intl.DateTimeFormat("en-GB", {
    timeZone: timeZone || "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short", hourCycle: "h23",
  });
  const out = {};
  for (const p of fmt.formatToParts(new Date(ms))) out[p.type] = p.value;
  const wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(out.weekday);
  return { ...out, weekdayIndex: wd };
}

export function clockText(ms, timeZone) {
  const p = zonedParts(ms, timeZone);
  return `${p.hour}:${p.minute}`;
}

export function dateTextVi(ms, timeZone) {
  const p = zonedParts(ms, timeZone);
  return `${WEEKDAYS_VI[p.weekdayIndex]}, ${p.day}/${p.month}/${p.year}`;
}

export function durationText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${String(m).padStart(2, "0")}:${ss}`;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// Create an element: el("div", {class: "x", text: "..."}, child, ...). Text only, never HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// Blink nodes: the class "lit" goes on and off `times` times, "flash" stays on meanwhile.
// One shared timer rather than CSS animations: a running animation makes the page restyle
// at every frame for the whole blink, and nodes blinking in step need one frame per step.
const blinking = new Map(); // node -> half-periods left
let blinkTimer = null;

// Under "reduce motion" (a screen's or its viewers' setting) the node stays lit, without blinking.
const steady = window.matchMedia("(prefers-reduced-motion: reduce)");

export function flash(node, { times = 5 } = {}) {
  if (!node) return;
  blinking.set(node, times * 2 - 1);
  node.classList.add("flash", "lit");
  if (blinkTimer === null) blinkTimer = setInterval(blinkStep, 400);
}

function blinkStep() {
  for (const [node, left] of blinking) {
    if (left <= 0) {
      blinking.delete(node);
      node.classList.remove("flash", "lit");
    } else {
      blinking.set(node, left - 1);
      if (!steady.matches) node.classList.toggle("lit", (left - 1) % 2 === 1);
    }
  }
  if (!blinking.size) {
    clearInterval(blinkTimer);
    blinkTimer = null;
  }
}

export function listParam(params, name) {
  const raw = params.getAll(name).join(",");
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}

export function boolParam(params, name, fallback = false) {
  if (!params.has(name)) return fallback;
  const v = (params.get(name) || "").toLowerCase();
  return v === "" || v === "1" || v === "true" || v === "yes" || v === "on";
}

export const COUNTER_STATE_VI = { open: "Đang mở", paused: "Tạm dừng", closed: "Đóng" };
export const COUNTER_STATE_EN = { open: "Open", paused: "Paused", closed: "Closed" };
export const TICKET_STATE_VI = { called: "Đang mời", serving: "Đang phục vụ", waiting: "Đang chờ" };
