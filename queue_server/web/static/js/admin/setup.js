// The first-start page (/setup): while the server has no user, create the first
// administrator (and the hall's site when there is none), then go to /admin.

import { $, ApiError, api } from "../common.js";
import { message, refusal } from "./ui.js";

let state = null;

async function start() {
  $("#message-close").addEventListener("click", () => message("", ""));
  $("#setup-form").addEventListener("submit", save);
  try {
    state = await api("GET", "/api/v1/setup");
  } catch (err) {
    refusal(err);
    return;
  }
  $("#setup-checking").hidden = true;
  if (!state.needed) {
    $("#setup-done").hidden = false;
    return;
  }
  $("#setup-form").hidden = false;
  $("#site-fields").hidden = !!state.site;
  for (const id of ["#site-code", "#site-name"]) $(id).required = !state.site;
  if (state.site) {
    $("#site-known").hidden = false;
    $("#site-known").textContent = `Điểm phục vụ: ${state.site.name} (${state.site.code}) · Site already set`;
  }
  $(state.site ? "#admin-username" : "#site-code").focus();
}

async function save(e) {
  e.preventDefault();
  if ($("#admin-password").value !== $("#admin-password2").value) {
    message("error", "Hai mật khẩu không khớp.", "The two passwords differ.");
    return;
  }
  const body = { username: $("#admin-username").value.trim(), full_name: $("#admin-fullname").value,
    password: $("#admin-password").value };
  if (!state.site) {
    body.site = { code: $("#site-code").value.trim(), name: $("#site-name").value, agency_code: $("#site-agency").value,
      timezone: $("#site-timezone").value.trim() || "Asia/Ho_Chi_Minh" };
  }
  try {
    await api("POST", "/api/v1/setup", body);
    $("#setup-form").hidden = true;
    $("#setup-done").hidden = false;
    $("#done-text").textContent = `Đã tạo tài khoản ${body.username}. Hãy đăng nhập để thiết lập dịch vụ, quầy, người dùng và thiết bị. · Account created; log in to set up the hall.`;
    message("success", `Đã tạo tài khoản quản trị ${body.username}.`, "The first administrator is created.");
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      $("#setup-form").hidden = true;
      $("#setup-done").hidden = false;
    }
    refusal(err);
  }
}

start();
