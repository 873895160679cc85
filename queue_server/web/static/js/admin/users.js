// The users tab: create (the server makes the first password and shows it once), reset a
// password (shown once), change role, site, name, deactivate.

import { $, api, el } from "../common.js";
import { S, done, refusal, td } from "./ui.js";

const ROLE_VI = { clerk: "Cán bộ", supervisor: "Giám sát", admin: "Quản trị", processor: "Cán bộ xử lý (tab Cơ quan xử lý)" };
let editing = null;

export function init() {
  $("#usr-new").addEventListener("click", () => edit(null));
  $("#usr-cancel").addEventListener("click", () => { $("#usr-form").hidden = true; });
  $("#usr-form").addEventListener("submit", save);
  $("#usr-reset").addEventListener("click", reset);
}

export async function load() {
  S.users = await api("GET", "/api/v1/admin/users");
  render();
}

function siteName(id) {
  if (id === null || id === undefined) return "Mọi điểm · All sites";
  const s = S.sites.find((x) => x.id === id);
  return s ? s.name : `#${id}`;
}

function render() {
  $("#usr-rows").replaceChildren(...S.users.map((u) => el("tr",
    { dataset: { username: u.username, id: String(u.id) }, class: u.active ? "" : "inactive", onclick: () => edit(u) },
    td(u.username, "strong"), td(u.full_name), td(ROLE_VI[u.role] || u.role), td(siteName(u.site_id)),
    td(u.active ? "Hoạt động" : "Đã khóa · Deactivated"))));
}

function siteOptions(selected) {
  const opts = S.sites.map((s) => {
    const o = el("option", { value: String(s.id), text: s.name });
    o.selected = s.id === selected;
    return o;
  });
  const all = el("option", { value: "", text: "Mọi điểm · All sites" });
  all.selected = selected === null;
  $("#usr-site").replaceChildren(...opts, all);
}

function edit(user) {
  editing = user;
  $("#usr-form").hidden = false;
  $("#usr-secret").hidden = true;
  $("#usr-title").textContent = user ? `Sửa người dùng ${user.username} · Edit user` : "Thêm người dùng · New user";
  $("#usr-username").value = user ? user.username : "";
  $("#usr-username").disabled = !!user || S.readonly;
  $("#usr-fullname").value = user ? user.full_name : "";
  $("#usr-role").value = user ? user.role : "clerk";
  siteOptions(user ? user.site_id : S.site ? S.site.id : null);
  $("#usr-site").disabled = S.readonly;
  $("#usr-active").checked = user ? user.active : true;
  $("#usr-active").disabled = !user || S.readonly;
  $("#usr-reset").hidden = !user;
}

function showPassword(password) {
  $("#usr-secret").hidden = false;
  $("#usr-password").textContent = password;
}

async function save(e) {
  e.preventDefault();
  try {
    if (editing) {
      const site = $("#usr-site").value;
      await api("PATCH", `/api/v1/admin/users/${editing.id}`, {
        full_name: $("#usr-fullname").value, role: $("#usr-role").value, active: $("#usr-active").checked,
        site_id: site === "" ? null : Number(site) });
      $("#usr-form").hidden = true;
      done(`Đã lưu người dùng ${editing.username}.`, `User ${editing.username} saved.`);
    } else {
      const site = $("#usr-site").value;
      const made = await api("POST", "/api/v1/admin/users", {
        username: $("#usr-username").value.trim(), full_name: $("#usr-fullname").value,
        role: $("#usr-role").value, site_id: site === "" ? null : Number(site) });
      editing = made;
      $("#usr-title").textContent = `Người dùng ${made.username} · User created`;
      $("#usr-username").disabled = true;
      showPassword(made.password);
      done(`Đã tạo người dùng ${made.username}.`, `User ${made.username} created.`);
    }
    S.users = await api("GET", "/api/v1/admin/users");
    render();
  } catch (err) {
    refusal(err);
  }
}

async function reset() {
  if (!editing) return;
  try {
    const r = await api("POST", `/api/v1/admin/users/${editing.id}/reset-password`);
    showPassword(r.password);
    done(`Đã đặt lại mật khẩu của ${editing.username}.`, `Password of ${editing.username} reset.`);
  } catch (err) {
    refusal(err);
  }
}
