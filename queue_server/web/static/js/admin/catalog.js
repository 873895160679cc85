// The procedure catalogue tab: import a catalogue file from the browser (the server checks it
// as `motcua catalog import` does: nothing imported when anything is wrong, every error
// listed here), and browse what is loaded, by field, searchable without diacritics.

import { $, ApiError, api, csrfHeaders, el } from "../common.js";
import { S, done, refusal, td } from "./ui.js";

let catalog = null;

export function init() {
  $("#cat-form").addEventListener("submit", upload);
  $("#cat-search").addEventListener("input", render);
  $("#cat-field").addEventListener("change", render);
}

// "Đăng ký khai sinh" and "dang ky khai sinh" match alike.
function fold(text) {
  return String(text || "").normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D")
    .toLowerCase();
}

export async function load() {
  catalog = await api("GET", `/api/v1/catalog?site=${encodeURIComponent(S.site.code)}`);
  const chosen = $("#cat-field").value;
  $("#cat-field").replaceChildren(el("option", { value: "", text: "Tất cả · Every field" }),
    ...catalog.fields.map((f) => el("option", { value: f.code, text: `${f.name.vi} (${f.procedures})` })));
  if (chosen && catalog.fields.some((f) => f.code === chosen)) $("#cat-field").value = chosen;
  render();
}

function render() {
  const fields = new Map(catalog.fields.map((f) => [f.code, f.name.vi]));
  const services = new Map(catalog.services.map((s) => [s.id, s]));
  const words = fold($("#cat-search").value).split(/\s+/).filter(Boolean);
  const field = $("#cat-field").value;
  const shown = catalog.procedures.filter((p) => {
    if (field && p.field !== field) return false;
    const hay = fold([p.code, p.name.vi, p.name.en, ...(p.keywords || [])].join(" "));
    return words.every((w) => hay.includes(w));
  });
  $("#cat-rows").replaceChildren(...shown.map((p) => {
    const ch = (p.channels || [])[0];
    const svc = services.get(p.service_id);
    return el("tr", { dataset: { code: p.code } },
      td(p.code), td(p.name.vi), td(fields.get(p.field) || p.field),
      td(ch ? ch.processing_time.text.vi : ""), td(svc ? `${svc.prefix} · ${svc.name.vi}` : "—"));
  }));
  $("#cat-count").textContent = catalog.procedures.length
    ? `(${shown.length}/${catalog.procedures.length})` : "";
  $("#cat-none").hidden = catalog.procedures.length > 0;
}

function report(title, issues) {
  $("#cat-report").hidden = false;
  $("#cat-report-title").textContent = title;
  $("#cat-issues").replaceChildren(...issues.map((i) => el("li", { class: i.kind || "" },
    el("code", { text: i.path }), document.createTextNode(`: ${i.vi} `), el("span", { lang: "en", text: i.en }))));
}

async function upload(e) {
  e.preventDefault();
  const file = $("#cat-file").files[0];
  if (!file) {
    refusal(new Error("Chưa chọn tệp danh mục · Choose a catalogue file"));
    return;
  }
  $("#cat-import").disabled = true;
  try {
    const body = await file.arrayBuffer();
    const res = await fetch(`/api/v1/admin/sites/${S.site.id}/catalog?filename=${encodeURIComponent(file.name)}`, {
      method: "POST", body, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...csrfHeaders() },
    });
    const answer = await res.json().catch(() => ({}));
    if (!res.ok) {
      const errors = answer.errors || [];
      report(`${file.name}: ${errors.length} lỗi, chưa nhập gì · ${errors.length} errors, nothing imported`,
        errors.map((x) => ({ ...x, kind: "error" })));
      refusal(new ApiError(res.status, answer.detail || `Lỗi ${res.status}`, answer.detail_en || "",
        { ...answer, errors: undefined }));
      return;
    }
    const created = [...answer.created_services.map((c) => `dịch vụ/service ${c}`),
      ...answer.created_counters.map((n) => `quầy/counter ${n}`)];
    report(`${file.name}: ${answer.changed ? "đã nhập · imported" : "không thay đổi · unchanged"} — ${answer.procedures} `
      + `thủ tục/procedures, ${answer.fields} lĩnh vực/fields${created.length ? "; tạo/created " + created.join(", ") : ""}`,
      answer.warnings.map((w) => ({ ...w, kind: "warning" })));
    done(`Đã nạp danh mục: ${answer.procedures} thủ tục.`, `Catalogue imported: ${answer.procedures} procedures.`);
    await load();
  } catch (err) {
    refusal(err);
  } finally {
    $("#cat-import").disabled = S.readonly;
  }
}
