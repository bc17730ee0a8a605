// The action panel of a selection (issue 13, "actions where the eye is"): what fits a room or an
// element, one click away, with nothing to type but free text. Trace upstream/downstream and
// isolate (the valves to close drawn on the plan and in 3D, listed as a "close these" checklist),
// a route here from a technician (picked from the list) or from "me" (a point picked on the plan),
// open a ticket, report a hazard, add to a scenario. What is drawn (trace, isolation, route) stays
// drawn across storey changes and the 3D view until cleared: redraw() paints it again.
import { get, has, optional, post, q } from "./api.js";
import { el } from "./dom.js";
import * as plan from "./plan.js";
import { PALETTE, hex } from "./palette.js";
import { state } from "./state.js";

let ctx = {
  scene: () => null, // the BuildingScene or null
  storeys: () => [], // /buildings/{g}/storeys of the current building
  select: () => {},
  ticketsChanged: () => {},
  detail: async () => {}, // load pipes and fittings in 3D (a trace runs along them)
  error: () => {},
  changed: () => {}, // something was drawn or cleared: the legend follows
  named: () => {}, // (layer, name or null): the Layers box names the drawn trace and route
};
const drawn = { trace: null, isolation: null, route: null };
let current = null; // {item, space, kind, box}

export function init(c) { ctx = { ...ctx, ...c }; }

// what a kind can do: distribution elements trace and isolate
const NETWORK_KINDS = new Set(["segment", "fitting", "valve", "pump", "terminal", "equipment", "sensor", "actuator", "alarm", "controller", "meter"]);
const PRIORITIES = ["emergency", "urgent", "normal", "planned"];
const SKILLS = ["", "electrical", "plumbing", "hvac", "medical_gas", "lifts", "general"];
const HAZARD_CATEGORIES = ["electrical", "fire", "gas", "water", "structural", "lift", "other"];
const RISKS = ["low", "medium", "high", "critical"];

const labelOf = (item, space) => (space ? `${item.number || ""} ${item.long_name || item.name || ""}`.trim() : item.name || item.ifc_class || item.kind);
const storeyName = (g) => ctx.storeys().find((s) => s.guid === g)?.name || "another storey";
const options = (values, chosen) => values.map((v) => el("option", { value: v, selected: v === chosen ? "" : null }, v || "—"));

/** The action buttons of a selection, rendered into `box` (a section of the side panel). */
export function render(box, item, space) {
  const kind = space ? "space" : item.kind;
  current = { item, space, kind, box };
  const buttons = [];
  const add = (id, label, needs, fn) => { if (needs) buttons.push(el("button", { type: "button", "data-action": id }, label)); handlers[id] = fn; };
  const handlers = {};
  const net = !space && NETWORK_KINDS.has(kind);
  add("upstream", "Trace upstream", net && has("/elements/{}/upstream"), () => trace("upstream"));
  add("downstream", "Trace downstream", net && has("/elements/{}/downstream"), () => trace("downstream"));
  add("isolate", "Isolate", net && has("/elements/{}/isolation"), isolate);
  add("route", "Route here", has("/routes"), routeForm);
  add("ticket", "Open ticket", has("/tickets"), ticketForm);
  add("hazard", "Report hazard", has("/hazards"), hazardForm);
  add("scenario", "Add to scenario", has("/scenarios"), scenarioForm);
  const out = el("div", { id: "action-out", class: "action-out", "aria-live": "polite" });
  const bar = el("div", { class: "actions", role: "toolbar", "aria-label": "Actions" }, buttons);
  bar.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-action]");
    if (!b) return;
    for (const x of bar.querySelectorAll("button")) x.setAttribute("aria-pressed", String(x === b));
    Promise.resolve(handlers[b.dataset.action]()).catch((err) => say(el("p", { class: "error-inline", role: "alert" }, err.message)));
  });
  box.replaceChildren(el("h3", {}, "Actions"), bar, out, clearButton());
  box.hidden = !buttons.length;
}

