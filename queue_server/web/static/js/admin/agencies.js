// The processing agencies tab (một cửa liên thông, issue 17): the site's departments that
// process dossiers (create, rename, deactivate), the processor accounts of each (a user with
// role "processor" and its agency; the password is shown once), and each procedure's route:
// the agencies in order with the share of the legal time each step has.

import { $, api, el } from "../common.js";
import { disableHours, fillHours, hoursRows, readHours } from "./hours.js";
import { S, done, refusal, td } from "./ui.js";

const A = { agencies: [], all: [], procedures: [], route: [], editing: null, editingUser: null };

export function init() {
  $("#agc-new").addEventListener("click", () => edit(null));
  $("#agc-cancel").addEventListener("click", () => { $("#agc-form").hidden = true; });
  $("#agc-form").addEventListener("submit", save);
  hoursRows($("#agc-hours-rows"), "agc-hours", "hours");
  $("#agc-hours-own").addEventListener("change", ownHoursShown);
  $("#prc-new").addEventListener("click", () => editUser(null));
  $("#prc-cancel").addEventListener("click", () => { $("#prc-form").hidden = true; });
  $("#prc-form").addEventListener("submit", saveUser);
  $("#rte-procedure").addEventListener("change", () => loadRoute().catch(refusal));
  $("#rte-add").addEventListener("click", () => { A.route.push({ agency: "", share: 0 }); renderRoute(); });
  $("#rte-form").addEventListener("submit", saveRoute);
}

const site = () => encodeURIComponent(S.site.code);

export async function load() {
  // a route step may name another site's agency (a ward desk hands to a city department)
  const others = S.sites.filter((x) => x.id !== S.site.id).map((x) =>
    api("GET", `/api/v1/agencies?site=${encodeURIComponent(x.code)}`).then((r) => r.agencies, () => []));
  const [mine, users, procs, ...elsewhere] = await Promise.all([
    api("GET", `/api/v1/agencies?site=${site()}`),
    api("GET", "/api/v1/admin/users"),
    api("GET", `/api/v1/dossiers/procedures?site=${site()}`),
    ...others,
  ]);
  A.agencies = mine.agencies;
  A.all = [...mine.agencies, ...elsewhere.flat()];
  S.users = users;
  A.procedures = procs.procedures;
  render();
  const chosen = $("#rte-procedure").value;
  $("#rte-procedure").replaceChildren(el("option", { value: "", text: "— Chọn thủ tục · Pick a procedure —" }),
    ...A.procedures.map((p) => el("option", { value: p.code, text: `${p.code} — ${p.name.vi}` })));
  if (chosen && A.procedures.some((p) => p.code === chosen)) $("#rte-procedure").value = chosen;
  await loadRoute();
}

function agencyName(id) {
  const a = A.all.find((x) => x.id === id) || A.agencies.find((x) => x.id === id);
  return a ? a.name_vi : id === null || id === undefined ? "—" : `#${id}`;
}

function render() {
  $("#agc-rows").replaceChildren(...A.agencies.map((a) => el("tr",
    { dataset: { code: a.code, id: String(a.id) }, class: a.active ? "" : "inactive", onclick: () => edit(a) },
    td(a.code, "strong"), td(a.name_vi), td(a.sort_order, "num"), td(a.active ? "Hoạt động" : "Ngừng · Inactive"))));
  const mineIds = new Set(A.agencies.map((a) => a.id));
  const processors = S.users.filter((u) => u.role === "processor" && (mineIds.has(u.agency_id) || u.site_id === S.site.id));
  $("#prc-rows").replaceChildren(...processors.map((u) => el("tr",
    { dataset: { username: u.username, id: String(u.id) }, class: u.active ? "" : "inactive", onclick: () => editUser(u) },
    td(u.username, "strong"), td(u.full_name), td(agencyName(u.agency_id)), td(u.active ? "Hoạt động" : "Đã khóa · Deactivated"))));
}

// -- agencies -------------------------------------------------------------------------------

