// The services tab: names vi/en, prefix, number width, target wait (the monitor's threshold
// of this service), active. Saving sends the version the form was read at; a save over
// someone else's change is refused (409) with what they changed.

import { $, api, el } from "../common.js";
import { S, confirmAsk, done, intOrNull, refusal, td } from "./ui.js";

let editing = null; // the service being edited, null when creating

export function init() {
  $("#svc-new").addEventListener("click", () => edit(null));
  $("#svc-cancel").addEventListener("click", () => { $("#svc-form").hidden = true; });
  $("#svc-form").addEventListener("submit", save);
  $("#svc-delete").addEventListener("click", remove);
  $("#remote-form").addEventListener("submit", saveRemote);
}

export async function load() {
  const [services, thresholds] = await Promise.all([
    api("GET", `/api/v1/admin/sites/${S.site.id}/services`),
    api("GET", `/api/v1/monitor/thresholds?site=${S.site.id}`),
  ]);
  S.services = services;
  S.thresholds = thresholds;
  render();
  await loadRemote();
}

// -- remote numbers (lấy số từ xa): the site's rules and each service's daily quota ----------

let remote = null; // what the server holds (with its version)

async function loadRemote() {
  remote = await api("GET", `/api/v1/admin/remote?site=${S.site.id}`);
  $("#rm-enabled").checked = remote.enabled;
  $("#rm-minutes").value = remote.checkin_minutes;
  $("#rm-from").value = remote.hours_from;
  $("#rm-until").value = remote.hours_until;
  $("#rm-expire").value = remote.expire_at;
  $("#rm-placement").value = remote.placement;
  for (const sel of ["#rm-enabled", "#rm-minutes", "#rm-from", "#rm-until", "#rm-expire", "#rm-placement", "#rm-save"]) {
    $(sel).disabled = S.readonly;
  }
  $("#rm-rows").replaceChildren(...remote.services.map((s) => el("tr", { dataset: { id: String(s.service_id) } },
    td(`${s.code} · ${s.name_vi}`),
    el("td", {}, el("input", { type: "checkbox", class: "rm-on", checked: s.enabled, disabled: S.readonly,
      "aria-label": `Nhận lấy số từ xa: ${s.name_vi}` })),
    el("td", { class: "num" }, el("input", { type: "number", class: "rm-quota", min: "0", max: "9999",
      value: String(s.daily_quota), disabled: S.readonly, "aria-label": `Số lượt mỗi ngày: ${s.name_vi}` })))));
}

async function saveRemote(e) {
  e.preventDefault();
  try {
    await api("PUT", `/api/v1/admin/remote?site=${S.site.id}`, {
      enabled: $("#rm-enabled").checked, checkin_minutes: intOrNull($("#rm-minutes")) ?? 60,
      hours_from: $("#rm-from").value, hours_until: $("#rm-until").value, expire_at: $("#rm-expire").value,
      placement: $("#rm-placement").value, version: remote.version,
    });
    for (const row of $("#rm-rows").children) {
      const id = Number(row.dataset.id);
      const was = remote.services.find((s) => s.service_id === id);
      const enabled = row.querySelector(".rm-on").checked;
      const quota = intOrNull(row.querySelector(".rm-quota")) ?? 0;
      if (was && (was.enabled !== enabled || was.daily_quota !== quota)) {
        await api("PUT", `/api/v1/admin/remote/services/${id}`, { enabled, daily_quota: quota });
      }
    }
    done("Đã lưu thiết lập lấy số từ xa.", "Remote number settings saved.");
    await loadRemote();
  } catch (err) {
    refusal(err);
  }
}

function target(code) {
  const t = S.thresholds || {};
  return (t.service_wait_target_minutes || {})[code] ?? null;
}

function render() {
  $("#svc-rows").replaceChildren(...S.services.map((s) => {
    const own = target(s.code);
    const row = el("tr", { dataset: { code: s.code, id: String(s.id) }, class: s.active ? "" : "inactive",
      onclick: () => edit(s) },
    td(s.prefix, "strong"), td(s.code), td(`${s.name_vi}${s.name_en ? " · " + s.name_en : ""}`),
    td(`${own ?? (S.thresholds ? S.thresholds.wait_target_minutes : "")} phút${own === null ? " (chung)" : ""}`, "num"),
    td(s.active ? "Hoạt động" : "Ngừng · Inactive"));
    return row;
  }));
}

