// A week's working hours as the admin types them (one row a weekday and the swapped working
// day, sessions as HH:MM-HH:MM separated by commas): the site's hours on the site tab, an
// agency's own hours on the agencies tab. `field` names the inputs as the server names them
// in a refusal (working_hours.mon, hours.mon…), so the refused one can be marked.

import { el } from "../common.js";

const DAYS = [["mon", "Thứ Hai", "Monday"], ["tue", "Thứ Ba", "Tuesday"], ["wed", "Thứ Tư", "Wednesday"],
  ["thu", "Thứ Năm", "Thursday"], ["fri", "Thứ Sáu", "Friday"], ["sat", "Thứ Bảy", "Saturday"],
  ["sun", "Chủ nhật", "Sunday"], ["swapped_day", "Ngày làm bù", "Swapped working day"]];

export function hoursRows(tbody, idPrefix, field) {
  tbody.replaceChildren(...DAYS.map(([key, vi, en]) => el("tr", {},
    el("td", {}, el("label", { for: `${idPrefix}-${key}`, text: vi + " " }, el("span", { lang: "en", text: en }))),
    el("td", {}, el("input", { id: `${idPrefix}-${key}`, dataset: { day: key, field: `${field}.${key}` },
      class: "write-input", maxlength: "120", placeholder: key === "sat" || key === "sun" ? "" : "07:30-11:30, 13:30-17:00",
      autocomplete: "off" })))));
}

export function fillHours(tbody, hours) {
  for (const input of tbody.querySelectorAll("input")) {
    input.value = ((hours || {})[input.dataset.day] || []).join(", ");
    input.classList.remove("bad");
  }
}

export function readHours(tbody) {
  const out = {};
  for (const input of tbody.querySelectorAll("input")) {
    const sessions = input.value.split(/[,;]/).map((t) => t.trim().replace(/\s*[–—]\s*/g, "-")).filter(Boolean);
    if (input.dataset.day !== "swapped_day" || sessions.length) out[input.dataset.day] = sessions;
  }
  return out;
}

export function disableHours(tbody, disabled) {
  for (const input of tbody.querySelectorAll("input")) input.disabled = disabled;
}
