// Search box: rooms by number or name, elements by name or GlobalId; choosing a hit flies to it.
import { get, q } from "./api.js";
import { el } from "./dom.js";

const form = document.getElementById("search");
const input = document.getElementById("search-q");
const list = document.getElementById("search-results");
let timer = null, hits = [], active = -1, onPick = () => {};

export function init({ pick }) {
  onPick = pick;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 200); });
  form.addEventListener("submit", (e) => { e.preventDefault(); choose(active >= 0 ? active : 0); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = Math.max(0, Math.min(hits.length - 1, active + (e.key === "ArrowDown" ? 1 : -1)));
      paint();
    } else if (e.key === "Escape") { close(); }
  });
  list.addEventListener("click", (e) => { const li = e.target.closest("li"); if (li) choose(+li.dataset.i); });
}

async function run() {
  const text = input.value.trim();
  if (!text) return close();
  try { hits = await get(`/search${q({ q: text, limit: 12 })}`); } catch { hits = []; }
  active = hits.length ? 0 : -1;
  paint();
}

function paint() {
  list.hidden = !hits.length;
  list.replaceChildren(...hits.map((h, i) =>
    el("li", { role: "option", "data-i": i, "aria-selected": i === active }, h.label, " ", el("small", {}, h.kind || h.type))));
  input.setAttribute("aria-expanded", String(!!hits.length));
}

function close() { hits = []; active = -1; paint(); }

function choose(i) {
  const h = hits[i];
  if (!h) return;
  close();
  input.value = h.label;
  onPick(h.guid, h.kind || h.type);
}
