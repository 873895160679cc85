// Queue reports (/reports) for the head of unit and supervisors: a site's figures over a day,
// a week, a month or any range (GET /api/v1/reports/queue), drawn with Chart.js (vendored in
// /static/vendor/chartjs, loaded before this module as window.Chart), every table downloadable
// as CSV, all of them as XLSX, and a calendar month as the PDF the head of unit files.

import { $, ApiError, api, el } from "./common.js";
import { message, refusal, staffSignIn, views } from "./staff_login.js";

const S = { site: "", charts: {}, report: null };
const BASE = "/api/v1/reports/queue";
const LEVEL_COLOURS = { very_satisfied: "#16794a", satisfied: "#6cbf84", unsatisfied: "#b3121f" };

const show = views("report");

// -- numbers as Vietnamese writes them -----------------------------------------------------------
const NUM = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
const num = (v) => (v === null || v === undefined ? "–" : NUM.format(v));
const mins = (s) => (s === null || s === undefined ? "–" : NUM.format(Math.round(s / 6) / 10));
const pct = (share) => (share === null || share === undefined ? "–" : `${NUM.format(Math.round(share * 1000) / 10)} %`);

// -- the range --------------------------------------------------------------------------------
function iso(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function period(kind) {
  const today = new Date();
  let lo = new Date(today), hi = new Date(today);
  if (kind === "week") lo.setDate(today.getDate() - ((today.getDay() + 6) % 7));
  if (kind === "month") lo = new Date(today.getFullYear(), today.getMonth(), 1);
  if (kind === "last-month") {
    lo = new Date(today.getFullYear(), today.getMonth() - 1, 1);
    hi = new Date(today.getFullYear(), today.getMonth(), 0);
  }
  return [iso(lo), iso(hi)];
}

function query(extra = {}) {
  const p = new URLSearchParams({ from: $("#from").value, to: $("#to").value, ...extra });
  if (S.site) p.set("site", S.site);
  return p.toString();
}

function wholeMonth(lo, hi) {
  const a = new Date(`${lo}T00:00:00`), b = new Date(`${hi}T00:00:00`);
  const last = new Date(a.getFullYear(), a.getMonth() + 1, 0);
  return a.getDate() === 1 && b.getTime() === last.getTime() ? lo.slice(0, 7) : null;
}

async function load() {
  message("", "");
  const [lo, hi] = [$("#from").value, $("#to").value];
  try {
    const report = await api("GET", `${BASE}?${query()}`, undefined, { timeoutMs: 60000 });
    S.report = report;
    render(report);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { show("login"); return; }
    refusal(err);
  }
  $("#xlsx").href = `${BASE}.xlsx?${query()}`;
  const month = wholeMonth(lo, hi);
  $("#pdf").hidden = !month;
  if (month) {
    const p = new URLSearchParams({ month });
    if (S.site) p.set("site", S.site);
    $("#pdf").href = `${BASE}.pdf?${p}`;
    $("#pdf").textContent = `Tải PDF tháng ${Number(month.slice(5))}/${month.slice(0, 4)}`;
  }
}

// -- drawing ------------------------------------------------------------------------------------
function vi(isoDay) {
  return `${isoDay.slice(8, 10)}/${isoDay.slice(5, 7)}/${isoDay.slice(0, 4)}`;
}

function render(r) {
  $("#site").textContent = r.site.name;
  $("#period").textContent = `Từ ngày ${vi(r.from)} đến ngày ${vi(r.to)} · ${r.days} ngày`;
  $("#notes").replaceChildren(...r.notes.map((n) => el("li", {}, n.vi, " ", el("span", { lang: "en", text: n.en }))));
  const t = r.totals;
  const cards = [
    [num(t.issued), "Lượt lấy số", "Tickets issued"],
    [num(t.finished), "Đã phục vụ", "Served"],
    [num(t.no_show), "Vắng mặt", "No-shows"],
    [`${mins(t.wait.mean_s)} ph`, "Chờ trung bình", "Mean wait"],
    [`${mins(t.wait.median_s)} / ${mins(t.wait.p90_s)} ph`, "Chờ trung vị / P90", "Median / 90th pct wait"],
    [pct(t.wait.within_target_share), "Chờ trong mục tiêu", "Within target"],
  ];
  $("#cards").replaceChildren(...cards.map(([v, k, en]) => el("div", { class: "rp-card" },
    el("div", { class: "v", text: v }), el("div", { class: "k" }, k, " ", el("span", { lang: "en", text: en })))));
  charts(r);
  heatmap(r);
  tables(r);
}

function chart(id, config) {
  if (S.charts[id]) S.charts[id].destroy();
  S.charts[id] = new window.Chart($(`#${id}`), { ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options || {}) } });
}

