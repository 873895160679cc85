// The agency inbox (/agencies/inbox): a processor of a department signs for the dossiers the
// one-stop desk (or another agency) handed to it, notes its processing, asks the desk for a
// supplement, hands the dossier on along its route or back to the desk with the result, or
// refuses it. Three lists: waiting to be signed for, in processing (each with its step's
// deadline), late. The lists are read again whenever a dossier event arrives on the stream.

import { $, ApiError, api, el } from "/static/js/common.js";
import { message, refusal, staffSignIn, views } from "/static/js/staff_login.js";
import { EventStream } from "/static/js/stream.js";

// the events after which the inbox may have changed (contract of issue 17)
const KINDS = ["dossier.handed_off", "dossier.handoff_signed", "dossier.processing_note", "dossier.supplement_asked",
  "dossier.handed_back", "dossier.handoff_refused", "dossier.step_late", "dossier.apology_needed"];
const LISTS = ["pending", "held", "late"];
const STATE_VI = { pending: "Chờ ký nhận", held: "Đang xử lý", late: "Quá hạn" };
const STEP_VI = { done: "đã xong · done", current: "đang xử lý · current", next: "tiếp theo · next" };
const TZ = "Asia/Ho_Chi_Minh";

const S = { me: null, agencyId: null, agency: null, inbox: null, selected: null, others: null, stream: null,
  loading: null, again: false };
const show = views("inbox");

function timeText(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("vi-VN", { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}

// -- reading the inbox ----------------------------------------------------------------------

async function load() {
  // one read at a time; an event during a read asks for one more read after it
  if (S.loading) { S.again = true; return S.loading; }
  $("#lists").setAttribute("aria-busy", "true");
  S.loading = (async () => {
    try {
      do {
        S.again = false;
        S.inbox = await api("GET", `/api/v1/agencies/${S.agencyId}/inbox`);
        S.agency = S.inbox.agency || S.agency;
        render();
      } while (S.again);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) { show("login"); return; }
      refusal(err);
    } finally {
      S.loading = null;
      $("#lists").removeAttribute("aria-busy");
    }
  })();
  return S.loading;
}

function itemRow(item, list) {
  const late = item.late || list === "late";
  const row = el("li", { class: "ag-item" + (late ? " late" : "") + (S.selected && S.selected.handoff_id === item.handoff_id ? " selected" : ""),
    dataset: { code: item.code, handoff: String(item.handoff_id), list }, tabindex: "0", role: "button",
    onclick: () => select(item, list), onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(item, list); } } },
  el("div", { class: "ag-item-head" }, el("strong", { class: "ag-code", text: item.code }),
    late ? el("span", { class: "badge late", text: "Quá hạn · Late" }) : null,
    item.off_route ? el("span", { class: "badge warn", text: "Ngoài quy trình · Off route" }) : null,
    list === "late" && !item.received_at ? el("span", { class: "badge pending", text: "Chưa ký nhận · Not signed for" }) : null),
  el("div", { class: "ag-proc", text: item.procedure ? item.procedure.name_vi : "" }),
  el("div", { class: "ag-meta" },
    el("span", { text: `Từ ${fromName(item)} · ${timeText(item.handed_at)}` }),
    el("span", { class: "ag-due" + (late ? " bad" : ""), text: `Hạn bước: ${timeText(item.step_due_at)}` })));
  return row;
}

function fromName(item) {
  return item.from && item.from.name_vi ? item.from.name_vi : "Bộ phận một cửa";
}

function render() {
  $("#agency-name").textContent = S.agency ? S.agency.name_vi : "";
  for (const list of LISTS) {
    const items = (S.inbox && S.inbox[list]) || [];
    $(`#list-${list}`).replaceChildren(...items.map((it) => itemRow(it, list)));
    $(`#n-${list}`).textContent = String(items.length);
    $(`#none-${list}`).hidden = items.length > 0;
  }
  // the selected hand-off, as the server now has it (signed: it moved to "held"; handed on: gone)
  if (S.selected) {
    const found = findItem(S.selected.handoff_id);
    if (found) select(found.item, found.list);
    else clearSelection();
  }
}

