// Toggleable plan layers: alarms, tickets, sensor heat map, fault trace, route, scenario.
// Each maps to a plan.svg query parameter (the server draws it); a layer whose endpoint the
// server does not document is hidden.
import { get, has, q } from "./api.js";
import { el } from "./dom.js";

const box = document.getElementById("layers");
const legend = document.getElementById("legend");
let onChange = () => {};
let onClient = () => {};

const LAYERS = [
  { id: "technicians", label: "Technicians", needs: "/technicians", client: true, on: true, param: () => null },
  { id: "alarms", label: "Alarms", needs: "/alarms", group: "overlay", param: () => ["overlay", "alarms"] },
  { id: "tickets", label: "Tickets", needs: "/tickets", group: "overlay", param: () => ["overlay", "tickets"] },
  { id: "hazards", label: "Hazards (open)", needs: "/hazards", group: "overlay", param: () => ["overlay", "hazards"] },
  { id: "patrols", label: "Patrol checkpoints", needs: "/patrol-templates", group: "overlay", param: () => ["overlay", "patrols"] },
  { id: "heat", label: "Heat map", needs: "/sensors", group: "overlay", input: { type: "select", options: ["temperature", "humidity", "pressure", "co2"], label: "Quantity" }, param: (v) => ["overlay", `sensor:${v}`] },
  { id: "trace", label: "Fault trace", needs: "/elements/{}/upstream", input: { placeholder: "Element GlobalId", label: "Faulty element" }, param: (v) => v && ["trace", v] },
  { id: "route", label: "Route", needs: "/routes", input: { placeholder: "from;to GlobalIds", label: "Route from;to" }, param: (v) => v && ["route", v] },
  { id: "scenario", label: "Scenario", needs: "/scenarios", input: { placeholder: "scenario id", label: "Scenario" }, param: (v) => v && ["scenario", v] },
];

export function init({ changed, client = () => {} }) {
  onChange = changed;
  onClient = client;
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
    if (l.on) row.querySelector("input[type=checkbox]").checked = true;
    row.addEventListener("change", (e) => {
      // plan.svg draws one overlay at a time: ticking one unticks the others of its group
      if (l.group && e.target.type === "checkbox" && e.target.checked) {
        for (const o of LAYERS) if (o.group === l.group && o !== l) { const c = document.getElementById(`layer-${o.id}`); if (c) c.checked = false; }
      }
      return l.client ? onClient(l.id) : onChange();
    });
    row.querySelector("input[id$='-v']")?.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); row.querySelector("input[type=checkbox]").checked = true; onChange(); } });
  }
  box.hidden = !box.querySelector(".layer");
  if (window.matchMedia("(max-width: 600px)").matches) box.open = false; // a phone: the plan first
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

/** Whether a layer's checkbox is ticked (client-drawn layers such as technicians). */
export const isOn = (id) => !!document.getElementById(`layer-${id}`)?.checked;

/** The scenario id when the scenario layer is ticked (the 3D view colours it too), else null. */
export function sceneScenario() {
  if (!document.getElementById("layer-scenario")?.checked) return null;
  return document.getElementById("layer-scenario-v")?.value?.trim() || null;
}

/** Heat-map legend: the range comes from the legend the server drew into the plan (its first and
 * last labels are the lowest and highest room values); rooms without a reading stay unfilled. */
export function updateLegend(svg) {
  const on = document.getElementById("layer-heat")?.checked;
  legend.hidden = !on;
  if (!on) return;
  const quantity = document.getElementById("layer-heat-v").value;
  const layer = svg?.querySelector(`[data-overlay="sensor:${CSS.escape(quantity)}"]`);
  const labels = layer ? [...layer.querySelectorAll(".legend text")].map((t) => t.textContent.trim()) : [];
  const rooms = layer ? layer.querySelectorAll("path[data-guid]").length : 0;
  if (!rooms) {
    legend.replaceChildren(el("span", {}, quantity), el("span", { class: "muted" }, "no readings on this storey"));
    return;
  }
  const lo = labels[0] ?? "", hi = labels[labels.length - 1] ?? "";
  legend.replaceChildren(el("span", {}, quantity),
    el("span", { class: "ramp", role: "img", "aria-label": `colour ramp from ${lo} to ${hi}` }),
    el("span", { class: "lo" }, lo), el("span", { class: "hi" }, hi), el("span", { class: "muted rooms" }, `${rooms} rooms`));
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
