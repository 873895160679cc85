// One dossier as the one-stop desk works it, shared by the reception and supervisor pages:
// its state, the apology prompt when the route will run past the due date, the hand-offs to
// the processing agencies (the rows of the control slip, Mẫu 05, with their on-time or late
// marks), the timeline, and the desk's actions. The hand-off is a choice among the site's
// agencies with the procedure's next agency first; another agency needs a reason (off route).
"use strict";
(() => {
  const M = window.Motcua;
  const { el, api, problemText } = M;

  const ACTIONS = [
    ["supplement-request", "Yêu cầu bổ sung (Mẫu 02)", [["missing", "Giấy tờ cần bổ sung (mỗi dòng một mục)", true], ["reason", "Lý do"], ["contact", "Cán bộ hướng dẫn"]]],
    ["supplemented", "Đã bổ sung đủ", [["note", "Ghi chú"]]],
    ["refuse", "Từ chối (Mẫu 03)", [["reason", "Lý do từ chối"]]],
    ["result-ready", "Đã có kết quả", [["note", "Ghi chú"]]],
    ["return", "Trả kết quả", [["collected_by", "Người nhận kết quả"], ["note", "Ghi chú"]]],
    ["apology", "Xin lỗi, hẹn lại (Mẫu 04)", [["reason", "Lý do chậm"], ["new_appointment", "Ngày hẹn mới (YYYY-MM-DD HH:MM)"]]],
  ];
  // not while an agency holds the dossier (the last two need the desk to hold it anyway)
  const AGENCY_DOES = ["supplement-request", "refuse", "result-ready", "supplemented", "return"];
  // the free-text hand-off of sites without configured agencies (and of old dossiers)
  const FREE_HANDOFF = ["hand-off", "Chuyển hồ sơ", [["to_agency", "Chuyển đến cơ quan, bộ phận"], ["received_by", "Người nhận"], ["note", "Ghi chú"]]];
  const OPEN = ["received", "in_progress"];
  const agenciesOf = {}; // site id -> its agencies (read once per page)
  const TZ = "Asia/Ho_Chi_Minh";
  // "16:00 09/12/2026" in the hall's time zone; parts for the apology form's YYYY-MM-DD HH:MM
  function parts(iso) {
    return Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: TZ, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  }
  function localText(iso) { const p = parts(iso); return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`; }

  function fieldText(e) { return e.message + (e.message_en && e.message_en !== e.message ? ` (${e.message_en})` : ""); }

  // a refusal: the message in `msg`, and each field it names marked in `form`
  function showRefusal(form, msg, err) {
    const p = err.problem || {};
    let marked = 0;
    const named = (p.errors || []).map((e) => [e.field, fieldText(e)]);
    if (p.field) named.push([p.field, problemText(err)]);
    for (const [field, text] of named) {
      const input = form.querySelector(`[data-field="${String(field).replace(/^body\./, "")}"]`);
      if (!input) continue;
      input.classList.add("invalid");
      input.after(el("div", { class: "error", "data-error": field, text }));
      marked += 1;
    }
    if (!marked) msg.textContent = problemText(err);
  }
  function clearRefusal(form, msg) {
    msg.textContent = "";
    form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
    form.querySelectorAll(".error[data-error]").forEach((n) => n.remove());
  }

  async function siteAgencies(siteId) {
    if (!(siteId in agenciesOf)) {
      try { agenciesOf[siteId] = ((await api(`/api/v1/agencies?site=${encodeURIComponent(siteId)}`)).agencies || []).filter((a) => a.active !== false); }
      catch (err) { agenciesOf[siteId] = []; }
    }
    return agenciesOf[siteId];
  }

  // the route's next agency: marked "next" by the server, or the first one not yet handed to
  function nextOnRoute(d) {
    const route = d.route || [];
    if (d.next_route_agency_id !== undefined) {
      return d.next_route_agency_id === null ? null
        : route.find((r) => r.agency_id === d.next_route_agency_id) || { agency_id: d.next_route_agency_id, name_vi: "" };
    }
    const marked = route.find((r) => r.state === "next");
    if (marked || route.some((r) => r.state)) return marked || null;
    const reached = new Set((d.handoffs || []).map((h) => h.to_name));
    return route.find((r) => !reached.has(r.name_vi)) || null;
  }

  function handoffForm(d, agencies, refresh) {
    const next = nextOnRoute(d);
    const onRoute = new Set((d.route || []).map((r) => String(r.agency_id)));
    const select = el("select", { id: "handoff-agency", "data-field": "to_agency_id" });
    const seen = new Set();
    const option = (id, text) => { if (seen.has(String(id))) return; seen.add(String(id)); select.append(el("option", { value: String(id), text })); };
    if (next) option(next.agency_id, `${next.name_vi} — bước tiếp theo của quy trình · next on the route`);
    for (const r of d.route || []) option(r.agency_id, `${r.name_vi} — trong quy trình · on the route`);
    for (const a of agencies) option(a.id, a.site_id !== d.site_id && a.site_code ? `${a.name_vi} (${a.site_code})` : a.name_vi);
    if (next) select.value = String(next.agency_id);
    const reason = el("input", { type: "text", id: "handoff-reason", "data-field": "reason", maxlength: 1000 });
    const reasonBox = el("div", { id: "handoff-reason-box", class: "hidden" },
      el("label", { for: "handoff-reason" }, "Lý do chuyển ngoài quy trình ", el("span", { class: "en", text: "Reason for leaving the route" })), reason);
    const offRoute = () => (next ? select.value !== String(next.agency_id) : !onRoute.has(select.value));
    const sync = () => reasonBox.classList.toggle("hidden", !offRoute());
    select.addEventListener("change", sync);
    sync();
    const msg = el("div", { class: "error", role: "alert" });
    const form = el("form", { class: "card", id: "handoff-form", novalidate: true },
      el("b", {}, "Chuyển xử lý ", el("span", { class: "en", text: "Hand to a processing agency" })),
      el("label", { for: "handoff-agency" }, "Cơ quan, bộ phận xử lý ", el("span", { class: "en", text: "Agency" })), select,
      reasonBox, el("p", {}, el("button", { type: "submit", id: "handoff-submit" }, "Chuyển hồ sơ")), msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault(); clearRefusal(form, msg);
      const body = { to_agency_id: select.value === "" ? null : Number(select.value) };
      if (offRoute()) body.reason = reason.value;
      try { await api(`/api/v1/dossiers/${d.id}/handoffs`, { method: "POST", body }); refresh(); }
      catch (err) { showRefusal(form, msg, err); }
    });
    return form;
  }

  // a hand back (with the result, a refusal or a supplement request) waits for the desk to sign for it
  function returnedBox(d, refresh) {
    const back = (d.handoffs || []).find((h) => (h.to_agency_id === null || h.to_agency_id === undefined) && h.state === "pending");
    if (!back) return null;
    const msg = el("div", { class: "error", role: "alert" });
    const what = back.result ? `Kết quả: ${back.result}` : back.reason ? `Lý do: ${back.reason}` : "";
    return el("div", { class: "notice warn", id: "returned-box", "data-handoff": String(back.id) },
      el("b", { text: `${back.from_name} đã chuyển hồ sơ về bộ phận một cửa` }), " ",
      el("span", { class: "en", text: "Handed back to the desk" }),
      what ? el("div", { id: "returned-what", text: what }) : null,
      el("p", {}, el("button", { type: "button", id: "returned-sign", onclick: async () => {
        msg.textContent = "";
        try { await api(`/api/v1/handoffs/${back.id}/sign`, { method: "POST", body: {} }); refresh(); }
        catch (err) { msg.textContent = problemText(err); }
      } }, "Ký nhận hồ sơ trả về")), msg);
  }

  function actionForm([path, title, fields], d, refresh) {
    const inputs = fields.map(([name, label, multi]) => [name, multi ? el("textarea", { rows: 2, "data-field": name }) : el("input", { type: "text", "data-field": name }), label, multi]);
    const msg = el("div", { class: "error", role: "alert" });
    if (path === "apology" && d.forecast_at) {
      // the forecast as the new date to start from (the clerk confirms or changes it)
      const p = parts(d.forecast_at);
      inputs[1][1].value = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    }
    const form = el("form", { class: "card" }, el("b", { text: title }),
      ...inputs.map(([, input, label]) => el("div", {}, el("label", { text: label }), input)),
      el("p", {}, el("button", { type: "submit", text: title })), msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault(); clearRefusal(form, msg);
      const body = {};
      for (const [name, input, , multi] of inputs) body[name] = multi ? input.value.split("\n").filter((x) => x.trim()) : input.value;
      try { await api(`/api/v1/dossiers/${d.id}/${path}`, { method: "POST", body }); refresh(); }
      catch (err) { showRefusal(form, msg, err); }
    });
    return el("details", { "data-action": path }, el("summary", { text: title }), form);
  }

  function handoffRows(d) {
    const rows = d.handoffs || [];
    if (!rows.length) return null;
    const who = (at, by) => [at && localText(at), by].filter(Boolean).join(" · ") || "—";
    const when = (at) => (at ? localText(at) : "—");
    return el("div", { id: "handoffs" },
      el("h3", {}, "Phiếu kiểm soát quá trình giải quyết (Mẫu 05) ", el("span", { class: "en", text: "Control slip: hand-offs" })),
      el("table", { class: "list" },
        el("tr", {}, ["#", "Bên giao → bên nhận", "Giao", "Nhận", "Hạn bước", "Xong", "Kết quả", "Ghi chú"].map((t) => el("th", { text: t }))),
        rows.map((h) => el("tr", { "data-seq": String(h.seq), "data-timing": h.timing || "" },
          el("td", { text: String(h.seq) }), el("td", { text: `${h.from_name} → ${h.to_name}` }),
          el("td", { text: who(h.handed_at, h.handed_by) }), el("td", { text: who(h.received_at, h.received_by) }),
          el("td", { text: when(h.step_due_at) }), el("td", { text: when(h.done_at) }),
          el("td", {}, h.timing ? el("span", { class: `badge ${h.timing}`, text: h.timing_vi || h.timing }) :
            el("span", { class: "en", text: { pending: "chờ ký nhận", held: "đang xử lý", refused: "từ chối" }[h.state] || "" })),
          el("td", { text: [h.off_route ? "Ngoài quy trình" : "", h.reason].filter(Boolean).join(": ") })))));
  }

  // Draw dossier `code` into `box`; `onChange` after every action (the page reloads its lists).
  M.openDossier = async (box, code, { onChange } = {}) => {
    const refresh = () => { M.openDossier(box, code, { onChange }); if (onChange) onChange(); };
    try {
      const d = await api(`/api/v1/dossiers/${encodeURIComponent(code)}`);
      const agencies = await siteAgencies(d.site_id);
      const atDesk = (d.current_agency_id === null || d.current_agency_id === undefined) && OPEN.includes(d.state);
      const letters = [["apology", "Mẫu 04"], ["supplement", "Mẫu 02"], ["refusal", "Mẫu 03"]]
        .filter(([k]) => (d.steps || []).some((s) => s.kind === { apology: "apology", supplement: "supplement_requested", refusal: "refused" }[k]))
        .map(([k, t]) => el("a", { href: `/api/v1/dossiers/${d.id}/letters/${k}.pdf`, target: "_blank", text: t }));
      // while an agency holds it, the agency asks for documents, refuses or returns the result
      // (from its inbox); the desk keeps only what it can do meanwhile (the apology letter)
      const held = d.current_agency_id !== null && d.current_agency_id !== undefined;
      const actions = ACTIONS.filter(([name]) => !held || !AGENCY_DOES.includes(name)).map((a) => actionForm(a, d, refresh));
      const heldNote = held ? el("p", { class: "notice", id: "held-note" },
        `${d.current_agency} đang xử lý hồ sơ: cơ quan yêu cầu bổ sung, từ chối hoặc trả kết quả trong hộp hồ sơ của mình. `,
        el("span", { class: "en", text: "The agency asks for documents, refuses or returns the result from its inbox." })) : null;
      const apology = actions.find((n) => n.dataset.action === "apology");
      const banner = d.apology_needed ? el("div", { class: "notice warn", id: "apology-banner", role: "alert" },
        el("b", { text: "Cần gửi phiếu xin lỗi và hẹn lại ngày trả" }), " ",
        el("span", { class: "en", text: "Send the apology letter with a new date" }),
        d.forecast_at ? el("div", { text: `Dự kiến có kết quả: ${localText(d.forecast_at)}, sau hẹn trả ${d.appointment_at_vi}. · Forecast past the appointment.` }) : null,
        el("p", {}, el("button", { type: "button", id: "apology-open", onclick: () => {
          apology.open = true; apology.scrollIntoView({ block: "center" });
          const first = apology.querySelector("input, textarea"); if (first) first.focus();
        } }, "Lập phiếu xin lỗi (Mẫu 04)"))) : null;
      box.replaceChildren(...[
        el("p", {}, el("b", { text: d.code }), ` — ${d.procedure.name_vi} — `, el("span", { class: "badge " + (d.due_state || d.outcome || ""), text: d.state_vi }),
          d.due_state_vi ? ` (${d.due_state_vi})` : ""),
        el("p", { text: `${d.applicant.name} · ${d.applicant.phone || ""} · hẹn trả ${d.appointment_at_vi}` }),
        el("p", { id: "held-by" }, "Đang ở: ", el("b", { text: d.current_agency || "Bộ phận một cửa" })),
        banner,
        returnedBox(d, refresh),
        d.calendar_notice ? el("p", { class: "notice warn", text: `${d.calendar_notice.vi} / ${d.calendar_notice.en}` }) : "",
        el("p", { class: "row" }, el("a", { href: d.links.receipt_pdf, target: "_blank", text: "Giấy tiếp nhận" }),
          el("a", { href: `/api/v1/dossiers/${d.id}/control-slip.pdf`, target: "_blank", text: "Phiếu kiểm soát (Mẫu 05)" }), ...letters),
        atDesk && (agencies.length || (d.route || []).length) ? handoffForm(d, agencies, refresh) : null,
        handoffRows(d),
        el("h3", {}, "Quá trình ", el("span", { class: "en", text: "Timeline" })),
        el("ul", { class: "timeline" }, (d.steps || []).map((s) => el("li", {}, el("b", { text: s.name_vi }),
          el("div", { class: "when", text: [s.at_local, s.from_agency && `${s.from_agency} → ${s.to_agency}`, s.timing_vi, s.reason].filter(Boolean).join(" · ") })))),
        agencies.length || (d.route || []).length || held ? null : actionForm(FREE_HANDOFF, d, refresh),
        heldNote,
        ...actions].filter((n) => n !== null && n !== undefined && n !== ""));
      box.dataset.code = d.code;
      return d;
    } catch (err) { box.replaceChildren(el("p", { class: "error", text: problemText(err) })); return null; }
  };
})();
