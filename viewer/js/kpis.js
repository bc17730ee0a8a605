// The command-centre figures (GET /kpis) as a panel for the wall display: one tile per headline
// figure, each a link to the records behind it (the figure's href). Refreshed on live ticket and
// alarm events by main.js and every minute. docs/kpis.md.
import { get, has } from "./api.js";
import { el } from "./dom.js";

/** The tiles, in reading order: key, label, how the value reads. */
const TILES = [
  ["open_tickets", "Open tickets", "count"],
  ["sla.respond.24h", "Responded in time (24 h)", "share"],
  ["sla.arrive.24h", "On site in time (24 h)", "share"],
  ["sla.arrive.7d", "On site in time (7 d)", "share"],
  ["mtta_s.30d", "Mean time to acknowledge", "duration"],
  ["mttr_s.30d", "Mean time to repair", "duration"],
  ["active_alarms", "Active alarms", "count"],
  ["critical_rooms_affected", "Critical rooms affected", "count"],
  ["patrol_completion.7d", "Patrol rounds done (7 d)", "share"],
  ["hazards_overdue", "Overdue hazards", "count"],
  ["inspections_expired", "Expired inspections", "count"],
  ["inspections_expiring", "Inspections expiring (30 d)", "count"],
  ["energy_today_vs_baseline", "Energy today vs baseline", "deviation"],
];

let box = null;
let timer = null;

/** A figure's value as the wall reads it; "–" when there is nothing to measure (null). */
export function format(value, how) {
  if (value === null || value === undefined) return "–";
  if (how === "share") return `${Math.round(value * 100)} %`;
  if (how === "deviation") return `${value >= 0 ? "+" : "−"}${Math.abs(value * 100).toFixed(1)} %`;
  if (how === "duration") return value < 3600 ? `${Math.round(value / 60)} min` : `${(value / 3600).toFixed(1)} h`;
  return String(Math.round(value));
}

function tile(fig, label, how) {
  const worse = (how === "share" && fig.value !== null && fig.value < 0.9)
    || (how === "count" && fig.value > 0 && fig.key !== "open_tickets")
    || (how === "deviation" && fig.value > 0.1);
  return el("a", {
    class: `kpi${worse ? " kpi-warn" : ""}`, href: fig.href, target: "_blank", rel: "noopener",
    "data-key": fig.key, "data-value": fig.value === null ? "" : String(fig.value),
    title: `${label}: the records behind it (${fig.href})`,
  }, el("span", { class: "kpi-value" }, format(fig.value, how)), el("span", { class: "kpi-label" }, label));
}

/** Fetch /kpis and paint the tiles; the answer is kept on the box for the debug surface. */
export async function refresh() {
  if (!box) return null;
  const res = await get("/kpis");
  const by = new Map(res.figures.map((f) => [f.key, f]));
  const tiles = TILES.filter(([k]) => by.has(k)).map(([k, label, how]) => tile(by.get(k), label, how));
  box.querySelector(".kpi-grid").replaceChildren(...tiles);
  box.querySelector(".kpi-at").textContent = `as of ${new Date(res.at).toLocaleTimeString()}`;
  box.dataset.figures = String(tiles.length);
  box.hidden = false;
  return res;
}

/** Show the panel in ``container`` when the server has /kpis; refresh every ``every`` ms. */
export function init(container, every = 60_000) {
  if (!container || !has("/kpis")) return;
  box = container;
  box.replaceChildren(
    el("h2", { id: "kpis-h" }, "Command centre"),
    el("div", { class: "kpi-grid", role: "list" }),
    el("p", { class: "muted kpi-at" }),
  );
  refresh().catch(() => { box.hidden = true; });
  clearInterval(timer);
  timer = setInterval(() => refresh().catch(() => {}), every);
}