function clearButton() {
  const b = el("button", { type: "button", id: "clear-drawn", class: "link", hidden: anyDrawn() ? null : "" }, "Clear drawn trace, valves and route");
  b.addEventListener("click", () => { clearAll(); b.hidden = true; });
  return b;
}
const anyDrawn = () => !!(drawn.trace || drawn.isolation || drawn.route);
const say = (...nodes) => { const out = document.getElementById("action-out"); out?.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined)); };
const showClear = () => { const b = document.getElementById("clear-drawn"); if (b) b.hidden = !anyDrawn(); };

// -- trace ------------------------------------------------------------------------------------
async function trace(direction) {
  const { item } = current;
  say(el("p", { class: "muted" }, `Tracing ${direction}…`));
  const res = await get(`/elements/${encodeURIComponent(item.guid)}/${direction}`);
  drawn.trace = { origin: item.guid, direction, guids: res.steps.map((s) => s.guid), edges: res.edges };
  const byKind = {};
  for (const s of res.steps) if (s.guid !== item.guid) byKind[s.kind] = (byKind[s.kind] || 0) + 1;
  await drawTrace();
  ctx.named("trace", `${direction === "upstream" ? "Upstream" : "Downstream"} of ${labelOf(item, current.space)}`);
  plan.frame([], plan.marked("traced"));
  const here = plan.marked("traced").length;
  say(el("p", { id: "trace-summary", "data-count": res.steps.length, "data-direction": direction },
    `${direction === "upstream" ? "Fed by" : "Feeds"} ${res.steps.length - 1} elements (${here} drawn on this storey): `,
    Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(", ") || "nothing"),
  res.assumptions?.length ? el("p", { class: "muted" }, res.assumptions.join(" ")) : null);
  showClear();
}

async function drawTrace() {
  const t = drawn.trace;
  plan.mark("traced", t ? t.guids : []);
  const lines = [];
  for (const [a, b] of t?.edges || []) {
    const p = plan.centreOf(a), r = plan.centreOf(b);
    if (p && r) lines.push([[p[0], -p[1]], [r[0], -r[1]]]);
  }
  if (lines.length) plan.drawOverlay("trace-lines", lines, "trace-lines"); else plan.removeOverlay("trace-lines");
  ctx.changed();
  const scene = ctx.scene();
  if (!scene) return;
  if (!t) { scene.clearPath("trace"); return; }
  await ctx.detail(); // pipes and fittings carry the trace between its ends
  scene.links("trace", t.edges, hex("trace"));
}

// -- isolate ----------------------------------------------------------------------------------
const closedKey = (target) => `twin.isolate.${target}`;
function closedSet(target) {
  try { return new Set(JSON.parse(localStorage.getItem(closedKey(target)) || "[]")); } catch { return new Set(); }
}

async function isolate() {
  const { item } = current;
  say(el("p", { class: "muted" }, "Finding the valves to close…"));
  const res = await get(`/elements/${encodeURIComponent(item.guid)}/isolation`);
  drawn.isolation = res;
  drawIsolation();
  if (!res.possible) {
    say(el("p", { id: "isolation-impossible", role: "alert" }, `Cannot isolate: ${res.reason}`),
      res.suggestions?.length ? el("ul", {}, res.suggestions.map((s) => el("li", {}, typeof s === "string" ? s : s.text || JSON.stringify(s)))) : null);
    showClear();
    return;
  }
  const closed = closedSet(item.guid);
  plan.frame(res.valves.filter((v) => v.storey === state.storey && v.xyz).map((v) => [v.xyz[0], -v.xyz[1]]), [item.guid]);
  const rooms = await roomNames(res.valves.map((v) => v.space).filter(Boolean));
  const progress = el("p", { id: "isolation-progress" });
  const count = () => { progress.textContent = `${closed.size} of ${res.valves.length} closed`; progress.classList.toggle("done", closed.size === res.valves.length); };
  const list = el("ol", { id: "isolation", class: "checklist", "aria-label": "Close these" }, res.valves.map((v, i) => {
    const box = el("input", { type: "checkbox", "data-valve": v.guid, checked: closed.has(v.guid) ? "" : null, "aria-label": `closed: ${v.name || v.kind}` });
    box.addEventListener("change", () => {
      if (box.checked) closed.add(v.guid); else closed.delete(v.guid);
      localStorage.setItem(closedKey(item.guid), JSON.stringify([...closed]));
      count();
    });
    const show = el("button", { type: "button", class: "link" }, "show");
    show.addEventListener("click", () => ctx.select(v.guid, v.kind));
    return el("li", { "data-valve": v.guid },
      el("label", {}, box, ` ${i + 1}. ${v.name || v.kind} `),
      el("small", { class: "muted" }, [storeyName(v.storey), rooms[v.space]].filter(Boolean).join(", ")), " ", show);
  }));
  count();
  say(el("h4", {}, `Close these (${res.valves.length})`), list, progress,
    res.media?.length ? el("p", { class: "muted" }, `Medium: ${res.media.join(", ")}`) : null,
    res.assumptions?.length ? el("p", { class: "muted" }, res.assumptions.join(" ")) : null);
  showClear();
}

