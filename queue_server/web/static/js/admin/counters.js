// The counters tab: number, name, and the services each serves with its weight. Saving
// sends the version the form was read at (two admins editing one counter: the second save
// is refused with what the first changed).

import { $, COUNTER_STATE_VI, api, el } from "../common.js";
import { S, done, intOrNull, refusal, td } from "./ui.js";

let editing = null;

export function init() {
  $("#ctr-new").addEventListener("click", () => edit(null));
  $("#ctr-cancel").addEventListener("click", () => { $("#ctr-form").hidden = true; });
  $("#ctr-form").addEventListener("submit", save);
}

export async function load() {
  const [services, counters] = await Promise.all([
    api("GET", `/api/v1/admin/sites/${S.site.id}/services`),
    api("GET", `/api/v1/admin/sites/${S.site.id}/counters`),
  ]);
  S.services = services;
  S.counters = counters;
  render();
}

function serviceCode(id) {
  const s = S.services.find((x) => x.id === id);
  return s ? s.code : `#${id}`;
}

function render() {
  $("#ctr-rows").replaceChildren(...S.counters.map((c) => el("tr",
    { dataset: { number: String(c.number), id: String(c.id) }, onclick: () => edit(c) },
    td(c.number, "num"), td(c.name),
    td(c.services.map((s) => `${serviceCode(s.service_id)} (${s.weight})`).join(", ") || "—"),
    td(COUNTER_STATE_VI[c.state] || c.state))));
}

// `shown`: the values the form shows (the counter's own, or a merge after a conflict)
function edit(counter, shown = counter) {
  editing = counter;
  $("#ctr-form").hidden = false;
  $("#ctr-title").textContent = counter ? `Sửa quầy ${counter.number} · Edit counter` : "Thêm quầy · New counter";
  $("#ctr-number").value = counter ? counter.number : "";
  $("#ctr-number").disabled = !!counter || S.readonly;
  $("#ctr-name").value = shown ? shown.name : "";
  const weights = new Map((shown ? shown.services : []).map((s) => [s.service_id, s.weight]));
  $("#ctr-services").replaceChildren(...S.services.map((s) => {
    const box = el("input", { type: "checkbox", class: "ctr-serves", dataset: { service: String(s.id) } });
    box.checked = weights.has(s.id);
    const weight = el("input", { type: "number", min: "1", max: "100", step: "1", class: "ctr-weight",
      dataset: { service: String(s.id) }, "aria-label": `Trọng số ${s.code} · Weight` });
    weight.value = weights.get(s.id) ?? 1;
    box.disabled = weight.disabled = S.readonly;
    const label = el("label", {}, box, document.createTextNode(` ${s.prefix} · ${s.name_vi}${s.active ? "" : " (ngừng)"}`));
    return el("tr", { dataset: { code: s.code } }, el("td", {}, label),
      el("td", {}, document.createTextNode("Trọng số "), weight));
  }));
}

function chosen() {
  const out = [];
  for (const box of document.querySelectorAll("#ctr-services .ctr-serves:checked")) {
    const id = Number(box.dataset.service);
    const weight = document.querySelector(`#ctr-services .ctr-weight[data-service="${id}"]`);
    out.push({ service_id: id, weight: intOrNull(weight) ?? 1 });
  }
  return out;
}

async function save(e) {
  e.preventDefault();
  try {
    let saved;
    if (editing) {
      saved = await api("PATCH", `/api/v1/admin/counters/${editing.id}`,
        { name: $("#ctr-name").value, services: chosen(), version: editing.version });
    } else {
      saved = await api("POST", `/api/v1/admin/sites/${S.site.id}/counters`,
        { number: intOrNull($("#ctr-number")), name: $("#ctr-name").value, services: chosen() });
    }
    $("#ctr-form").hidden = true;
    done(`Đã lưu quầy ${saved.number}.`, `Counter ${saved.number} saved.`);
    await load();
  } catch (err) {
    refusal(err);
    // someone saved meanwhile: the message lists their changes; the form keeps what this
    // admin typed, and a second save (after review) is made from the version now stored
    if (err.status === 409 && err.body && err.body.current && editing) {
      const theirs = err.body.current;
      const mine = { name: $("#ctr-name").value, services: chosen() };
      const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
      // what this admin did not touch takes the stored value; what they changed stays theirs to save
      const merged = {
        name: mine.name === editing.name ? theirs.name : mine.name,
        services: same(mine.services, editing.services.map((x) => ({ service_id: x.service_id, weight: x.weight })))
          ? theirs.services : mine.services,
      };
      await load();
      edit(theirs, merged);
    }
  }
}
