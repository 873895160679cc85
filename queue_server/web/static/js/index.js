// The start page: links to the console, the hall display and each counter's screen.
import { $, api, el } from "./common.js";

async function start() {
  try {
    const snap = await api("GET", "/api/v1/display/snapshot?calls=0");
    $("#site-name").textContent = snap.site.name;
    const site = encodeURIComponent(snap.site.code);
    $("#screens").replaceChildren(
      el("li", {}, el("a", { href: `/display/hall?site=${site}` }, "Màn hình sảnh ",
        el("span", { lang: "en", text: "Hall display" }))),
      ...snap.counters.map((c) => el("li", {}, el("a", { href: `/display/counter/${c.number}?site=${site}` },
        `Màn hình quầy ${c.number} `, el("span", { lang: "en", text: `Counter ${c.number} screen` })))));
  } catch (err) {
    // no site yet: keep the plain links
  }
}

start();
