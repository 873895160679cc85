// The site tab: name, agency code, time zone and the hall's dispatch policy; and the hall's own
// setup: working hours per weekday, the public address of the slips' QR codes, the notice
// line of the hall displays (PATCH the site, with the version read: a later change refuses).

import { $, api, durationText, el } from "../common.js";
import { disableHours, fillHours, hoursRows, readHours } from "./hours.js";
import { S, done, intOrNull, refusal } from "./ui.js";

const REASON_VI = { overdue: "chờ quá lâu · overdue", front: "lên đầu hàng · front", priority: "ưu tiên · priority",
  normal: "thường · normal" };
const PRIORITY_VI = { normal: "", elderly: "người cao tuổi", disabled: "người khuyết tật", pregnant: "phụ nữ mang thai",
  meritorious: "người có công" };

export function init() {
  $("#site-form").addEventListener("submit", save);
  $("#setup-form").addEventListener("submit", saveSetup);
  $("#hours-config").addEventListener("change", hoursShown);
  hoursRows($("#hours-rows"), "hours", "working_hours");
  $("#pol-mode").addEventListener("change", modeShown);
  $("#preview-run").addEventListener("click", runPreview);
}

function modeShown() {
  const ratio = $("#pol-mode").value === "ratio";
  $("#pol-ratio-priority").disabled = !ratio || S.readonly;
  $("#pol-ratio-normal").disabled = !ratio || S.readonly;
}

export async function load() {
  S.sites = await api("GET", "/api/v1/admin/sites");
  S.site = S.sites.find((s) => s.id === S.site.id) || S.site;
  fill(S.site);
  const counters = await api("GET", `/api/v1/admin/sites/${S.site.id}/counters`);
  const chosen = $("#preview-counter").value;
  $("#preview-counter").replaceChildren(...counters.map((c) =>
    el("option", { value: String(c.id), text: `${c.number} · ${c.name}` })));
  if (chosen) $("#preview-counter").value = chosen;
  $("#preview-counter").disabled = false;
}

// The next ten calls under the policy as the form holds it now (nothing is saved).
async function runPreview() {
  const id = $("#preview-counter").value;
  if (!id) return;
  try {
    const r = await api("POST", `/api/v1/admin/counters/${id}/dispatch-preview`, { policy: policyFromForm(), n: 10 });
    $("#preview-calls").replaceChildren(...r.calls.map((c) => el("li", { dataset: { code: c.code, reason: c.reason } },
      el("strong", { text: c.code }),
      document.createTextNode(` ${c.service_name_vi}${PRIORITY_VI[c.priority] ? " · " + PRIORITY_VI[c.priority] : ""}`
        + ` — ${REASON_VI[c.reason] || c.reason}, chờ ${durationText(c.waited_s)}`))));
    $("#preview-none").hidden = r.calls.length > 0;
  } catch (err) {
    refusal(err);
  }
}

function hoursShown() {
  disableHours($("#hours-rows"), $("#hours-config").checked || S.readonly);
}

function fillSetup(site) {
  const own = site.working_hours;
  $("#hours-config").checked = !own;
  fillHours($("#hours-rows"), own || site.hours_in_effect);
  hoursShown();
  $("#site-public-url").value = site.public_url || "";
  $("#public-url-effect").textContent = `Đang dùng: ${site.public_url_in_effect}`
    + (site.public_url ? "" : " (cấu hình máy chủ · the server configuration)");
  $("#site-notice").value = site.display_notice || "";
}

function hoursFromForm() {
  return $("#hours-config").checked ? null : readHours($("#hours-rows"));
}

// A refusal naming a field marks its input.
function markField(err) {
  for (const input of document.querySelectorAll("#setup-form .bad")) input.classList.remove("bad");
  const field = err && err.body && err.body.field;
  const input = field && (document.querySelector(`#setup-form [data-field="${field}"]`)
    || { public_url: $("#site-public-url"), display_notice: $("#site-notice") }[field]);
  if (input) { input.classList.add("bad"); input.focus(); }
}

async function saveSetup(e) {
  e.preventDefault();
  try {
    const site = await api("PATCH", `/api/v1/admin/sites/${S.site.id}`, {
      working_hours: hoursFromForm(), public_url: $("#site-public-url").value.trim(),
      display_notice: $("#site-notice").value, version: S.site.version });
    S.site = site;
    fill(site);
    markField(null);
    done("Đã lưu giờ làm việc, địa chỉ công khai và dòng thông báo.", "Hours, public address and notice are saved.");
  } catch (err) {
    markField(err);
    refusal(err);
  }
}

function fill(site) {
  fillSetup(site);
  $("#site-code").textContent = site.code;
  $("#site-name").value = site.name;
  $("#site-agency").value = site.agency_code || "";
  $("#site-timezone").value = site.timezone;
  const p = site.policy || {};
  $("#pol-mode").value = p.mode || "ratio";
  $("#pol-ratio-priority").value = p.ratio_priority ?? 1;
  $("#pol-ratio-normal").value = p.ratio_normal ?? 2;
  $("#pol-max-wait").value = p.max_wait_seconds ? Math.round(p.max_wait_seconds / 60) : "";
  const classes = p.priority_classes || ["elderly", "disabled", "pregnant", "meritorious"];
  for (const box of document.querySelectorAll("#pol-classes input")) box.checked = classes.includes(box.value);
  modeShown();
}

export function policyFromForm() {
  const wait = intOrNull($("#pol-max-wait"));
  return {
    ...(S.site.policy || {}),
    mode: $("#pol-mode").value,
    ratio_priority: intOrNull($("#pol-ratio-priority")) ?? 1,
    ratio_normal: intOrNull($("#pol-ratio-normal")) ?? 2,
    max_wait_seconds: wait === null ? null : wait * 60,
    priority_classes: [...document.querySelectorAll("#pol-classes input:checked")].map((b) => b.value),
  };
}

async function save(e) {
  e.preventDefault();
  try {
    const site = await api("PATCH", `/api/v1/admin/sites/${S.site.id}`, {
      name: $("#site-name").value, agency_code: $("#site-agency").value,
      timezone: $("#site-timezone").value.trim(), policy: policyFromForm(), version: S.site.version });
    S.site = site;
    $("#site-title").textContent = site.name;
    fill(site);
    done("Đã lưu thông tin điểm phục vụ.", "The site is saved.");
  } catch (err) {
    refusal(err);
  }
}
