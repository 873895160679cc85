// Phản ánh, kiến nghị (/feedback): a citizen's phone sends feedback or a petition (category,
// text, a name and phone only when they want an answer) and gets a code; with the code the
// "Tra cứu" tab reads the state and the answer back (never the name or the phone).
// ?site= names the hall (default: the server's); ?code= opens the lookup with that code.

import { $, ApiError, api, el, zonedParts } from "./common.js";

const params = new URLSearchParams(location.search);
const site = params.get("site") || "";
const siteQuery = site ? `?site=${encodeURIComponent(site)}` : "";
const S = { textMin: 10, textMax: 2000, sending: false };

function error(vi, en) {
  $("#error").hidden = !vi;
  $("#error-vi").textContent = vi || "";
  $("#error-en").textContent = en || "";
}

function refusal(err) {
  if (err instanceof ApiError) error(err.detail, err.detailEn);
  else error("Đã xảy ra lỗi.", String(err));
}

function when(iso) {
  if (!iso) return "—";
  const p = zonedParts(Date.parse(iso), "Asia/Ho_Chi_Minh");
  return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
}

function tab(name) {
  document.body.dataset.tab = name;
  for (const b of document.querySelectorAll(".fb-tabs [data-tab]")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
  }
  $("#send-form").hidden = name !== "send";
  $("#sent").hidden = name !== "sent";
  $("#lookup-form").hidden = name !== "lookup";
  $("#result").hidden = name !== "lookup" || !$("#result").dataset.code;
  error("");
}

async function loadOptions() {
  try {
    const o = await api("GET", `/api/v1/petitions/options${siteQuery}`);
    if (o.site) $("#site-name").textContent = o.site.name;
    S.textMin = o.text_min;
    S.textMax = o.text_max;
    $("#text-min").textContent = String(o.text_min);
    $("#text-max").textContent = String(o.text_max);
    $("#text").maxLength = o.text_max;
    const box = $("#categories");
    box.replaceChildren(...o.categories.map((c) => el("label", { class: "fb-cat", dataset: { code: c.code } },
      el("input", { type: "radio", name: "category", value: c.code }),
      el("span", { class: "vi", text: c.vi }), el("span", { lang: "en", text: c.en }))));
  } catch (err) {
    refusal(err);
  }
}

function countText() {
  $("#text-count").textContent = String($("#text").value.trim().length);
}

async function send(e) {
  e.preventDefault();
  if (S.sending) return;
  const picked = document.querySelector("input[name='category']:checked");
  const text = $("#text").value.trim();
  const want = $("#want-answer").checked;
  if (!picked) return error("Hãy chọn nội dung liên quan (mục 1).", "Choose what it is about (1).");
  if (text.length < S.textMin) {
    return error(`Hãy viết nội dung, ít nhất ${S.textMin} ký tự (mục 2).`, `Write at least ${S.textMin} characters (2).`);
  }
  if (want && !$("#phone").value.trim()) {
    return error("Để nhận trả lời, hãy ghi số điện thoại.", "To get an answer, give a phone number.");
  }
  S.sending = true;
  $("#send").disabled = true;
  try {
    const r = await api("POST", `/api/v1/petitions${siteQuery}`, {
      category: picked.value, text, name: want ? $("#name").value.trim() : "", phone: want ? $("#phone").value.trim() : "",
    });
    $("#sent-code").textContent = r.code;
    $("#send-form").reset();
    $("#contact").hidden = true;
    countText();
    tab("sent");
  } catch (err) {
    refusal(err);
  } finally {
    S.sending = false;
    $("#send").disabled = false;
  }
}

async function lookup(e) {
  if (e) e.preventDefault();
  const code = $("#lookup-code").value.trim();
  const result = $("#result");
  result.hidden = true;
  delete result.dataset.code;
  error("");
  if (!code) return error("Hãy nhập mã tra cứu.", "Enter the code.");
  try {
    const r = await api("GET", `/api/v1/petitions/lookup?code=${encodeURIComponent(code)}`);
    result.dataset.code = r.code;
    result.dataset.state = r.state;
    $("#result-code").textContent = r.code;
    $("#result-state").textContent = r.state_vi;
    $("#result-state-en").textContent = r.state_en;
    $("#result-category").textContent = `${r.category_vi} · ${r.category_en}`;
    $("#result-created").textContent = when(r.created_at);
    $("#result-answered").textContent = when(r.answered_at);
    $("#result-answer").textContent = r.answer || "";
    $("#result-answer").hidden = !r.answer;
    $("#result-none").hidden = Boolean(r.answer);
    result.hidden = false;
  } catch (err) {
    refusal(err);
  }
}

function boot() {
  for (const b of document.querySelectorAll(".fb-tabs [data-tab]")) b.addEventListener("click", () => tab(b.dataset.tab));
  $("#send-form").addEventListener("submit", send);
  $("#lookup-form").addEventListener("submit", lookup);
  $("#text").addEventListener("input", countText);
  $("#want-answer").addEventListener("change", () => { $("#contact").hidden = !$("#want-answer").checked; });
  $("#send-another").addEventListener("click", () => tab("send"));
  $("#sent-lookup").addEventListener("click", () => {
    $("#lookup-code").value = $("#sent-code").textContent;
    tab("lookup");
    lookup();
  });
  loadOptions();
  const code = params.get("code");
  if (code) {
    $("#lookup-code").value = code;
    tab("lookup");
    lookup();
  } else {
    tab("send");
  }
}

boot();