function drawIsolation() {
  const res = drawn.isolation;
  const valves = res?.valves || [];
  plan.mark("isolate", valves.map((v) => v.guid));
  const here = valves.map((v, i) => ({ ...v, i })).filter((v) => v.storey === state.storey && v.xyz);
  plan.drawMarkers("isolate-valves", here.map((v) => ({ x: v.xyz[0], y: v.xyz[1], guid: v.guid, kind: v.kind, label: `${v.i + 1}. ${v.name}` })), "isolate-valves");
  ctx.changed();
  const scene = ctx.scene();
  if (!scene) return;
  if (!valves.length) scene.clearPath("isolate"); else scene.markers("isolate", valves.filter((v) => v.xyz).map((v) => v.xyz), hex("isolate"));
}

const roomCache = new Map();
async function roomNames(guids) {
  const out = {};
  await Promise.all([...new Set(guids)].map(async (g) => {
    if (!roomCache.has(g)) roomCache.set(g, optional(`/spaces/${encodeURIComponent(g)}`).catch(() => null));
    const s = await roomCache.get(g);
    if (s) out[g] = `${s.number} ${s.long_name || ""}`.trim();
  }));
  return out;
}

// -- route ------------------------------------------------------------------------------------
async function routeForm() {
  const { item } = current;
  const techs = has("/technicians") ? (await optional("/technicians").catch(() => null)) || [] : [];
  const list = Array.isArray(techs) ? techs : techs.items || [];
  const rooms = await roomNames(list.map((t) => t.space).filter(Boolean));
  const from = el("select", { id: "route-from", "aria-label": "Route from" },
    el("option", { value: "me" }, "me (click where I am on the plan)"),
    list.map((t) => {
      const where = t.space ? rooms[t.space] || storeyName(t.storey) : t.position ? storeyName(t.storey) : null;
      return el("option", { value: `tech:${t.id}`, disabled: where ? null : "" },
        `${t.name || t.id} — ${where || "position unknown"}${t.shift && t.shift !== "on_shift" ? ` (${t.shift.replace("_", " ")})` : ""}`);
    }));
  const profile = el("select", { id: "route-profile", "aria-label": "Profile" }, options(["walking", "cart", "wheelchair", "emergency"], "walking"));
  const go = el("button", { type: "button", id: "route-go" }, "Show route");
  go.addEventListener("click", async () => {
    let start = null;
    if (from.value === "me") {
      result.replaceChildren(el("p", { class: "muted", id: "route-pick" }, "Click where you are on the plan (Esc cancels)."));
      const p = await plan.pickPoint();
      if (!p) { result.replaceChildren(el("p", { class: "muted" }, "Cancelled.")); return; }
      const floor = ctx.storeys().find((s) => s.guid === state.storey)?.elevation ?? 0;
      start = `${p[0].toFixed(2)},${p[1].toFixed(2)},${(floor + 0.5).toFixed(2)}`;
    } else {
      const t = list.find((x) => `tech:${x.id}` === from.value);
      start = t?.space || (t?.position ? t.position.join(",") : null);
    }
    if (!start) return;
    const route = await get(`/routes${q({ from: start, to: item.guid, profile: profile.value })}`);
    showRoute(route, from.value === "me" ? "me" : from.options[from.selectedIndex].textContent.split(" — ")[0], labelOf(item, current.space));
  });
  const result = el("div", { id: "route-result" });
  say(el("div", { class: "form-row" }, el("label", {}, "From ", from), el("label", {}, "as ", profile), go), result);
}

