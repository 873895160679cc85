// The audit trail tab: the hall's administration changes (who, what, when), newest first,
// filtered by who made them, the kind of change and a range of days; a page at a time.

import { $, api, el } from "../common.js";
import { S, refusal, show, td, timeText } from "./ui.js";

const KIND_VI = {
  "admin.site_updated": "Sửa điểm phục vụ · Site changed",
  "admin.service_created": "Thêm dịch vụ · Service added",
  "admin.service_updated": "Sửa dịch vụ · Service changed",
  "admin.service_deleted": "Xóa dịch vụ · Service deleted",
  "admin.counter_created": "Thêm quầy · Counter added",
  "admin.counter_updated": "Sửa quầy · Counter changed",
  "admin.user_created": "Thêm người dùng · User added",
  "admin.user_updated": "Sửa người dùng · User changed",
  "admin.device_created": "Thêm thiết bị · Device added",
  "admin.device_revoked": "Thu hồi thiết bị · Device revoked",
  "monitor.thresholds_changed": "Đổi ngưỡng cảnh báo · Alert thresholds changed",
  "catalog.imported": "Nạp danh mục thủ tục · Catalogue imported",
  "admin.holidays_updated": "Sửa lịch nghỉ lễ · Holiday calendar changed",
  "admin.holidays_removed": "Bỏ lịch nghỉ đã sửa · Holiday calendar reset",
};
let next = null;
let filled = false;

export function init() {
  $("#audit-filter").addEventListener("submit", (e) => { e.preventDefault(); read(false); });
  $("#audit-more").addEventListener("click", () => read(true));
}

export async function load() {
  if (!filled) {
    const users = await api("GET", "/api/v1/admin/users");
    $("#audit-actor").replaceChildren(el("option", { value: "", text: "Tất cả · Everyone" }),
      ...users.map((u) => el("option", { value: `user:${u.id}`, text: `${u.full_name || u.username} (${u.username})` })),
      el("option", { value: "system", text: "Hệ thống · System" }));
    $("#audit-kind").replaceChildren(el("option", { value: "", text: "Tất cả · Every kind" }),
      ...Object.entries(KIND_VI).map(([k, label]) => el("option", { value: k, text: label })));
    filled = true;
  }
  await read(false);
}

function subject(data) {
  const d = data || {};
  if (d.service) return `Dịch vụ ${d.service}`;
  if (d.counter_number) return `Quầy ${d.counter_number}`;
  if (d.user) return `Người dùng ${d.user}`;
  if (d.device) return `Thiết bị ${d.device}`;
  if (d.site) return `Điểm ${d.site}`;
  return "";
}

function details(e) {
  const d = e.data || {};
  const parts = [];
  const what = subject(d);
  if (what) parts.push(what);
  for (const [field, pair] of Object.entries(d.changes || {})) {
    parts.push(`${field}: ${show(pair[0])} → ${show(pair[1])}`);
  }
  if (d.role && e.kind === "admin.user_created") parts.push(`vai trò/role: ${d.role}`);
  if (d.device_kind) parts.push(`loại/kind: ${d.device_kind}`);
  if (d.year) parts.unshift(`năm/year ${d.year}`);
  if (e.kind === "catalog.imported") parts.push(`${d.procedures} thủ tục/procedures · ${d.source || ""}`);
  return parts.join(" · ");
}

async function read(more) {
  const q = new URLSearchParams({ limit: "50" });
  if ($("#audit-actor").value) q.set("actor", $("#audit-actor").value);
  if ($("#audit-kind").value) q.set("kind", $("#audit-kind").value);
  if ($("#audit-since").value) q.set("since", $("#audit-since").value);
  if ($("#audit-until").value) q.set("until", $("#audit-until").value);
  if (more && next) q.set("before_id", String(next));
  try {
    const page = await api("GET", `/api/v1/admin/sites/${S.site.id}/audit?${q}`);
    const rows = page.events.map((e) => el("tr", { dataset: { kind: e.kind, id: String(e.id) } },
      td(timeText(e.at)), td(e.by_name === "system" ? "Hệ thống · System" : e.by_name), td(KIND_VI[e.kind] || e.kind),
      td(details(e), "details")));
    if (more) $("#audit-rows").append(...rows);
    else $("#audit-rows").replaceChildren(...rows);
    next = page.next_before_id;
    $("#audit-more").hidden = !next;
    $("#audit-none").hidden = $("#audit-rows").children.length > 0;
  } catch (err) {
    refusal(err);
  }
}
