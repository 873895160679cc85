// The holiday calendar tab: the years and where each one's holidays come from (saved here,
// the shipped file, the holidays package's statutory days, or weekends only); a year's days
// off and swapped working days added or corrected and saved over its shipped file.

import { $, api, el } from "../common.js";
import { S, confirmAsk, done, refusal, td, timeText } from "./ui.js";

const SOURCE_VI = {
  admin: "Đã sửa ở đây · Saved here",
  file: "Tệp đi kèm · Shipped file",
  library: "Theo luật (thư viện) · Statutory (library)",
  none: "Chỉ nghỉ cuối tuần · Weekends only",
};
const STATUS_VI = { official: "Chính thức · Official", provisional: "Dự kiến · Provisional",
  statutory: "Chưa có ngày làm bù · Swaps unknown", weekends: "—" };
const KINDS = [["holiday", "Lễ, tết · Holiday"], ["compensatory", "Nghỉ bù · Compensatory"],
  ["swapped_off", "Nghỉ hoán đổi · Swapped off"]];

let current = null; // the year being edited

export function init() {
  $("#hol-form").addEventListener("submit", save);
  $("#hol-add-day").addEventListener("click", () => { addDay({ date: `${current.year}-01-01`, kind: "holiday" }); });
  $("#hol-add-work").addEventListener("click", () => { addWork({ date: "", swapped_with: "" }); });
  $("#hol-remove").addEventListener("click", removeSaved);
  $("#hol-open").addEventListener("click", () => {
    const year = Number.parseInt($("#hol-new-year").value, 10);
    if (Number.isInteger(year)) open(year);
  });
}

export async function load() {
  const list = await api("GET", "/api/v1/admin/holidays");
  $("#hol-rows").replaceChildren(...list.years.map((y) => {
    const row = el("tr", { dataset: { year: String(y.year), source: y.source } },
      td(y.year, "num strong"), td(SOURCE_VI[y.source] || y.source), td(STATUS_VI[y.status] || y.status),
      td(y.updated_at ? `${timeText(y.updated_at)} · ${y.updated_by || ""}` : ""));
    row.addEventListener("click", () => open(y.year));
    return row;
  }));
  if (!current) await open(list.this_year);
}

async function open(year) {
  try {
    current = await api("GET", `/api/v1/admin/holidays/${year}`);
  } catch (err) {
    refusal(err);
    return;
  }
  $("#hol-form").hidden = false;
  $("#hol-title").textContent = `Lịch nghỉ năm ${year} · Holidays ${year}`;
  $("#hol-source").textContent = {
    admin: "Đã sửa ở đây: dùng thay cho tệp đi kèm. · Saved here: used instead of the shipped file.",
    file: "Từ tệp đi kèm (assets/holidays). Lưu để sửa: bản lưu dùng thay cho tệp. · From the shipped file; saving makes a corrected copy used instead.",
    library: "Chưa có tệp: ngày lễ, Tết theo Bộ luật Lao động, chưa có ngày làm bù. Lưu để xác nhận, thêm ngày làm bù. · No file: the statutory days; save to confirm them and add the swaps.",
    none: "Chưa có lịch: chỉ nghỉ cuối tuần. · No calendar: weekends only.",
  }[current.source] || "";
  $("#hol-status").value = current.status === "official" ? "official" : "provisional";
  $("#hol-days").replaceChildren();
  $("#hol-works").replaceChildren();
  for (const d of current.days_off) addDay(d);
  for (const w of current.working_days) addWork(w);
  $("#hol-remove").hidden = current.source !== "admin";
  for (const row of document.querySelectorAll("#hol-rows tr")) {
    row.setAttribute("aria-selected", String(row.dataset.year === String(year)));
  }
  readonly();
}

function readonly() {
  for (const input of document.querySelectorAll("#hol-form input, #hol-form select")) input.disabled = S.readonly;
}

function dateInput(value, field, min, max) {
  return el("input", { type: "date", value: value || "", min, max, dataset: { field }, required: true });
}

function renumber() {
  [...$("#hol-days").children].forEach((row, i) => {
    row.querySelector(".date").dataset.field = `days_off[${i}].date`;
    row.querySelector(".kind").dataset.field = `days_off[${i}].kind`;
    row.querySelector(".name-vi").dataset.field = `days_off[${i}].name_vi`;
  });
  [...$("#hol-works").children].forEach((row, i) => {
    row.querySelector(".date").dataset.field = `working_days[${i}].date`;
    row.querySelector(".with").dataset.field = `working_days[${i}].swapped_with`;
    row.querySelector(".name-vi").dataset.field = `working_days[${i}].name_vi`;
  });
}