/** Draw a route (a /routes answer, or a ticket's dispatched route) on the plan and in 3D, and
 * list its steps in the action area when a selection is open. */
export function showRoute(route, who = "", to = "") {
  if (!route?.polyline3d) return;
  drawn.route = route;
  drawRoute();
  ctx.named("route", [who && `From ${who}`, to && `to ${to}`].filter(Boolean).join(" ") || "Route");
  plan.frame((route.polylines?.[state.storey] || []).flat().map(([x, y]) => [x, -y]));
  const mins = Math.max(1, Math.round((route.eta_s || 0) / 60));
  const steps = (route.steps || []).filter((s) => s.text).map((s) => el("li", {}, s.text));
  const box = el("div", { id: "route-summary", "data-length": route.length_m },
    el("p", {}, `${who ? `From ${who}: ` : ""}${Math.round(route.length_m)} m, about ${mins} min (${route.profile})`),
    steps.length ? el("ol", { class: "steps" }, steps) : null,
    route.assumptions?.length ? el("p", { class: "muted" }, route.assumptions.join("; ")) : null);
  document.getElementById("route-summary")?.remove();
  const slot = document.getElementById("route-result") || document.getElementById("action-out");
  if (slot) slot.replaceChildren(box);
  else document.getElementById("details")?.prepend(box);
  showClear();
}

function drawRoute() {
  const r = drawn.route;
  const lines = r ? (r.polylines?.[state.storey] || []).map((l) => l.map(([x, y]) => [x, -y])) : [];
  const flat = (l) => l.reduce((n, p, i) => (i ? n + Math.hypot(p[0] - l[i - 1][0], p[1] - l[i - 1][1]) : 0), 0);
  plan.drawOverlay("drawn-route", lines, "route drawn-route", { "data-length": lines.reduce((n, l) => n + flat(l), 0).toFixed(2) });
  ctx.changed();
  const stage = document.getElementById("stage");
  const scene = ctx.scene();
  if (!r) { delete stage.dataset.route; scene?.clearPath("route"); return; }
  stage.dataset.route = String(r.length_m);
  if (scene) stage.dataset.routeTube = scene.path("route", r.polyline3d, hex("route")).toFixed(2);
}

// -- ticket, hazard, scenario -------------------------------------------------------------------
function ticketForm() {
  const { item, space } = current;
  const title = el("input", { id: "ticket-title", required: "", maxlength: 200, value: `Fault at ${labelOf(item, space)}`, "aria-label": "Title" });
  const prio = el("select", { id: "ticket-priority", "aria-label": "Priority" }, options(PRIORITIES, "normal"));
  const skill = el("select", { id: "ticket-skill", "aria-label": "Skill" }, options(SKILLS, ""));
  const text = el("textarea", { id: "ticket-text", rows: 2, maxlength: 5000, "aria-label": "Description", placeholder: "What is wrong" });
  const form = el("form", { class: "form", id: "ticket-form" }, title, el("div", { class: "form-row" }, prio, skill), text, el("button", { type: "submit" }, "Open ticket"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { title: title.value.trim(), priority: prio.value, description: text.value, [space ? "space" : "element"]: item.guid };
    if (skill.value) body.skill = skill.value;
    const t = await post("/tickets", body);
    say(el("p", { id: "ticket-opened", "data-ticket": t.id }, `Ticket #${t.id} opened (${t.priority}).`));
    ctx.ticketsChanged();
  });
  say(form);
}