function findItem(handoffId) {
  for (const list of ["pending", "held", "late"]) {
    const item = ((S.inbox && S.inbox[list]) || []).find((x) => x.handoff_id === handoffId);
    if (item) return { item, list: list === "late" && !item.received_at ? "pending" : list === "late" ? "held" : list };
  }
  return null;
}

// -- the selected dossier -------------------------------------------------------------------

function clearSelection() {
  S.selected = null;
  $("#detail-body").hidden = true;
  $("#detail-none").hidden = false;
  for (const n of document.querySelectorAll(".ag-item.selected")) n.classList.remove("selected");
}

function select(item, list) {
  const changed = !S.selected || S.selected.handoff_id !== item.handoff_id;
  S.selected = item;
  const signed = !!item.received_at;
  const late = item.late || list === "late";
  for (const n of document.querySelectorAll(".ag-item")) {
    n.classList.toggle("selected", n.dataset.handoff === String(item.handoff_id));
  }
  $("#detail-none").hidden = true;
  $("#detail-body").hidden = false;
  $("#detail").dataset.handoff = String(item.handoff_id);
  $("#d-code").textContent = item.code;
  const state = $("#d-state");
  state.textContent = late ? "Quá hạn · Late" : signed ? "Đang xử lý · In processing" : "Chờ ký nhận · To sign for";
  state.className = "badge " + (late ? "late" : signed ? "held" : "pending");
  $("#d-procedure").textContent = item.procedure ? `${item.procedure.code} — ${item.procedure.name_vi}` : "";
  $("#d-applicant").textContent = item.applicant_name || "—";
  $("#d-from").textContent = fromName(item);
  const notes = item.notes || [];
  $("#d-notes-box").hidden = !notes.length;
  $("#d-notes").replaceChildren(...notes.map((n) => el("li", {}, el("span", { class: "ag-note-when", text: `${timeText(n.at)} · ${n.by || ""}` }),
    " ", document.createTextNode(n.text))));
  $("#d-handed").textContent = [timeText(item.handed_at), item.handed_by].filter(Boolean).join(" · ");
  $("#d-received").textContent = signed ? [timeText(item.received_at), item.received_by].filter(Boolean).join(" · ") : "Chưa ký nhận · Not yet";
  $("#d-step-due").textContent = timeText(item.step_due_at);
  $("#d-step-due").classList.toggle("bad", late);
  $("#d-due").textContent = timeText(item.due_at);
  $("#d-off-route").hidden = !item.off_route;
  $("#d-route").replaceChildren(...(item.route || []).map((r) => el("li", { class: `step ${r.state || ""}`,
    dataset: { agency: String(r.agency_id) } },
  el("span", { text: r.name_vi }), " ",
  el("span", { class: "ag-share", text: r.share !== undefined && r.share !== null ? `${Math.round(r.share * 100)}%` : "" }), " ",
  el("span", { class: "ag-step-state", lang: "en", text: STEP_VI[r.state] || "" }))));
  $("#actions-pending").hidden = signed;
  $("#actions-held").hidden = !signed;
  if (changed) {
    for (const f of document.querySelectorAll(".ag-form")) { f.reset(); clearErrors(f); }
    openAction(null);
  }
  fillForward(item);
}

function openAction(act) {
  for (const b of document.querySelectorAll(".ag-tabs [data-act]")) b.setAttribute("aria-selected", String(b.dataset.act === act));
  for (const f of document.querySelectorAll(".ag-form")) f.hidden = f.dataset.act !== act;
  const form = act && $(`#form-${act}`);
  if (form) { const first = form.querySelector("textarea, input, select"); if (first) first.focus(); }
}

// -- forward: the route's next agency first; any other agency asks for a reason ------------------

function nextOnRoute(item) {
  return (item.route || []).find((r) => r.state === "next") || null;
}

