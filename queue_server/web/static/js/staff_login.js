// The staff pages' login and chrome. Signing a supervisor or admin in on a staff page (/supervisor, /supervisor/feedback,
// /reports, /admin; the login form's ids are the same on each): reuse the session cookie when
// there is one, otherwise show the form (and call `onNoSession`, e.g. to offer the first
// start); someone whose role the page does not serve is told so (`refused`).

import { $, ApiError, api, setCsrf } from "./common.js";

// The staff pages' shared chrome: `views("monitor")` gives the show(view) that switches
// between the login form and the page's main view; message/refusal fill the #message box.
export function views(main) {
  return (view) => {
    document.body.dataset.view = view;
    $("#view-login").hidden = view !== "login";
    $(`#view-${main}`).hidden = view !== main;
    $("#logout").hidden = view !== main;
  };
}

export function message(kind, vi, en) {
  const box = $("#message");
  box.hidden = !vi;
  box.dataset.kind = kind;
  $("#message-vi").textContent = vi || "";
  $("#message-en").textContent = en || "";
}

export function refusal(err) {
  if (err instanceof ApiError) message("error", err.detail, err.detailEn);
  else message("error", "Đã xảy ra lỗi.", String(err));
}

const NOT_FOR_YOU = ["Trang này dành cho giám sát và quản trị.", "This page is for supervisors and administrators."];

export function staffSignIn({ roles = ["supervisor", "admin"], show, onEnter, onLeave, onNoSession,
  refused = NOT_FOR_YOU }) {
  function refuse(vi, en) {
    show("login");
    $("#login-error").hidden = false;
    $("#login-error-vi").textContent = vi;
    $("#login-error-en").textContent = en;
  }

  async function enter(me) {
    if (!roles.includes(me.role)) {
      refuse(refused[0], refused[1]);
      return;
    }
    $("#user").textContent = me.full_name || me.name || me.username || "";
    await onEnter(me);
  }

  async function boot() {
    try {
      const me = await api("GET", "/api/v1/auth/me");
      setCsrf(me.csrf_token);
      await enter(me);
    } catch (err) {
      show("login");
      if (!(err instanceof ApiError && err.status === 401)) {
        refuse("Không kết nối được máy chủ.", String(err));
      }
      if (onNoSession) await onNoSession();
    }
  }

  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#login-error").hidden = true;
    try {
      const r = await api("POST", "/api/v1/auth/login", {
        username: $("#username").value.trim(), password: $("#password").value });
      setCsrf(r.csrf_token);
      $("#password").value = "";
      await enter(r.user);
    } catch (err) {
      refuse(err instanceof ApiError ? err.detail : "Không kết nối được máy chủ.",
        err instanceof ApiError ? err.detailEn : "Cannot reach the server.");
    }
  });
  $("#logout").addEventListener("click", async () => {
    try { await api("POST", "/api/v1/auth/logout"); } catch { /* signed out anyway */ }
    if (onLeave) onLeave();
    show("login");
  });
  return boot();
}