function hazardForm() {
  const { item } = current;
  const cat = el("select", { id: "hazard-category", "aria-label": "Category" }, options(HAZARD_CATEGORIES, "other"));
  const risk = el("select", { id: "hazard-risk", "aria-label": "Risk" }, options(RISKS, "medium"));
  const text = el("textarea", { id: "hazard-text", rows: 2, required: "", maxlength: 5000, "aria-label": "Description", placeholder: "What is the hazard" });
  const form = el("form", { class: "form", id: "hazard-form" }, el("div", { class: "form-row" }, cat, risk), text, el("button", { type: "submit" }, "Report hazard"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const h = await post("/hazards", { location: item.guid, category: cat.value, risk: risk.value, description: text.value.trim() });
    say(el("p", { id: "hazard-opened", "data-hazard": h.id }, `Hazard #${h.id} recorded (${h.risk}).`));
  });
  say(form);
}

/** Which list of a scenario document a selection joins. */
function scenarioField(kind) {
  if (kind === "space") return "closed_spaces";
  if (kind === "door") return "closed_doors";
  if (kind === "lift" || kind === "stair") return "out_of_service";
  return "shut_off";
}

async function scenarioForm() {
  const { item, space, kind } = current;
  const field = scenarioField(kind);
  // the planner's pencil (its own module) takes the selection when it is on the page
  const handoff = new CustomEvent("twin:scenario-add", { cancelable: true, detail: { guid: item.guid, kind, field, label: labelOf(item, space), building: state.building } });
  if (!document.dispatchEvent(handoff)) { say(el("p", {}, "Added to the scenario being drawn.")); return; }
  const stored = (await optional(`/scenarios${q({ building: state.building })}`).catch(() => null)) || [];
  const pick = el("select", { id: "scenario-pick", "aria-label": "Scenario" },
    el("option", { value: "" }, "New scenario…"), stored.map((s) => el("option", { value: s.id }, s.name)));
  const name = el("input", { id: "scenario-name", maxlength: 200, value: `Works at ${labelOf(item, space)}`, "aria-label": "New scenario name" });
  pick.addEventListener("change", () => { name.hidden = !!pick.value; });
  const what = { closed_spaces: "closed room", closed_doors: "closed door", out_of_service: "out of service", shut_off: "shut off" }[field];
  const form = el("form", { class: "form", id: "scenario-form" }, el("div", { class: "form-row" }, pick, name),
    el("button", { type: "submit" }, `Add as ${what}`));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    let saved;
    if (pick.value) {
      const sc = await get(`/scenarios/${encodeURIComponent(pick.value)}`);
      const doc = { ...sc.document };
      doc[field] = [...new Set([...(doc[field] || []), item.guid])];
      saved = await put(`/scenarios/${encodeURIComponent(pick.value)}`, doc);
    } else {
      saved = await post("/scenarios", { name: name.value.trim() || "Scenario", building: state.building, [field]: [item.guid] });
    }
    say(el("p", { id: "scenario-saved", "data-scenario": saved.id }, `Added to scenario "${saved.name}" as ${what}.`));
  });
  say(form);
}

async function put(path, body) {
  const res = await fetch(path, { method: "PUT", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.detail || data.title || `HTTP ${res.status}`);
  return data;
}

// -- drawn state --------------------------------------------------------------------------------
/** Paint what is drawn again (a new plan, the 3D view opened or reloaded). */
export async function redraw() {
  try {
    if (drawn.trace) await drawTrace();
    if (drawn.isolation) drawIsolation();
    if (drawn.route) drawRoute();
  } catch (err) { ctx.error(err); }
}

export function clearAll() {
  drawn.trace = drawn.isolation = drawn.route = null;
  drawTrace().catch(ctx.error);
  drawIsolation();
  drawRoute();
  document.getElementById("route-summary")?.remove();
  ctx.named("trace", null);
  ctx.named("route", null);
}

/** Clear one drawn thing, the trace or the route (the Layers box's x buttons). */
export function clear(what) {
  if (what === "trace") { drawn.trace = null; drawTrace().catch(ctx.error); }
  if (what === "route") { drawn.route = null; drawRoute(); document.getElementById("route-summary")?.remove(); }
  ctx.named(what, null);
  showClear();
}

export const colours = () => ({ route: PALETTE.route?.colour, trace: PALETTE.trace?.colour, isolate: PALETTE.isolate?.colour });
