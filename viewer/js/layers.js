// Toggleable plan layers: alarms, tickets, sensor heat map, scenario; the drawn fault trace and route.
// Each maps to a plan.svg query parameter (the server draws it); a layer whose endpoint the
// server does not document is hidden.
import { has, optional, q } from "./api.js";
import { el } from "./dom.js";

const box = document.getElementById("layers");
const legend = document.getElementById("legend");
let onChange = () => {};
let onClient = () => {};

// Trace and route are never typed: the action panel (actions.js) draws them from a clicked element
// or room and this box names what is drawn, with a clear (x) button. The scenario layer picks a
// stored scenario by name (GET /scenarios). No box here asks for a GlobalId or an id.
const LAYERS = [
  { id: "technicians", label: "Technicians", needs: "/technicians", client: true, on: true, param: () => null },
  { id: "alarms", label: "Alarms", needs: "/alarms", group: "overlay", param: () => ["overlay", "alarms"] },
  { id: "tickets", label: "Tickets", needs: "/tickets", group: "overlay", param: () => ["overlay", "tickets"] },
  { id: "hazards", label: "Hazards (open)", needs: "/hazards", group: "overlay", param: () => ["overlay", "hazards"] },
  { id: "patrols", label: "Patrol checkpoints", needs: "/patrol-templates", group: "overlay", param: () => ["overlay", "patrols"] },
  { id: "heat", label: "Heat map", needs: "/sensors", group: "overlay", input: { type: "select", options: ["temperature", "humidity", "pressure", "co2"], label: "Quantity" }, param: (v) => ["overlay", `sensor:${v}`] },
  { id: "trace", label: "Fault trace", needs: "/elements/{}/upstream", drawn: "select an element, then Trace" },
  { id: "route", label: "Route", needs: "/routes", drawn: "select a room, then Route here" },
  { id: "scenario", label: "Scenario", needs: "/scenarios", scenarios: true, param: (v) => v && ["scenario", v] },
];

let onClear = () => {};
let building = () => null;
const scenarioSelect = () => document.getElementById("layer-scenario-v");

export function init({ changed, client = () => {}, clear = () => {}, building: b = () => null }) {
  onChange = changed;
  onClient = client;
  onClear = clear;
  building = b;
  for (const l of LAYERS) {
    if (!has(l.needs)) continue;
    const row = document.createElement("div");
    row.className = "layer";
    row.dataset.layer = l.id;
    if (l.drawn) {
      // what the action panel drew, by name; nothing to tick or type
      row.append(el("span", { class: "layer-label" }, `${l.label}: `),
        el("span", { id: `layer-${l.id}-name`, class: "layer-name muted", title: l.drawn }, "none"),
        clearButton(l, () => onClear(l.id)));
      box.appendChild(row);
      continue;
    }
    row.innerHTML = `<label><input type="checkbox" id="layer-${l.id}"> ${l.label}</label>` + (l.input
      ? `<select id="layer-${l.id}-v" aria-label="${l.input.label}">${l.input.options.map((o) => `<option>${o}</option>`).join("")}</select>`
      : "");
    if (l.scenarios) {
      const pick = el("select", { id: "layer-scenario-v", "aria-label": "Stored scenario" }, el("option", { value: "" }, "choose a stored scenario"));
      pick.addEventListener("focus", () => loadScenarios()); // saved meanwhile: the list follows
      row.append(pick, clearButton(l, () => { pick.value = ""; document.getElementById("layer-scenario").checked = false; showClear("scenario"); onChange(); }));
    }
    box.appendChild(row);
    if (l.on) row.querySelector("input[type=checkbox]").checked = true;
    row.addEventListener("change", (e) => {
      // plan.svg draws one overlay at a time: ticking one unticks the others of its group
      if (l.group && e.target.type === "checkbox" && e.target.checked) {
        for (const o of LAYERS) if (o.group === l.group && o !== l) { const c = document.getElementById(`layer-${o.id}`); if (c) c.checked = false; }
      }
      if (l.scenarios) { // picking a scenario shows it; ticking without one picked shows nothing
        if (e.target.tagName === "SELECT") document.getElementById("layer-scenario").checked = !!e.target.value;
        showClear("scenario");
      }
      return l.client ? onClient(l.id) : onChange();
    });
  }
  box.hidden = !box.querySelector(".layer");
  if (window.matchMedia("(max-width: 600px)").matches) box.open = false; // a phone: the plan first
  loadScenarios();
}

function clearButton(l, fn) {
  const b = el("button", { type: "button", id: `layer-${l.id}-clear`, class: "layer-clear", "aria-label": `Clear ${l.label.toLowerCase()}`, title: `Clear ${l.label.toLowerCase()}`, hidden: "" }, "\u00d7");
  b.addEventListener("click", fn);
  return b;
}

function showClear(id) {
  const b = document.getElementById(`layer-${id}-clear`);
  if (!b) return;
  b.hidden = id === "scenario" ? !(scenarioSelect()?.value && document.getElementById("layer-scenario")?.checked) : !drawnNames[id];
}

/** The stored scenarios of the building by name in the scenario layer's dropdown (the chosen one kept). */
export async function loadScenarios() {
  const pick = scenarioSelect();
  if (!pick) return;
  const b = building();
  let list = [];
  try { list = (await optional(`/scenarios${q(b ? { building: b } : {})}`)) || []; } catch { list = []; }
  if (!Array.isArray(list)) list = list.items || [];
  const keep = pick.value;
  pick.replaceChildren(el("option", { value: "" }, list.length ? "choose a stored scenario" : "no stored scenarios"),
    ...list.map((s) => el("option", { value: String(s.id) }, s.name || `Scenario of ${s.created_at || "unknown date"}`)));
  if (keep && !list.some((s) => String(s.id) === keep)) pick.append(el("option", { value: keep }, scenarioNames[keep] || "the linked scenario"));
  pick.value = keep;
}
const scenarioNames = {};

/** Turn a layer on with a value: the scenario layer with a stored scenario (the pencil's "show"). */
export function enable(id, value, name) {
  const cb = document.getElementById(`layer-${id}`);
  if (!cb) return false;
  cb.checked = true;
  const v = document.getElementById(`layer-${id}-v`);
  if (v && value !== undefined) {
    const val = String(value);
    if (name) scenarioNames[val] = name;
    if (v.tagName === "SELECT" && ![...v.options].some((o) => o.value === val)) v.append(el("option", { value: val }, name || "the linked scenario"));
    v.value = val;
  }
  showClear(id);
  onChange();
  return true;
}

/** What the action panel drew (trace, route), named in the Layers box; null clears the name. */
const drawnNames = { trace: null, route: null };
export function drawn(id, name) {
  drawnNames[id] = name || null;
  const span = document.getElementById(`layer-${id}-name`);
  if (!span) return;
  const l = LAYERS.find((x) => x.id === id);
  span.textContent = name || "none";
  span.title = name || l.drawn; // the hint where nothing is drawn, the whole name where it is long
  span.classList.toggle("muted", !name);
  showClear(id);
}

/** Query parameters for plan.svg from the ticked layers (several overlays are comma-joined). */
export function params() {
  const out = {};
  for (const l of LAYERS) {
    if (!l.param || !document.getElementById(`layer-${l.id}`)?.checked) continue;
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
  return scenarioSelect()?.value?.trim() || null;
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
