// The site tab: name, agency code, time zone and the hall's dispatch policy (PATCH the site).

import { $, api } from "../common.js";
import { S, done, intOrNull, refusal } from "./ui.js";

export function init() {
  $("#site-form").addEventListener("submit", save);
  $("#pol-mode").addEventListener("change", modeShown);
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
}

function fill(site) {
  $("#site-code").textContent = site.code;
  $("#site-name").value = site.name;
  $("#site-agency").value = site.agency_code || "";
  $("#site-timezone").value = site.timezone;
  $("#site-public").value = location.origin;
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