function edit(agency) {
  A.editing = agency;
  $("#agc-form").hidden = false;
  $("#agc-title").textContent = agency ? `Sửa cơ quan ${agency.code} · Edit agency` : "Thêm cơ quan xử lý · New agency";
  $("#agc-code").value = agency ? agency.code : "";
  $("#agc-code").disabled = !!agency || S.readonly;
  $("#agc-name-vi").value = agency ? agency.name_vi : "";
  $("#agc-name-en").value = agency ? agency.name_en || "" : "";
  $("#agc-order").value = agency ? agency.sort_order ?? "" : "";
  $("#agc-days-off").value = agency ? (agency.days_off || []).join("\n") : "";
  // no hours of its own: the desk's (the site's) are shown, greyed, and count for its steps
  $("#agc-hours-own").checked = !!(agency && agency.hours);
  $("#agc-hours-own").disabled = S.readonly;
  fillHours($("#agc-hours-rows"), (agency && agency.hours) || S.site.hours_in_effect);
  ownHoursShown();
  $("#agc-active").checked = agency ? agency.active : true;
  $("#agc-active").disabled = !agency || S.readonly;
  $("#agc-name-vi").focus();
}

function ownHoursShown() {
  disableHours($("#agc-hours-rows"), !$("#agc-hours-own").checked || S.readonly);
}

// a refusal naming an hours field (hours.mon…) marks its input
function markHours(err) {
  for (const input of document.querySelectorAll("#agc-hours-rows .bad")) input.classList.remove("bad");
  const field = err && err.body && err.body.field;
  const input = field && document.querySelector(`#agc-hours-rows [data-field="${field}"]`);
  if (input) { input.classList.add("bad"); input.focus(); }
}

async function save(e) {
  e.preventDefault();
  const body = { name_vi: $("#agc-name-vi").value, name_en: $("#agc-name-en").value,
    days_off: $("#agc-days-off").value.split(/\s+/).filter(Boolean),
    hours: $("#agc-hours-own").checked ? readHours($("#agc-hours-rows")) : null };
  const order = $("#agc-order").value.trim();
  if (order !== "") body.sort_order = Number(order);
  try {
    let saved;
    if (A.editing) {
      saved = await api("PATCH", `/api/v1/agencies/${A.editing.id}`, { ...body, active: $("#agc-active").checked });
    } else {
      saved = await api("POST", "/api/v1/agencies", { ...body, site: S.site.code, code: $("#agc-code").value.trim() });
    }
    $("#agc-form").hidden = true;
    markHours(null);
    done(`Đã lưu cơ quan ${saved.name_vi}.`, `Agency ${saved.code} saved.`);
    await load();
  } catch (err) {
    markHours(err);
    refusal(err);
  }
}

// -- processor accounts ---------------------------------------------------------------------

function editUser(user) {
  A.editingUser = user;
  $("#prc-form").hidden = false;
  $("#prc-secret").hidden = true;
  $("#prc-title").textContent = user ? `Tài khoản ${user.username} · Processor account` : "Thêm tài khoản cán bộ xử lý · New processor";
  $("#prc-username").value = user ? user.username : "";
  $("#prc-username").disabled = !!user || S.readonly;
  $("#prc-fullname").value = user ? user.full_name : "";
  $("#prc-agency").replaceChildren(...A.agencies.filter((a) => a.active || (user && a.id === user.agency_id))
    .map((a) => el("option", { value: String(a.id), text: a.name_vi })));
  if (user && user.agency_id) $("#prc-agency").value = String(user.agency_id);
  $("#prc-agency").disabled = S.readonly;
  $("#prc-active").checked = user ? user.active : true;
  $("#prc-active").disabled = !user || S.readonly;
}