function charts(r) {
  chart("chart-days", { type: "bar", data: {
    labels: r.by_day.map((d) => `${d.day.slice(8, 10)}/${d.day.slice(5, 7)}`),
    datasets: [{ label: "Lượt lấy số", data: r.by_day.map((d) => d.issued), backgroundColor: "#1d4f91" },
      { label: "Đã phục vụ", data: r.by_day.map((d) => d.finished), backgroundColor: "#6cbf84" }] } });
  chart("chart-hours", { type: "bar", data: {
    labels: r.arrivals.by_hour.map((h) => `${h.hour}h`),
    datasets: [{ label: "Lượt đến", data: r.arrivals.by_hour.map((h) => h.tickets), backgroundColor: "#1d4f91" }] } });
  chart("chart-waits", { type: "bar", data: {
    labels: r.by_service.map((s) => s.label_vi),
    datasets: [
      { label: "Trung vị", data: r.by_service.map((s) => (s.wait.median_s ?? 0) / 60), backgroundColor: "#6c8ebf" },
      { label: "P90", data: r.by_service.map((s) => (s.wait.p90_s ?? 0) / 60), backgroundColor: "#1d4f91" },
      { label: "Mục tiêu", data: r.by_service.map((s) => s.target_s / 60), backgroundColor: "#b25e00" }] },
    options: { indexAxis: "y" } });
  const sat = r.satisfaction;
  chart("chart-satisfaction", { type: "doughnut", data: {
    labels: sat.levels.map((l) => l.label_vi),
    datasets: [{ data: sat.levels.map((l) => sat.overall[l.level]),
      backgroundColor: sat.levels.map((l) => LEVEL_COLOURS[l.level]) }] },
    options: { plugins: { legend: { position: "right" } } } });
}

function heatmap(r) {
  const cells = new Map(r.arrivals.heatmap.map((c) => [`${c.weekday}:${c.hour}`, c]));
  const hours = [...new Set(r.arrivals.heatmap.map((c) => c.hour))].sort((a, b) => a - b);
  const days = [...new Set(r.arrivals.heatmap.map((c) => c.weekday))].sort((a, b) => a - b);
  const top = Math.max(1, ...r.arrivals.heatmap.map((c) => c.per_day));
  const head = el("tr", {}, el("th", { text: "" }), ...hours.map((h) => el("th", { text: `${h}h` })));
  const rows = days.map((wd) => {
    const name = r.arrivals.heatmap.find((c) => c.weekday === wd).weekday_vi;
    return el("tr", {}, el("th", { text: name }), ...hours.map((h) => {
      const c = cells.get(`${wd}:${h}`);
      const td = el("td", { text: c ? num(c.per_day) : "" });
      if (c) {
        const a = c.per_day / top;
        td.style.backgroundColor = `rgba(29, 79, 145, ${(0.08 + 0.8 * a).toFixed(2)})`;
        if (a > 0.55) td.style.color = "#fff";
      }
      return td;
    }));
  });
  $("#heatmap").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  if (!rows.length) $("#heatmap").replaceChildren(el("caption", { class: "rp-empty", text: "Không có số liệu." }));
}

const FIGURES = [
  ["Lượt cấp", (x) => num(x.issued)], ["Đã phục vụ", (x) => num(x.finished)], ["Vắng mặt", (x) => num(x.no_show)],
  ["Đã hủy", (x) => num(x.cancelled)], ["Chuyển đi", (x) => num(x.transferred)],
  ["Chờ TB (ph)", (x) => mins(x.wait.mean_s)], ["Trung vị", (x) => mins(x.wait.median_s)],
  ["P90", (x) => mins(x.wait.p90_s)], ["Trong mục tiêu", (x) => pct(x.wait.within_target_share)],
  ["Phục vụ TB (ph)", (x) => mins(x.service.mean_s)], ["Phục vụ P90", (x) => mins(x.service.p90_s)],
];

