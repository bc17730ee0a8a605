// Energy in the viewer (docs/energy.md): an hourly chart of the building's metered consumption
// over the last 24 hours (uPlot, installed by npm beside three.js and loaded on first use), and
// an energy layer on the plan colouring each metered room by the kWh/m² of the meter that serves
// it most closely (GET /energy/enpi).
import { get, has, q } from "./api.js";
import { el } from "./dom.js";
import * as plan from "./plan.js";

const UPLOT = "/viewer/node_modules/uplot/dist/uPlot.esm.js";
let box = null;
let chart = null;
let building = () => null;
let layerOn = false;
let perRoom = new Map(); // room GlobalId -> kWh/m² today

const window24h = () => {
  const end = new Date();
  end.setMinutes(0, 0, 0);
  return { start: new Date(end.getTime() - 24 * 3600e3).toISOString(), end: end.toISOString() };
};

/** Hourly totals of the current building (root meters: the roll-up's rows add up to them). */
async function series() {
  const res = await get(`/energy/rollup${q({ by: "building", period: "hour", ...window24h() })}`);
  const b = building();
  const sums = new Map();
  for (const r of res.rows) {
    if (b && r.group && r.group !== b) continue;
    const t = Date.parse(r.period) / 1000;
    sums.set(t, (sums.get(t) || 0) + r.value);
  }
  const xs = [...sums.keys()].sort((a, c) => a - c);
  return { res, xs, ys: xs.map((t) => sums.get(t)) };
}

export async function refreshChart() {
  if (!box) return;
  const { res, xs, ys } = await series();
  const total = ys.reduce((a, v) => a + v, 0);
  const plot = box.querySelector(".energy-chart");
  box.dataset.points = String(xs.length);
  box.dataset.total = String(total);
  box.querySelector(".energy-sum").textContent = xs.length
    ? `${total.toFixed(1)} ${res.unit} in the last 24 h${res.co2_kg !== null ? `, ${res.co2_kg.toFixed(1)} kg CO₂e` : ""}${res.cost !== null && res.currency ? `, ${res.cost.toFixed(2)} ${res.currency}` : ""}`
    : "No metered consumption in the last 24 h.";
  if (!xs.length) { chart?.destroy(); chart = null; plot.replaceChildren(); return; }
  const { default: uPlot } = await import(UPLOT);
  const opts = {
    width: Math.max(220, plot.clientWidth || 280), height: 140,
    series: [{}, { label: res.unit, stroke: "#c2410c", fill: "rgba(194,65,12,0.12)", width: 1.5 }],
    axes: [{ values: (u, v) => v.map((t) => new Date(t * 1000).getHours() + "h") }, { size: 44 }],
    legend: { show: false }, cursor: { show: true },
  };
  chart?.destroy();
  chart = new uPlot(opts, [xs, ys], plot);
}

function colour(v, lo, hi) {
  const f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return `hsl(${Math.round(60 - 60 * f)}, 85%, ${Math.round(75 - 25 * f)}%)`;
}

/** Colour the plan's metered rooms by kWh/m² since midnight (the layer), or clear them. */
export async function paintLayer() {
  const svg = document.querySelector("#plan > svg");
  for (const s of svg?.querySelectorAll("[data-energy]") || []) { s.style.fill = ""; delete s.dataset.energy; }
  const legend = box?.querySelector(".energy-legend");
  if (!layerOn) { if (legend) legend.textContent = ""; return; }
  const midnight = new Date(); midnight.setUTCHours(0, 0, 0, 0);
  const res = await get(`/energy/enpi${q({ start: midnight.toISOString(), end: new Date().toISOString() })}`);
  const meters = await get("/energy/meters");
  const served = new Map(meters.map((m) => [m.id, m.served || []]));
  // each room takes the meter that serves the fewest rooms (the closest sub-meter)
  const best = new Map();
  for (const m of res.meters) {
    if (m.per_m2 === null) continue;
    const rooms = served.get(m.meter) || [];
    for (const r of rooms) {
      const had = best.get(r);
      if (!had || had.n > rooms.length) best.set(r, { n: rooms.length, v: m.per_m2 });
    }
  }
  perRoom = new Map([...best].map(([r, x]) => [r, x.v]));
  const vals = [...perRoom.values()];
  const lo = Math.min(...vals), hi = Math.max(...vals);
  let n = 0;
  for (const [r, v] of perRoom) {
    const shape = plan.shapeOf(r);
    if (!shape) continue;
    shape.style.fill = colour(v, lo, hi);
    shape.dataset.energy = v.toFixed(4);
    n += 1;
  }
  document.getElementById("plan").dataset.energyRooms = String(n);
  if (legend) legend.textContent = vals.length ? `rooms ${lo.toFixed(2)}–${hi.toFixed(2)} ${res.unit}/m² today` : "";
}

/** The energy section in ``container`` when the server meters energy; ``getBuilding`` names
 *  the building shown. */
export function init(container, getBuilding) {
  if (!container || !has("/energy/rollup")) return;
  box = container;
  building = getBuilding;
  const toggle = el("input", { type: "checkbox", id: "layer-energy" });
  toggle.addEventListener("change", () => { layerOn = toggle.checked; paintLayer().catch(() => {}); });
  box.replaceChildren(
    el("h2", {}, "Energy"),
    el("div", { class: "energy-chart", role: "img", "aria-label": "Hourly consumption, last 24 hours" }),
    el("p", { class: "muted energy-sum" }),
    el("label", {}, toggle, " kWh/m² on the plan"),
    el("p", { class: "muted energy-legend" }),
  );
  box.hidden = false;
  refreshChart().catch(() => { box.hidden = true; });
}

/** The plan was redrawn (storey change): paint the layer again if it is on. */
export const planChanged = () => (layerOn ? paintLayer().catch(() => {}) : null);
