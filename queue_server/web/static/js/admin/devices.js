// The devices tab: add a kiosk, display or hall agent (its token and pairing QR code are
// shown once, from the server's answer), revoke one, see when each was last heard from.

import { $, api, el } from "../common.js";
import { S, confirmAsk, done, refusal, td, timeText } from "./ui.js";

const KIND_VI = { kiosk: "Ki-ốt", display: "Màn hình", agent: "Máy điều khiển sảnh" };

export function init() {
  $("#dev-form").addEventListener("submit", add);
  $("#dev-secret-close").addEventListener("click", () => {
    $("#dev-secret").hidden = true;
    $("#dev-token").textContent = "";
    $("#dev-qr").removeAttribute("src");
  });
}

export async function load() {
  S.devices = await api("GET", `/api/v1/admin/sites/${S.site.id}/devices`);
  render();
}

function render() {
  $("#dev-rows").replaceChildren(...S.devices.map((d) => {
    const revoke = d.active && !S.readonly
      ? el("button", { type: "button", class: "small danger", dataset: { action: "revoke" }, onclick: () => revokeOne(d) },
        document.createTextNode("Thu hồi · Revoke"))
      : null;
    return el("tr", { dataset: { id: String(d.id), name: d.name }, class: d.active ? "" : "inactive" },
      td(d.name, "strong"), td(KIND_VI[d.kind] || d.kind), td(d.last_seen_at ? timeText(d.last_seen_at) : "Chưa · Never"),
      td(d.active ? "Hoạt động" : "Đã thu hồi · Revoked"), el("td", { class: "actions" }, revoke));
  }));
}

async function add(e) {
  e.preventDefault();
  try {
    const made = await api("POST", `/api/v1/admin/sites/${S.site.id}/devices`,
      { kind: $("#dev-kind").value, name: $("#dev-name").value });
    $("#dev-secret").hidden = false;
    $("#dev-secret-name").textContent = made.name;
    $("#dev-token").textContent = made.token;
    $("#dev-qr").src = made.qr_svg; // an SVG data: URI drawn by the server
    $("#dev-name").value = "";
    done(`Đã thêm thiết bị ${made.name}.`, `Device ${made.name} added.`);
    await load();
  } catch (err) {
    refusal(err);
  }
}

async function revokeOne(device) {
  const ok = await confirmAsk(`Thu hồi thiết bị “${device.name}”? Thiết bị sẽ không kết nối được nữa. · Revoke this device?`);
  if (!ok) return;
  try {
    await api("DELETE", `/api/v1/admin/devices/${device.id}`);
    done(`Đã thu hồi thiết bị ${device.name}.`, `Device ${device.name} revoked.`);
    await load();
  } catch (err) {
    refusal(err);
  }
}
