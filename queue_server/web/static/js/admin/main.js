// The administration page (/admin): sign in, pick the hall, switch tabs. An administrator
// changes the hall; a supervisor reads it (every form is disabled and the server refuses
// changes below the admin role anyway). Each tab is its own module.

import { $, ApiError, api } from "../common.js";
import { staffSignIn } from "../staff_login.js";
import * as agencies from "./agencies.js";
import * as audit from "./audit.js";
import * as counters from "./counters.js";
import * as catalog from "./catalog.js";
import * as devices from "./devices.js";
import * as holidays from "./holidays.js";
import * as services from "./services.js";
import * as site from "./site.js";
import { S, message, refusal } from "./ui.js";
import * as users from "./users.js";

const TABS = { site, services, counters, users, devices, holidays, agencies, catalog, audit };

function show(view) {
  document.body.dataset.view = view;
  $("#view-login").hidden = view !== "login";
  $("#view-admin").hidden = view !== "admin";
  $("#logout").hidden = view !== "admin";
}

// A database with no user yet: the first administrator is made on /setup.
async function firstStart() {
  try {
    const setup = await api("GET", "/api/v1/setup");
    if (setup.needed) location.assign("/setup");
  } catch (err) { /* the login form stays */ }
}

async function enter(me) {
  S.me = me;
  S.readonly = me.role !== "admin";
  document.body.classList.toggle("readonly", S.readonly);
  $("#readonly").hidden = !S.readonly;
  S.sites = await api("GET", "/api/v1/admin/sites");
  const wanted = new URLSearchParams(location.search).get("site");
  S.site = S.sites.find((s) => String(s.id) === wanted || s.code === wanted)
    || S.sites.find((s) => s.id === me.site_id) || S.sites[0] || null;
  $("#site-title").textContent = S.site ? S.site.name : "";
  show("admin");
  for (const input of document.querySelectorAll("#view-admin .write, #view-admin form input, #view-admin form select")) {
    if (S.readonly && !input.closest("#audit-filter")) input.disabled = true;
  }
  await openTab(location.hash.slice(1) in TABS ? location.hash.slice(1) : "site");
}

async function openTab(name) {
  for (const b of document.querySelectorAll(".ad-tabs [data-tab]")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
  }
  for (const key of Object.keys(TABS)) $(`#tab-${key}`).hidden = key !== name;
  document.body.dataset.tab = name;
  if (location.hash.slice(1) !== name) history.replaceState(null, "", `#${name}`);
  if (!S.site && name !== "users") return;
  // while a tab reads the server, its lists are about to be redrawn (aria-busy; tests wait on it)
  $(`#tab-${name}`).setAttribute("aria-busy", "true");
  try {
    await TABS[name].load();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { show("login"); return; }
    refusal(err);
  } finally {
    $(`#tab-${name}`).removeAttribute("aria-busy");
  }
}

for (const mod of Object.values(TABS)) if (mod.init) mod.init();
$("#message-close").addEventListener("click", () => message("", ""));
for (const b of document.querySelectorAll(".ad-tabs [data-tab]")) {
  b.addEventListener("click", () => { message("", ""); openTab(b.dataset.tab); });
}
staffSignIn({
  show, onEnter: enter, onLeave: () => { S.me = null; }, onNoSession: firstStart,
  refused: ["Trang này dành cho quản trị (giám sát được xem).",
    "This page is for administrators (supervisors may read it)."],
});