function table(name, title, en, columns, rows) {
  const csv = el("a", { href: `${BASE}.csv?${query({ table: name })}`, download: true, text: "Tải CSV" });
  const body = rows.length
    ? el("table", { class: "rp-table", id: `table-${name}` },
      el("thead", {}, el("tr", {}, ...columns.map(([h], i) => el("th", { class: i ? "num" : null, text: h })))),
      el("tbody", {}, ...rows.map((row) => el("tr", {}, ...columns.map(([, f], i) =>
        el("td", { class: i ? "num" : null, text: f(row) }))))))
    : el("p", { class: "rp-empty", text: "Không có số liệu trong khoảng này. No figures in this range." });
  return el("section", { class: "card rp-section" },
    el("h2", {}, title, " ", el("span", { lang: "en", text: en }), csv), body);
}

function tables(r) {
  const name = (h) => [h, (x) => x.label_vi];
  const sat = (label) => [[label, (x) => x.label_vi], ["Rất hài lòng", (x) => num(x.very_satisfied)],
    ["Hài lòng", (x) => num(x.satisfied)], ["Không hài lòng", (x) => num(x.unsatisfied)],
    ["Tổng", (x) => num(x.total)], ["Hài lòng trở lên", (x) => pct(x.satisfied_share)],
    ["Lý do", (x) => x.reasons.map((y) => `${y.label_vi} (${y.count})`).join("; ")]];
  $("#tables").replaceChildren(
    table("by_service", "Theo dịch vụ", "By service",
      [name("Dịch vụ"), ["Mục tiêu (ph)", (x) => mins(x.target_s)], ...FIGURES], r.by_service),
    table("by_counter", "Theo quầy", "By counter", [name("Quầy"), ...FIGURES], r.by_counter),
    table("by_clerk", "Theo cán bộ", "By clerk", [name("Cán bộ"), ...FIGURES], r.by_clerk),
    table("by_priority", "Theo đối tượng", "By priority class", [name("Đối tượng"), ...FIGURES], r.by_priority),
    table("by_channel", "Theo kênh lấy số", "By channel", [name("Kênh"), ...FIGURES], r.by_channel),
    table("satisfaction", "Hài lòng theo quầy", "Satisfaction by counter", sat("Quầy"), r.satisfaction.by_counter),
    table("out_of_order", "Gọi không theo thứ tự", "Out-of-order calls",
      [["Người gọi", (x) => x.name], ["Số lượt", (x) => num(x.calls)]], r.out_of_order),
    table("petitions", "Phản ánh, kiến nghị", "Feedback and petitions",
      [["Loại", (x) => x.label_vi], ["Nhận được", (x) => num(x.received)], ["Đã trả lời", (x) => num(x.answered)],
        ["Đang xử lý", (x) => num(x.open)]], r.petitions.by_category),
  );
}

// -- wiring ---------------------------------------------------------------------------------------
function choose(kind) {
  const [lo, hi] = period(kind);
  $("#from").value = lo;
  $("#to").value = hi;
  for (const b of document.querySelectorAll("[data-period]")) b.setAttribute("aria-pressed", String(b.dataset.period === kind));
  return load();
}

for (const b of document.querySelectorAll("[data-period]")) b.addEventListener("click", () => choose(b.dataset.period));
$("#range").addEventListener("submit", (e) => {
  e.preventDefault();
  for (const b of document.querySelectorAll("[data-period]")) b.setAttribute("aria-pressed", "false");
  load();
});
$("#message-close").addEventListener("click", () => message("", ""));

staffSignIn({
  show,
  onEnter: async (me) => {
    const params = new URLSearchParams(location.search);
    S.site = params.get("site") || (me.site_id != null ? String(me.site_id) : "");
    show("report");
    if (params.get("from") && params.get("to")) {
      $("#from").value = params.get("from");
      $("#to").value = params.get("to");
      await load();
    } else {
      await choose("month");
    }
  },
});
