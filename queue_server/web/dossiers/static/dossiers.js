// Shared helpers of the dossier pages: JSON calls with the session cookie and its CSRF
// token, problem+json errors shown in Vietnamese (English second), small DOM helpers.
"use strict";
const M = (window.Motcua = window.Motcua || {});
M.csrf = null;

M.el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c.nodeType ? c : String(c));
  return node;
};
M.$ = (sel, root = document) => root.querySelector(sel);

M.api = async (path, opts = {}) => {
  const init = { method: opts.method || "GET", credentials: "same-origin", headers: { Accept: "application/json" } };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers["Content-Type"] = "application/json";
  }
  if (init.method !== "GET" && M.csrf) init.headers["X-CSRF-Token"] = M.csrf;
  const res = await fetch(path, init);
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json() : null;
  if (!res.ok) {
    const err = new Error((data && data.detail) || res.statusText);
    err.status = res.status; err.problem = data || {};
    throw err;
  }
  return data;
};

M.problemText = (err) => {
  const p = err.problem || {};
  return p.detail ? (p.detail_en && p.detail_en !== p.detail ? `${p.detail} (${p.detail_en})` : p.detail) : String(err.message);
};

// Resolve with the signed-in user, or show the login form in `box` and resolve after login.
M.requireLogin = (box) => new Promise((resolve) => {
  const done = (me) => { M.csrf = me.csrf_token || M.csrf; box.classList.add("hidden"); resolve(me); };
  M.api("/api/v1/auth/me").then(done).catch(() => {
    box.classList.remove("hidden");
    box.innerHTML = "";
    const user = M.el("input", { type: "text", id: "login-user", autocomplete: "username" });
    const pass = M.el("input", { type: "password", id: "login-pass", autocomplete: "current-password" });
    const msg = M.el("div", { class: "error" });
    const form = M.el("form", { class: "card" },
      M.el("h2", {}, "Đăng nhập ", M.el("span", { class: "en", text: "Sign in" })),
      M.el("label", { for: "login-user" }, "Tên đăng nhập ", M.el("span", { class: "en", text: "Username" })), user,
      M.el("label", { for: "login-pass" }, "Mật khẩu ", M.el("span", { class: "en", text: "Password" })), pass,
      M.el("p", {}, M.el("button", { type: "submit", id: "login-submit" }, "Đăng nhập")), msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const r = await M.api("/api/v1/auth/login", { method: "POST", body: { username: user.value, password: pass.value } });
        M.csrf = r.csrf_token;
        done({ ...r.user, csrf_token: r.csrf_token });
      } catch (err) { msg.textContent = M.problemText(err); }
    });
    box.append(form);
  });
});

M.money = (n) => (n ? n.toLocaleString("vi-VN") + " đồng" : "Không thu phí, lệ phí");
M.qs = (name) => new URLSearchParams(location.search).get(name);