async function otherAgencies() {
  if (S.others) return S.others;
  try {
    const r = await api("GET", "/api/v1/agencies");
    S.others = (r.agencies || []).filter((a) => a.active !== false);
  } catch (err) {
    S.others = []; // a processor may only read its own agency: the route's agencies remain
  }
  return S.others;
}

async function fillForward(item) {
  const sel = $("#fwd-agency");
  const previous = sel.dataset.handoff === String(item.handoff_id) ? sel.value : null;
  const next = nextOnRoute(item);
  const seen = new Set([String(S.agencyId)]);
  const options = [];
  const add = (id, name, note) => {
    if (id === null || id === undefined || seen.has(String(id))) return;
    seen.add(String(id));
    options.push(el("option", { value: String(id), text: note ? `${name} — ${note}` : name }));
  };
  if (next) add(next.agency_id, next.name_vi, "bước tiếp theo · next on the route");
  for (const r of item.route || []) if (r.state !== "done") add(r.agency_id, r.name_vi, "trong quy trình · on the route");
  for (const a of await otherAgencies()) add(a.id, a.site_code && S.agency && a.site_id !== S.agency.site_id ? `${a.name_vi} (${a.site_code})` : a.name_vi, "");
  if (!S.selected || S.selected.handoff_id !== item.handoff_id) return;
  if (!options.length) options.push(el("option", { value: "", text: "Không còn cơ quan nào; hãy trả kết quả về một cửa · No agency left: return to the desk" }));
  sel.replaceChildren(...options);
  sel.dataset.handoff = String(item.handoff_id);
  sel.dataset.next = next ? String(next.agency_id) : "";
  if (previous && [...sel.options].some((o) => o.value === previous)) sel.value = previous;
  else if (next) sel.value = String(next.agency_id);
  reasonNeeded();
}

function reasonNeeded() {
  const sel = $("#fwd-agency");
  const off = sel.value !== "" && sel.value !== sel.dataset.next;
  $("#fwd-reason-box").hidden = !off;
  return off;
}

// -- actions --------------------------------------------------------------------------------

function clearErrors(form) {
  for (const n of form.querySelectorAll(".invalid")) n.classList.remove("invalid");
  for (const n of form.querySelectorAll(".error")) n.remove();
}

// The server's refusal, next to the field it names (errors[] of a 422, or its `field`).
function showErrors(form, err) {
  refusal(err);
  if (!(err instanceof ApiError)) return;
  const named = (err.body.errors || []).map((e) => [e.field, e.message_en && e.message_en !== e.message ? `${e.message} (${e.message_en})` : e.message]);
  if (err.body.field) named.push([err.body.field, err.detailEn && err.detailEn !== err.detail ? `${err.detail} (${err.detailEn})` : err.detail]);
  for (const [field, text] of named) {
    const name = String(field || "").replace(/^body\./, "").replace(/\.\d+$/, "");
    const input = form.querySelector(`[data-field="${name}"]`);
    if (!input) continue;
    input.classList.add("invalid");
    input.after(el("div", { class: "error", role: "alert", dataset: { errorFor: name }, text }));
  }
}

async function act(form, path, body, doneVi, doneEn) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    await api("POST", path, body);
    message("success", doneVi, doneEn);
    form.reset();
    openAction(null);
    await load();
  } catch (err) {
    showErrors(form, err);
    if (err instanceof ApiError && err.status === 409) await load();
  } finally {
    if (button) button.disabled = false;
  }
}

