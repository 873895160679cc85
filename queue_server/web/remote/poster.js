// The entrance poster's page (/checkin/{site}?p=KEY): the phone that took a remote number
// checks it in here (it is known by the browser id cookie it took the number with).
import { api } from "/static/js/common.js";

const site = location.pathname.split("/").filter(Boolean).pop();
const key = new URLSearchParams(location.search).get("p") || "";
const button = document.querySelector("#checkin");
const box = document.querySelector("#error");

button.addEventListener("click", async () => {
  button.disabled = true;
  box.hidden = true;
  try {
    const out = await api("POST", "/api/v1/remote/poster-checkin", { site, p: key });
    location.assign(out.position_path);
  } catch (err) {
    box.replaceChildren();
    const vi = document.createElement("strong");
    vi.textContent = err.detail;
    const en = document.createElement("span");
    en.lang = "en";
    en.textContent = err.detailEn || "";
    box.append(vi, en);
    box.hidden = false;
    button.disabled = false;
  }
});