const FIELDS = { name_vi: "#svc-name-vi", name_en: "#svc-name-en", group_vi: "#svc-group-vi",
  group_en: "#svc-group-en", prefix: "#svc-prefix", number_width: "#svc-width", sort_order: "#svc-sort" };

function edit(service) {
  editing = service;
  $("#svc-form").hidden = false;
  $("#svc-title").textContent = service ? `Sửa dịch vụ ${service.code} · Edit service` : "Thêm dịch vụ · New service";
  $("#svc-code").value = service ? service.code : "";
  $("#svc-code").disabled = !!service || S.readonly;
  $("#svc-prefix").value = service ? service.prefix : "";
  $("#svc-name-vi").value = service ? service.name_vi : "";
  $("#svc-name-en").value = service ? service.name_en : "";
  $("#svc-group-vi").value = service ? service.group_vi : "";
  $("#svc-group-en").value = service ? service.group_en : "";
  $("#svc-width").value = service ? service.number_width : 3;
  $("#svc-sort").value = service ? service.sort_order : 0;
  $("#svc-target").value = service ? (target(service.code) ?? "") : "";
  $("#svc-active").checked = service ? service.active : true;
  $("#svc-active").disabled = !service || S.readonly;
  $("#svc-delete").hidden = !service;
  $("#svc-name-vi").focus();
}

async function save(e) {
  e.preventDefault();
  const body = {
    name_vi: $("#svc-name-vi").value, name_en: $("#svc-name-en").value,
    group_vi: $("#svc-group-vi").value, group_en: $("#svc-group-en").value,
    prefix: $("#svc-prefix").value.trim().toUpperCase(),
    number_width: intOrNull($("#svc-width")) ?? 3, sort_order: intOrNull($("#svc-sort")) ?? 0,
  };
  try {
    let saved;
    if (editing) {
      saved = await api("PATCH", `/api/v1/admin/services/${editing.id}`,
        { ...body, active: $("#svc-active").checked, version: editing.version });
    } else {
      saved = await api("POST", `/api/v1/admin/sites/${S.site.id}/services`, { ...body, code: $("#svc-code").value.trim() });
    }
    const minutes = intOrNull($("#svc-target"));
    if (minutes !== target(saved.code)) await saveTarget(saved.code, minutes);
    $("#svc-form").hidden = true;
    done(`Đã lưu dịch vụ ${saved.code}.`, `Service ${saved.code} saved.`);
    await load();
  } catch (err) {
    refusal(err);
    // someone saved meanwhile: the message lists their changes; the form keeps what this
    // admin typed, and a second save (after review) is made from the version now stored
    if (err.status === 409 && err.body && err.body.current && editing) {
      // what this admin did not touch takes the stored value; what they changed stays theirs to save
      const theirs = err.body.current;
      const typed = {};
      for (const [key, sel] of Object.entries(FIELDS)) typed[key] = $(sel).value;
      const active = $("#svc-active").checked;
      const before = editing;
      await load();
      edit(theirs);
      for (const [key, sel] of Object.entries(FIELDS)) {
        if (typed[key] !== String(before[key] ?? "")) $(sel).value = typed[key];
      }
      if (active !== before.active) $("#svc-active").checked = active;
    }
  }
}

async function saveTarget(code, minutes) {
  const targets = { ...((S.thresholds || {}).service_wait_target_minutes || {}) };
  if (minutes === null) delete targets[code];
  else targets[code] = minutes;
  S.thresholds = await api("PUT", `/api/v1/monitor/thresholds?site=${S.site.id}`,
    { service_wait_target_minutes: targets });
}

async function remove() {
  if (!editing) return;
  const ok = await confirmAsk(`Xóa dịch vụ ${editing.code} (${editing.name_vi})? · Delete this service?`);
  if (!ok) return;
  try {
    await api("DELETE", `/api/v1/admin/services/${editing.id}`);
    $("#svc-form").hidden = true;
    done(`Đã xóa dịch vụ ${editing.code}.`, `Service ${editing.code} deleted.`);
    await load();
  } catch (err) {
    refusal(err);
  }
}
