// Ticket list with SLA countdowns; refreshed on ticket events and ticking every second.
import { has, optional } from "./api.js";

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

function render() {
  ul.innerHTML = tickets.length ? tickets.map((t) => `<li tabindex="0" data-where="${where(t)}" data-id="${t.id}" class="${(deadline(t) && new Date(deadline(t)) < Date.now()) ? "overdue" : ""}">
    <span>#${t.id} ${String(t.title || t.summary || "").replace(/[&<>]/g, "")}</span> <small>${t.state || t.status || ""}</small>
    <span class="sla" aria-label="SLA remaining">${countdown(t)}</span></li>`).join("") : `<li class="muted">No open tickets</li>`;
}

function tick() {
  for (const li of ul.querySelectorAll("li[data-id]")) {
    const t = tickets.find((x) => String(x.id) === li.dataset.id);
    if (t) { li.querySelector(".sla").textContent = countdown(t); li.classList.toggle("overdue", !!deadline(t) && new Date(deadline(t)) < Date.now()); }
  }
}

export const list = () => tickets;
