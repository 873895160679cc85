// One booking (/appointments/b/{id}?k=KEY, the address its QR holds): the code, the slot, the
// state, when check-in at the kiosk is open, and a cancel button while it is still to come.
// The server answers 404 for a wrong key before this page is sent; the API does the same.

import { $, ApiError, api, zonedParts } from "./common.js";
import { dayText, lang, langSwitch, showError, t } from "./appt_text.js";

const id = location.pathname.split("/").pop();
const key = new URLSearchParams(location.search).get("k") || "";
const base = `/api/v1/appointments/bookings/${encodeURIComponent(id)}`;
let booking = null;

function hm(iso) {
  const p = zonedParts(Date.parse(iso), "Asia/Ho_Chi_Minh");
  return `${p.hour}:${p.minute}`;
}

function render() {
  if (!booking) return;
  const b = booking;
  const en = lang.value === "en";
  document.body.dataset.state = b.state;
  $("#site-name").textContent = b.site ? b.site.name : "";
  $("#code").textContent = b.code;
  $("#state").textContent = en ? b.state_en : b.state_vi;
  $("#when").textContent = `${b.time} · ${dayText(b.day, { long: true })}`;
  $("#service").textContent = (en && b.service_name_en) || b.service_name_vi;
  const proc = (en && b.procedure_name_en) || b.procedure_name_vi || b.procedure_code || "";
  $("#procedure").textContent = proc;
  $("#procedure").hidden = $("#procedure-label").hidden = !proc;
  $("#check-in").textContent = t("check_in_from", { a: hm(b.check_in_opens_at), b: hm(b.check_in_closes_at) });
  if (b.qr) $("#qr").src = b.qr;
  $("#qr-box").hidden = b.state !== "booked";
  $("#cancel").hidden = !b.cancellable;
  $("#cancelled-note").hidden = b.state !== "cancelled";
  if (!b.cancellable) $("#confirm").hidden = true;
  $("#booking").hidden = false;
}

async function load() {
  try {
    booking = await api("GET", `${base}?k=${encodeURIComponent(key)}`);
    render();
  } catch (err) {
    if (err instanceof ApiError) showError(err.detail, err.detailEn);
    else showError("Không kết nối được máy chủ.", String(err));
  }
}

async function cancel() {
  showError("");
  try {
    const r = await api("POST", `${base}/cancel?k=${encodeURIComponent(key)}`);
    booking = { ...booking, ...r };
    render();
  } catch (err) {
    if (err instanceof ApiError) showError(err.detail, err.detailEn);
    else showError("Không kết nối được máy chủ.", String(err));
  }
}

langSwitch(render);
$("#cancel").addEventListener("click", () => { $("#confirm").hidden = false; $("#cancel").hidden = true; });
$("#cancel-yes").addEventListener("click", cancel);
load();
