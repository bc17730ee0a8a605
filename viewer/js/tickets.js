// Ticket list with SLA countdowns; refreshed on ticket events and ticking every second.
import { has, optional } from "./api.js";
import { el } from "./dom.js";

const ul = document.getElementById("tickets");
let tickets = [], onPick = () => {};

export function init({ pick }) {
  onPick = pick;
  setInterval(tick, 1000);
  ul.addEventListener("click", (e) => { const li = e.target.closest("li[data-where]"); if (li) onPick(li.dataset.where); });
  ul.addEventListener("keydown", (e) => { if (e.key === "Enter") e.target.closest("li[data-where]")?.click(); });
}

export async function refresh() {
  const res = has("/tickets") ? await optional("/tickets").catch(() => null) : null;
  if (res === null) { ul.closest("section").hidden = true; return []; }
  ul.closest("section").hidden = false;
  tickets = Array.isArray(res) ? res : res.items || [];
  render();
  return tickets;
}

const deadline = (t) => t.sla?.due || t.sla?.deadline || t.due || t.sla_due || null;
const where = (t) => t.space || t.element || t.location || "";

function countdown(t) {
  const d = deadline(t);
  if (!d) return t.sla?.status || "";
  const s = Math.round((new Date(d) - Date.now()) / 1000);
  const a = Math.abs(s), txt = `${Math.floor(a / 3600)}h ${String(Math.floor(a / 60) % 60).padStart(2, "0")}m ${String(a % 60).padStart(2, "0")}s`;
  return s < 0 ? `overdue ${txt}` : txt;
}

const overdue = (t) => !!deadline(t) && new Date(deadline(t)) < Date.now();

function render() {
  ul.replaceChildren(...(tickets.length ? tickets.map((t) =>
    el("li", { tabindex: 0, "data-where": where(t), "data-id": t.id, class: overdue(t) ? "overdue" : "" },
      el("span", {}, `#${t.id} ${t.title || t.summary || ""}`), " ", el("small", {}, t.state || t.status || ""), " ",
      el("span", { class: "sla", "aria-label": "SLA remaining" }, countdown(t))))
    : [el("li", { class: "muted" }, "No open tickets")]));
}

function tick() {
  for (const li of ul.querySelectorAll("li[data-id]")) {
    const t = tickets.find((x) => String(x.id) === li.dataset.id);
    if (t) { li.querySelector(".sla").textContent = countdown(t); li.classList.toggle("overdue", overdue(t)); }
  }
}

export const list = () => tickets;