function wire() {
  $("#message-close").addEventListener("click", () => message("", ""));
  for (const b of document.querySelectorAll(".ag-tabs [data-act]")) b.addEventListener("click", () => openAction(b.dataset.act));
  $("#act-sign").addEventListener("click", async () => {
    const item = S.selected;
    if (!item) return;
    $("#act-sign").disabled = true;
    try {
      await api("POST", `/api/v1/handoffs/${item.handoff_id}/sign`, {});
      message("success", `Đã ký nhận hồ sơ ${item.code}.`, `Signed for dossier ${item.code}.`);
    } catch (err) {
      refusal(err);
    } finally {
      $("#act-sign").disabled = false;
      await load();
    }
  });
  const id = () => S.selected.handoff_id;
  const code = () => S.selected.code;
  $("#form-note").addEventListener("submit", (e) => {
    e.preventDefault();
    act(e.target, `/api/v1/handoffs/${id()}/notes`, { text: $("#note-text").value },
      `Đã ghi chú xử lý hồ sơ ${code()}.`, `Note saved on ${code()}.`);
  });
  $("#form-supplement").addEventListener("submit", (e) => {
    e.preventDefault();
    const missing = $("#sup-missing").value.split("\n").map((x) => x.trim()).filter(Boolean);
    act(e.target, `/api/v1/handoffs/${id()}/supplement-request`, { missing, reason: $("#sup-reason").value },
      `Đã gửi yêu cầu bổ sung hồ sơ ${code()} cho bộ phận một cửa.`, `The desk was asked for a supplement to ${code()}.`);
  });
  $("#fwd-agency").addEventListener("change", reasonNeeded);
  $("#form-forward").addEventListener("submit", (e) => {
    e.preventDefault();
    const sel = $("#fwd-agency");
    const body = { to_agency_id: sel.value === "" ? null : Number(sel.value) };
    if (reasonNeeded()) body.reason = $("#fwd-reason").value;
    const name = sel.selectedOptions[0] ? sel.selectedOptions[0].textContent.split(" — ")[0] : "";
    act(e.target, `/api/v1/handoffs/${id()}/forward`, body,
      `Đã chuyển hồ sơ ${code()} đến ${name}.`, `Dossier ${code()} handed on to ${name}.`);
  });
  $("#form-return").addEventListener("submit", (e) => {
    e.preventDefault();
    act(e.target, `/api/v1/handoffs/${id()}/return`, { result: $("#ret-result").value },
      `Đã trả kết quả hồ sơ ${code()} về bộ phận một cửa.`, `Dossier ${code()} returned to the desk with its result.`);
  });
  $("#form-refuse").addEventListener("submit", (e) => {
    e.preventDefault();
    act(e.target, `/api/v1/handoffs/${id()}/refuse`, { reason: $("#ref-reason").value },
      `Đã từ chối hồ sơ ${code()}; hồ sơ về bộ phận một cửa.`, `Dossier ${code()} refused and sent back to the desk.`);
  });
}

// -- live -----------------------------------------------------------------------------------

const LIVE_VI = { live: "Trực tiếp · Live", connecting: "Đang kết nối · Connecting", reconnecting: "Đang kết nối lại · Reconnecting",
  stale: "Có thể chưa cập nhật · May be out of date", unauthorized: "Hết phiên · Signed out" };

function listen() {
  if (S.stream) S.stream.stop();
  S.stream = new EventStream("/api/v1/events?kinds=dossier.", {
    onEvent: (event) => { if (KINDS.includes(event.kind)) load(); },
    onStatus: (status) => {
      $("#live").dataset.state = status;
      $("#live").textContent = LIVE_VI[status] || status;
      if (status === "live") load(); // whatever happened while the stream was down
      if (status === "unauthorized") show("login");
    },
  });
  S.stream.start();
}

async function enter(me) {
  S.me = me;
  S.agencyId = me.agency_id ?? null;
  if (S.agencyId === null) {
    const r = await api("GET", "/api/v1/agencies");
    S.agencyId = r.agencies && r.agencies.length ? r.agencies[0].id : null;
  }
  if (S.agencyId === null) {
    show("login");
    message("error", "Tài khoản chưa được gán cơ quan xử lý.", "This account belongs to no agency.");
    return;
  }
  show("inbox");
  clearSelection();
  await load();
  listen();
}

wire();
staffSignIn({
  roles: ["processor"], show, onEnter: enter,
  onLeave: () => { if (S.stream) S.stream.stop(); S.me = null; S.inbox = null; S.others = null; clearSelection(); },
  refused: ["Trang này dành cho cán bộ của cơ quan xử lý hồ sơ.", "This page is for the staff of a processing agency."],
});
