// Ticket list with priority and live SLA countdowns (respond, arrive; overdue in red); refreshed on
// ticket events and ticking every second.
import { has, optional } from "./api.js";
import { el } from "./dom.js";

const ul = document.getElementById("tickets");
let tickets = [], onPick = () => {}, onRoute = () => {};

export function init({ pick, route = () => {} }) {
  onPick = pick;
  onRoute = route;
  setInterval(tick, 1000);
  ul.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-route]");
    if (b) { const t = tickets.find((x) => String(x.id) === b.dataset.route); if (t) onRoute(t); return; }
    const li = e.target.closest("li[data-where]"); if (li) onPick(li.dataset.where);
  });
  ul.addEventListener("keydown", (e) => { if (e.key === "Enter") e.target.closest("li[data-where]")?.click(); });
}

export async function refresh() {
  const res = has("/tickets") ? await optional("/tickets").catch(() => null) : null;
  if (res === null) { ul.closest("section").hidden = true; return []; }
  ul.closest("section").hidden = false;
  tickets = Array.isArray(res) ? res : res.items || [];
  fetchedAt = Date.now();
  render();
  return tickets;
}

const where = (t) => t.space || t.element || t.location || "";
let fetchedAt = 0; // Date.now() when the list arrived: clocks count from the server's remaining_s

// The API's SLA state (api/schemas/tickets.py, twin/live/sla.py): two clocks, "respond" and
// "arrive", each with its due time and the seconds remaining when the list was sent (null once
// met, negative when overdue). Counting down from remaining_s keeps the countdown right on a client
// whose clock is off; the due time is the fallback.
const CLOCKS = [["respond", "respond"], ["arrive", "arrive"]];

/** Seconds left on a clock now (negative: overdue), or null when it is met or not running. */
function remaining(t, clock) {
  const sla = t.sla || {};
  if (sla.stopped) return null;
  const r = sla[`${clock}_remaining_s`];
  if (typeof r === "number") return r - (Date.now() - fetchedAt) / 1000;
  if (r === null || !sla[`${clock}_due`]) return null;
  return (new Date(sla[`${clock}_due`]) - Date.now()) / 1000;
}

const hms = (sec) => {
  const a = Math.abs(Math.round(sec));
  return `${Math.floor(a / 3600)}h ${String(Math.floor(a / 60) % 60).padStart(2, "0")}m ${String(a % 60).padStart(2, "0")}s`;
};

function clockText(t, clock, label) {
  const left = remaining(t, clock);
  if (left === null) return t.sla?.stopped ? "" : `${label} met`;
  return left < 0 ? `${label} overdue ${hms(left)}` : `${label} ${hms(left)}`;
}

const late = (t, clock) => (remaining(t, clock) ?? 0) < 0;

function render() {
  ul.replaceChildren(...(tickets.length ? tickets.map((t) => {
    const prio = t.priority || t.sla?.priority || "";
    return el("li", { tabindex: 0, "data-where": where(t), "data-id": t.id, "data-priority": prio, class: CLOCKS.some(([c]) => late(t, c)) ? "overdue" : "" },
      el("span", { class: `prio prio-${prio}` }, prio), " ",
      el("span", {}, `#${t.id} ${t.title || t.summary || ""}`), " ", el("small", {}, t.state || t.status || ""), " ",
      ...CLOCKS.map(([c, label]) => el("span", {
        class: `sla${late(t, c) ? " late" : ""}`, "data-clock": c, "aria-label": `SLA to ${label}`,
      }, clockText(t, c, label))),
      // the route dispatch computed for the technician, drawn on the plan and in 3D
      t.route?.polyline3d ? el("button", { type: "button", class: "link", "data-route": t.id, "aria-label": `Show the route of ticket ${t.id}` }, "Show route") : null);
  }) : [el("li", { class: "muted" }, "No open tickets")]));
}

function tick() {
  for (const li of ul.querySelectorAll("li[data-id]")) {
    const t = tickets.find((x) => String(x.id) === li.dataset.id);
    if (!t) continue;
    for (const span of li.querySelectorAll(".sla[data-clock]")) {
      span.textContent = clockText(t, span.dataset.clock, span.dataset.clock);
      span.classList.toggle("late", late(t, span.dataset.clock));
    }
    li.classList.toggle("overdue", CLOCKS.some(([c]) => late(t, c)));
  }
}

export const list = () => tickets;