async function saveUser(e) {
  e.preventDefault();
  const agency = $("#prc-agency").value;
  const agencyId = agency === "" ? null : Number(agency);
  try {
    if (A.editingUser) {
      await api("PATCH", `/api/v1/admin/users/${A.editingUser.id}`, { full_name: $("#prc-fullname").value,
        role: "processor", agency_id: agencyId, active: $("#prc-active").checked });
      $("#prc-form").hidden = true;
      done(`Đã lưu tài khoản ${A.editingUser.username}.`, `Account ${A.editingUser.username} saved.`);
    } else {
      const made = await api("POST", "/api/v1/admin/users", { username: $("#prc-username").value.trim(),
        full_name: $("#prc-fullname").value, role: "processor", site_id: S.site.id, agency_id: agencyId });
      A.editingUser = made;
      $("#prc-title").textContent = `Tài khoản ${made.username} · Account created`;
      $("#prc-username").disabled = true;
      $("#prc-secret").hidden = false;
      $("#prc-password").textContent = made.password;
      done(`Đã tạo tài khoản ${made.username}.`, `Account ${made.username} created.`);
    }
    S.users = await api("GET", "/api/v1/admin/users");
    render();
  } catch (err) {
    refusal(err);
  }
}

// -- routes ---------------------------------------------------------------------------------

// how a route step names its agency: its code on this site, "SITE:CODE" on another site
function refOf(a) {
  return a.site_id === S.site.id ? a.code : `${a.site_code}:${a.code}`;
}

async function loadRoute() {
  const code = $("#rte-procedure").value;
  A.route = [];
  if (code) {
    const r = await api("GET", `/api/v1/procedures/${encodeURIComponent(code)}/route?site=${site()}`);
    A.route = (r.route || []).map((s) => ({
      agency: s.site_code && s.site_code !== S.site.code ? `${s.site_code}:${s.agency_code}` : s.agency_code,
      share: Math.round((s.share || 0) * 1000) / 10 }));
  }
  renderRoute();
}

function renderRoute() {
  const code = $("#rte-procedure").value;
  $("#rte-add").disabled = !code || S.readonly;
  $("#rte-save").disabled = !code || S.readonly;
  const choices = A.all.filter((a) => a.active);
  $("#rte-rows").replaceChildren(...A.route.map((step, i) => {
    const sel = el("select", { class: "rte-agency", "aria-label": `Cơ quan bước ${i + 1} · Agency of step ${i + 1}` },
      el("option", { value: "", text: "— Chọn cơ quan · Pick an agency —" }),
      ...choices.map((a) => el("option", { value: refOf(a), text: a.site_id === S.site.id ? a.name_vi : `${a.name_vi} (${a.site_code})` })));
    sel.value = step.agency;
    sel.disabled = S.readonly;
    sel.addEventListener("change", () => { step.agency = sel.value; });
    const share = el("input", { type: "number", class: "rte-share", min: "1", max: "100", step: "0.1",
      "aria-label": `Phần thời hạn bước ${i + 1} · Share of step ${i + 1}` });
    share.value = step.share;
    share.disabled = S.readonly;
    share.addEventListener("input", () => { step.share = Number(share.value) || 0; total(); });
    const remove = el("button", { type: "button", class: "small danger write", text: "Bỏ · Remove",
      onclick: () => { A.route.splice(i, 1); renderRoute(); } });
    return el("tr", { dataset: { step: String(i + 1) } }, td(i + 1, "num"), el("td", {}, sel), el("td", { class: "num" }, share), el("td", {}, remove));
  }));
  total();
}

function total() {
  const sum = A.route.reduce((n, s) => n + (Number(s.share) || 0), 0);
  const box = $("#rte-total");
  box.textContent = $("#rte-procedure").value
    ? `Tổng ${Math.round(sum * 10) / 10}% thời hạn; bộ phận một cửa ${Math.max(0, Math.round((100 - sum) * 10) / 10)}%. · Total ${Math.round(sum * 10) / 10}%.`
    : "";
  box.classList.toggle("bad", sum > 100);
}

async function saveRoute(e) {
  e.preventDefault();
  const code = $("#rte-procedure").value;
  if (!code) return;
  try {
    await api("PUT", `/api/v1/procedures/${encodeURIComponent(code)}/route?site=${site()}`,
      { route: A.route.map((s) => ({ agency: s.agency, share: Math.round((Number(s.share) || 0) * 10) / 1000 })) });
    done(`Đã lưu quy trình của thủ tục ${code}.`, `Route of procedure ${code} saved.`);
    await loadRoute();
  } catch (err) {
    refusal(err);
  }
}