function bounds() {
  return [`${current.year}-01-01`, `${current.year}-12-31`];
}

function removeButton(row) {
  return el("button", { type: "button", class: "write", title: "Bỏ dòng này · Remove",
    "aria-label": "Bỏ dòng này · Remove", text: "×", onclick: () => { row.remove(); renumber(); } });
}

function addDay(d) {
  const [min, max] = bounds();
  const kind = el("select", { class: "kind" }, ...KINDS.map(([v, t]) => el("option", { value: v, text: t })));
  kind.value = d.kind || "holiday";
  const row = el("tr", { class: "hol-day" });
  const date = dateInput(d.date, "", min, max);
  date.classList.add("date");
  row.append(el("td", { class: "d" }, date), el("td", { class: "k" }, kind),
    el("td", {}, el("input", { class: "name-vi", value: d.name_vi || "", title: d.name_vi || "", maxlength: "200",
      placeholder: "Tên (tiếng Việt)",
      "aria-label": "Tên ngày nghỉ · Name (Vietnamese)" })),
    el("td", {}, el("input", { class: "name-en", value: d.name_en || "", maxlength: "200", placeholder: "Name (English)",
      lang: "en", "aria-label": "Name (English)" })),
    el("td", {}, removeButton(row)));
  $("#hol-days").append(row);
  renumber();
  readonly();
  return row;
}

function addWork(w) {
  const [min, max] = bounds();
  const row = el("tr", { class: "hol-work" });
  const date = dateInput(w.date, "", min, max);
  date.classList.add("date");
  const partner = dateInput(w.swapped_with, "", min, max);
  partner.classList.add("with");
  partner.title = "Làm bù cho ngày nghỉ · In exchange for the day off";
  row.append(el("td", { class: "d" }, date),
    el("td", { class: "k", text: "làm bù cho · for" }),
    el("td", { class: "d" }, partner),
    el("td", {}, el("input", { class: "name-vi", value: w.name_vi || "", maxlength: "200",
      placeholder: "Ngày làm bù", "aria-label": "Tên · Name" })),
    el("td", {}, removeButton(row)));
  $("#hol-works").append(row);
  renumber();
  readonly();
  return row;
}

function formBody() {
  return {
    status: $("#hol-status").value,
    version: current.source === "admin" ? current.version : null,
    site_id: S.site ? S.site.id : null,
    days_off: [...$("#hol-days").children].map((row) => ({
      date: row.querySelector(".date").value, kind: row.querySelector(".kind").value,
      name_vi: row.querySelector(".name-vi").value, name_en: row.querySelector(".name-en").value })),
    working_days: [...$("#hol-works").children].map((row) => ({
      date: row.querySelector(".date").value, swapped_with: row.querySelector(".with").value || null,
      name_vi: row.querySelector(".name-vi").value })),
  };
}

function mark(err) {
  for (const input of document.querySelectorAll("#hol-form .bad")) { input.classList.remove("bad"); input.title = ""; }
  const errors = (err && err.body && err.body.errors) || [];
  for (const e of errors) {
    const input = document.querySelector(`#hol-form [data-field="${e.field}"]`);
    if (input) { input.classList.add("bad"); input.title = `${e.message} / ${e.message_en}`; }
  }
}

async function save(e) {
  e.preventDefault();
  const body = formBody();
  if (body.version === null) delete body.version;
  try {
    current = await api("PUT", `/api/v1/admin/holidays/${current.year}`, body);
    mark(null);
    done(`Đã lưu lịch nghỉ năm ${current.year}: ngày hẹn trả hồ sơ tính theo lịch này.`,
      `The ${current.year} calendar is saved; due dates count with it.`);
    const year = current.year;
    await load();
    await open(year);
  } catch (err) {
    mark(err);
    refusal(err);
  }
}

async function removeSaved() {
  const year = current.year;
  if (!await confirmAsk(`Bỏ lịch nghỉ năm ${year} đã sửa ở đây và dùng lại tệp đi kèm? · Forget the saved ${year} calendar?`)) return;
  try {
    await api("DELETE", `/api/v1/admin/holidays/${year}${S.site ? `?site_id=${S.site.id}` : ""}`);
    done(`Đã bỏ bản sửa của năm ${year}.`, `The saved ${year} calendar is gone; the shipped one counts again.`);
    await load();
    await open(year);
  } catch (err) {
    refusal(err);
  }
}
