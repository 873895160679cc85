// The site tab: name, agency code, time zone and the hall's dispatch policy (PATCH the site).

import { $, api, durationText, el } from "../common.js";
import { S, done, intOrNull, refusal } from "./ui.js";

const REASON_VI = { overdue: "chờ quá lâu · overdue", front: "lên đầu hàng · front", priority: "ưu tiên · priority",
  normal: "thường · normal" };
const PRIORITY_VI = { normal: "", elderly: "người cao tuổi", disabled: "người khuyết tật", pregnant: "phụ nữ mang thai",
  meritorious: "người có công" };

export function init() {
  $("#site-form").addEventListener("submit", save);
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

function fill(site) {
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
      timezone: $("#site-timezone").value.trim(), policy: policyFromForm() });
    S.site = site;
    $("#site-title").textContent = site.name;
    fill(site);
    done("Đã lưu thông tin điểm phục vụ.", "The site is saved.");
  } catch (err) {
    refusal(err);
  }
}
