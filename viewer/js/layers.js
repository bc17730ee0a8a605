// Toggleable plan layers: alarms, tickets, sensor heat map, fault trace, route, scenario.
// Each maps to a plan.svg query parameter (the server draws it); a layer whose endpoint the
// server does not document is hidden.
import { get, has, q } from "./api.js";

const box = document.getElementById("layers");
const legend = document.getElementById("legend");
let onChange = () => {};

const LAYERS = [
  { id: "alarms", label: "Alarms", needs: "/alarms", param: () => ["overlay", "alarms"] },
  { id: "tickets", label: "Tickets", needs: "/tickets", param: () => ["overlay", "tickets"] },
  { id: "heat", label: "Heat map", needs: "/sensors", input: { type: "select", options: ["temperature", "humidity", "pressure", "co2"], label: "Quantity" }, param: (v) => ["overlay", `sensor:${v}`] },
  { id: "trace", label: "Fault trace", needs: "/elements/{}/upstream", input: { placeholder: "Element GlobalId", label: "Faulty element" }, param: (v) => v && ["trace", v] },
  { id: "route", label: "Route", needs: "/routes", input: { placeholder: "from;to GlobalIds", label: "Route from;to" }, param: (v) => v && ["route", v] },
  { id: "scenario", label: "Scenario", needs: "/scenarios", input: { placeholder: "scenario id", label: "Scenario" }, param: (v) => v && ["scenario", v] },
];

export function init({ changed }) {
  onChange = changed;
  for (const l of LAYERS) {
    if (!has(l.needs)) continue;
    const row = document.createElement("div");
    row.className = "layer";
    row.innerHTML = `<label><input type="checkbox" id="layer-${l.id}"> ${l.label}</label>` + (l.input
      ? l.input.type === "select"
        ? `<select id="layer-${l.id}-v" aria-label="${l.input.label}">${l.input.options.map((o) => `<option>${o}</option>`).join("")}</select>`
        : `<input id="layer-${l.id}-v" aria-label="${l.input.label}" placeholder="${l.input.placeholder}" size="14">`
      : "");
    box.appendChild(row);
    row.addEventListener("change", () => onChange());
    row.querySelector("input[id$='-v']")?.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); row.querySelector("input[type=checkbox]").checked = true; onChange(); } });
  }
  box.hidden = !box.querySelector(".layer");
}

/** Turn a layer on with a value (used by fault fly-to and by tests through the UI). */
export function enable(id, value) {
  const cb = document.getElementById(`layer-${id}`);
  if (!cb) return false;
  cb.checked = true;
  const v = document.getElementById(`layer-${id}-v`);
  if (v && value !== undefined) v.value = value;
  onChange();
  return true;
}

/** Query parameters for plan.svg from the ticked layers (several overlays are comma-joined). */
export function params() {
  const out = {};
  for (const l of LAYERS) {
    if (!document.getElementById(`layer-${l.id}`)?.checked) continue;
    const p = l.param(document.getElementById(`layer-${l.id}-v`)?.value?.trim());
    if (!p) continue;
    out[p[0]] = out[p[0]] ? `${out[p[0]]},${p[1]}` : p[1];
  }
  return out;
}

/** Heat-map legend: min/max come from the plan's data attributes when the server gives them. */
export function updateLegend(svg) {
  const on = document.getElementById("layer-heat")?.checked;
  legend.hidden = !on;
  if (!on) return;
  const quantity = document.getElementById("layer-heat-v").value;
  const vals = svg ? [...svg.querySelectorAll("[data-value]")].map((e) => +e.dataset.value).filter(Number.isFinite) : [];
  const lo = svg?.dataset.min ?? (vals.length ? Math.min(...vals).toFixed(1) : "low");
  const hi = svg?.dataset.max ?? (vals.length ? Math.max(...vals).toFixed(1) : "high");
  legend.innerHTML = `<span>${quantity}</span><span class="ramp" role="img" aria-label="colour ramp from ${lo} to ${hi}"></span><span>${lo}</span><span>${hi}</span>`;
}

/** Route polylines from /routes for drawing when the plan endpoint cannot draw them itself. */
export async function routeLines(storey) {
  const v = document.getElementById("layer-route-v")?.value?.trim();
  if (!v || !document.getElementById("layer-route")?.checked) return [];
  const [from, to] = v.split(";");
  const r = await get(`/routes${q({ from, to })}`);
  const legs = r.legs || r.storeys || r.polylines || [];
  return legs.filter((l) => !l.storey || l.storey === storey).map((l) => (l.points || l.coordinates || l).map(([x, y]) => [x, -y]));
}
