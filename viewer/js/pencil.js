// The planner's pencil (docs/viewer.md "Planner's pencil"): draw the works on the plan (a
// rectangle, a polygon, or rooms picked by clicking), choose what else closes (doors in the zone,
// lifts and stairs, whole services), run the impact report (POST /scenarios/impact) and see it on
// the plan (closed rooms, rooms cut off, rooms without service) and as lists by room name; save
// the scenario, open its readable report, show it in 3D (the scenario layer), compare two saved
// scenarios side by side (GET /scenario-comparison).
//
// Self-contained: main.js only calls init(). It reads the view state (state.js), draws into the
// plan's SVG as it is (re-applied whenever plan.js replaces it) and intercepts pointer events on
// the stage only while a drawing tool is active, so panning and selection work as before
// otherwise. Texts from data go through el()/svg() (dom.js).
import { get, has, post, q } from "./api.js";
import { el, svg as svgEl } from "./dom.js";
import { state } from "./state.js";
import * as layers from "./layers.js";

const $ = (id) => document.getElementById(id);
const PROFILES = { walking: "on foot", emergency: "emergency response" };

let box = null; // the pencil's section in the side panel
let tool = null; // "rect" | "poly" | "rooms" | null
let zones = []; // [{storey, plan: [[x, y] plan units]}] (plan y = -model y)
let picked = new Set(); // rooms closed by picking them
let draft = null; // the polygon or rectangle being drawn: [[x, y], ...]
let report = null; // the last impact report (JSON)
let saved = null; // {id, name} of the scenario as last saved
let storeyNames = {};
let lifts = []; // lifts and stairs of the building (elements)
let systems = []; // distribution systems of the building

/** Add the pencil to the viewer when the server has scenarios. */
export function init() {
  if (!has("/scenarios/impact") || !has("/scenarios")) return;
  document.head.append(el("link", { rel: "stylesheet", href: "css/pencil.css" }));
  const toggle = el("button", { id: "pencil-toggle", type: "button", "aria-pressed": "false", title: "Plan works: draw a zone, see what it closes" }, "✎ Works");
  $("plan-tools").append(toggle);
  box = build();
  $("panel").prepend(box);
  toggle.addEventListener("click", () => open(box.hidden));
  // plan.js replaces the SVG on every load: draw our layer and marks again on the new one
  new MutationObserver(() => paint()).observe($("plan"), { childList: true });
  const stage = $("stage");
  for (const type of ["pointerdown", "pointermove", "pointerup", "click", "dblclick"]) {
    stage.addEventListener(type, onPointer, true); // capture: before plan.js pans or selects
  }
  // "Add to scenario" on a selection (actions.js) hands rooms, lifts and stairs to the open pencil
  document.addEventListener("twin:scenario-add", (e) => {
    if (box.hidden) return;
    const { guid, field } = e.detail;
    const lift = field === "out_of_service" ? box.querySelector(`[data-lift="${CSS.escape(guid)}"]`) : null;
    if (field === "closed_spaces") picked.add(guid);
    else if (lift) lift.checked = true;
    else return;
    e.preventDefault();
    changed();
  });
  document.addEventListener("keydown", (e) => {
    if (!tool) return;
    if (e.key === "Escape") { draft = null; setTool(null); paint(); e.stopPropagation(); }
    else if (e.key === "Enter" && tool === "poly") { finishPolygon(); e.preventDefault(); }
  }, true);
}

function build() {
  const toolBtn = (id, label, title) => el("button", { type: "button", "data-tool": id, "aria-pressed": "false", title }, label);
  const section = el("section", { id: "pencil", class: "pencil", "aria-labelledby": "pencil-h", hidden: "" },
    el("h2", { id: "pencil-h" }, "Plan works"),
    el("p", { class: "muted hint", id: "pencil-hint" }, "Draw the works on the plan, then run the impact."),
    el("div", { class: "pencil-tools", role: "group", "aria-label": "Drawing tools" },
      toolBtn("rect", "Rectangle", "Drag a rectangle on the plan"),
      toolBtn("poly", "Polygon", "Click the corners, double-click or Enter to finish"),
      toolBtn("rooms", "Pick rooms", "Click rooms to close or reopen them"),
      el("button", { type: "button", id: "pencil-clear" }, "Clear")),
    el("p", { id: "pencil-drawn", class: "muted" }),
    el("fieldset", { class: "pencil-what" }, el("legend", {}, "What closes"),
      el("label", {}, el("input", { type: "checkbox", id: "pencil-rooms", checked: "", disabled: "" }), " Rooms in the zone (10 % of their floor or more)"),
      el("label", {}, el("input", { type: "checkbox", id: "pencil-doors", checked: "" }), " Doors in the zone"),
      el("details", { id: "pencil-lifts-box" }, el("summary", {}, "Lifts and stairs out of service"), el("div", { id: "pencil-lifts" })),
      el("details", { id: "pencil-systems-box" }, el("summary", {}, "Services shut off"),
        el("p", { class: "muted" }, "Pipes, ducts and cables running through closed rooms are out of service anyway."),
        el("div", { id: "pencil-systems" }))),
    el("label", { for: "pencil-name" }, "Name"),
    el("input", { id: "pencil-name", type: "text", maxlength: 200 }),
    el("div", { class: "pencil-run" },
      el("button", { type: "button", id: "pencil-run", class: "primary" }, "Run impact"),
      el("button", { type: "button", id: "pencil-save", disabled: "" }, "Save"),
      el("a", { id: "pencil-report", target: "_blank", rel: "noopener", hidden: "" }, "Open report"),
      el("button", { type: "button", id: "pencil-3d", hidden: "" }, "Show on plan and in 3D")),
    el("p", { id: "pencil-msg", class: "msg", role: "status" }),
    el("div", { id: "pencil-result", "aria-live": "polite" }),
    el("details", { id: "pencil-compare-box" }, el("summary", {}, "Compare saved scenarios"),
      el("div", { class: "pencil-compare-pick" },
        el("select", { id: "pencil-a", "aria-label": "First scenario" }),
        el("select", { id: "pencil-b", "aria-label": "Second scenario" }),
        el("button", { type: "button", id: "pencil-compare" }, "Compare")),
      el("div", { id: "pencil-comparison" })));
  section.querySelector(".pencil-tools").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-tool]");
    if (b) setTool(tool === b.dataset.tool ? null : b.dataset.tool);
  });
  section.querySelector("#pencil-clear").addEventListener("click", clear);
  section.querySelector("#pencil-run").addEventListener("click", () => run().catch(fail));
  section.querySelector("#pencil-save").addEventListener("click", () => save().catch(fail));
  section.querySelector("#pencil-3d").addEventListener("click", show3d);
  section.querySelector("#pencil-compare").addEventListener("click", () => compare().catch(fail));
  section.querySelector("#pencil-compare-box").addEventListener("toggle", (e) => { if (e.target.open) loadSaved().catch(fail); });
  return section;
}

async function open(on) {
  box.hidden = !on;
  $("pencil-toggle").setAttribute("aria-pressed", String(on));
  if (!on) { setTool(null); return; }
  box.scrollIntoView?.({ block: "nearest" });
  await loadBuilding().catch(fail);
  if (!$("pencil-name").value) $("pencil-name").value = `Works on ${storeyNames[state.storey] || "this storey"}`;
}

/** Storey names, lifts and stairs, and systems of the building shown (once per building). */
async function loadBuilding() {
  if (box.dataset.building === state.building) return;
  box.dataset.building = state.building;
  const b = encodeURIComponent(state.building);
  const [storeys, found, nets] = await Promise.all([
    get(`/buildings/${b}/storeys`),
    has("/elements") ? get(`/elements${q({ building: state.building, limit: 500 })}&kind=lift&kind=stair`) : { items: [] },
    has("/networks/{}/systems") ? get(`/networks/${b}/systems`).catch(() => ({ systems: [] })) : { systems: [] },
  ]);
  storeyNames = Object.fromEntries(storeys.map((s) => [s.guid, s.name]));
  lifts = found.items || [];
  systems = nets.systems || [];
  $("pencil-lifts").replaceChildren(...(lifts.length ? lifts.map((e) => el("label", {},
    el("input", { type: "checkbox", "data-lift": e.guid }), ` ${e.name || e.kind} `, el("small", { class: "muted" }, `${e.kind}${e.storey && storeyNames[e.storey] ? `, ${storeyNames[e.storey]}` : ""}`)))
    : [el("p", { class: "muted" }, "No lifts or stairs in this model.")]));
  $("pencil-systems").replaceChildren(...(systems.length ? systems.map((s) => el("label", {},
    el("input", { type: "checkbox", "data-system": s.guid }), ` ${s.name || "unnamed system"} `, el("small", { class: "muted" }, s.flow || "")))
    : [el("p", { class: "muted" }, "No distribution systems known in this model.")]));
}

function setTool(t) {
  tool = t;
  draft = null;
  for (const b of box.querySelectorAll("button[data-tool]")) b.setAttribute("aria-pressed", String(b.dataset.tool === t));
  $("stage").classList.toggle("pencil-drawing", !!t);
  $("pencil-hint").textContent = {
    rect: "Drag a rectangle over the rooms of the works.",
    poly: "Click the corners; double-click, Enter or click the first corner to finish.",
    rooms: "Click rooms to close them (click again to reopen).",
  }[t] || "Draw the works on the plan, then run the impact.";
}

function clear() {
  if (shownLayer) { // the saved scenario the pencil put on the plan goes too
    const cb = $("layer-scenario");
    if (cb?.checked && $("layer-scenario-v")?.value === shownLayer) { cb.checked = false; cb.dispatchEvent(new Event("change", { bubbles: true })); }
    shownLayer = null;
  }
  zones = []; picked = new Set(); draft = null; report = null; saved = null;
  $("pencil-result").replaceChildren();
  $("pencil-msg").textContent = "";
  for (const id of ["pencil-report", "pencil-3d"]) $(id).hidden = true;
  $("pencil-save").disabled = true;
  paint();
}

// -- drawing --------------------------------------------------------------------------------------
const planSvg = () => document.querySelector("#plan > svg");

function toPlan(evt) {
  const svg = planSvg();
  const p = new DOMPoint(evt.clientX, evt.clientY).matrixTransform(svg.getScreenCTM().inverse());
  return [+p.x.toFixed(3), +p.y.toFixed(3)];
}

let dragging = false;
function onPointer(evt) {
  if (!tool || !planSvg() || !evt.target.closest?.("#plan")) return;
  if (evt.type === "pointerdown" && evt.button !== 0) return;
  evt.stopPropagation();
  evt.preventDefault();
  const p = toPlan(evt);
  if (tool === "rect") {
    if (evt.type === "pointerdown") { dragging = true; draft = [p, p]; evt.target.setPointerCapture?.(evt.pointerId); }
    else if (evt.type === "pointermove" && dragging) { draft = [draft[0], p]; paint(); }
    else if (evt.type === "pointerup" && dragging) {
      dragging = false;
      const [[x0, y0], [x1, y1]] = [draft[0], p];
      draft = null;
      if (Math.abs(x1 - x0) > 0.2 && Math.abs(y1 - y0) > 0.2) addZone([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
      else paint();
    }
  } else if (tool === "poly") {
    if (evt.type === "click") {
      draft ||= [];
      const first = draft[0];
      const near = first && draft.length >= 3 && Math.hypot(first[0] - p[0], first[1] - p[1]) < closeRadius();
      if (near) finishPolygon();
      else { draft.push(p); paint(); }
    } else if (evt.type === "dblclick") finishPolygon();
  } else if (tool === "rooms" && evt.type === "click") {
    const room = document.elementsFromPoint(evt.clientX, evt.clientY).find((n) => n.matches?.('#plan [data-kind="space"]'));
    if (!room) return;
    const g = room.dataset.guid;
    if (picked.has(g)) picked.delete(g); else picked.add(g);
    changed();
  }
}

const closeRadius = () => (planSvg()?.viewBox.baseVal.width || 50) / 60;

function finishPolygon() {
  // a double-click also clicked twice: drop repeated corners
  const pts = (draft || []).filter((p, i, a) => !i || Math.hypot(p[0] - a[i - 1][0], p[1] - a[i - 1][1]) > 1e-3);
  draft = null;
  if (pts.length >= 3) addZone(pts); else paint();
}

function addZone(plan) {
  zones.push({ storey: state.storey, plan });
  changed();
}

/** Something in the drawing changed: the last report no longer describes it. */
function changed() {
  report = null; saved = null;
  $("pencil-save").disabled = true;
  for (const id of ["pencil-report", "pencil-3d"]) $(id).hidden = true;
  $("pencil-result").replaceChildren();
  const here = zones.filter((z) => z.storey === state.storey).length;
  $("pencil-drawn").textContent = `${zones.length} zone(s)${here !== zones.length ? ` (${here} on this storey)` : ""}, ${picked.size} room(s) picked.`;
  paint();
}

// -- the document and the report ------------------------------------------------------------------
function inside(pt, poly) {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** Doors drawn on this storey's plan whose centre lies in a zone of this storey. */
function doorsInZones() {
  const svg = planSvg();
  if (!svg || !$("pencil-doors").checked) return [];
  const mine = zones.filter((z) => z.storey === state.storey);
  return [...svg.querySelectorAll('[data-kind="door"][data-guid]')].filter((d) => {
    const b = d.getBBox();
    return mine.some((z) => inside([b.x + b.width / 2, b.y + b.height / 2], z.plan));
  }).map((d) => d.dataset.guid);
}

/** Lifts and stairs whose plan box centre lies in a zone: ticked for the planner to confirm. */
function tickLiftsInZones() {
  for (const e of lifts) {
    if (!e.bbox) continue;
    const c = [(e.bbox[0] + e.bbox[3]) / 2, -(e.bbox[1] + e.bbox[4]) / 2];
    const onStorey = (z) => e.kind === "lift" || e.storey === z.storey;
    if (zones.some((z) => onStorey(z) && inside(c, z.plan))) {
      const cb = box.querySelector(`[data-lift="${CSS.escape(e.guid)}"]`);
      if (cb) cb.checked = true;
    }
  }
}

let doorMemo = new Map(); // storey -> doors found there when its plan was shown
function documentNow() {
  if (state.storey) doorMemo.set(state.storey, doorsInZones());
  tickLiftsInZones();
  const ticked = (attr) => [...box.querySelectorAll(`[${attr}]:checked`)].map((c) => c.getAttribute(attr));
  return {
    name: $("pencil-name").value.trim() || "Works",
    building: state.building,
    closed_spaces: [...picked],
    zones: zones.map((z) => ({ storey: z.storey, polygon: z.plan.map(([x, y]) => [x, -y]) })),
    closed_doors: [...new Set([...doorMemo.values()].flat())],
    out_of_service: ticked("data-lift"),
    shut_off: ticked("data-system"),
  };
}

async function run() {
  const doc = documentNow();
  if (!doc.zones.length && !doc.closed_spaces.length && !doc.out_of_service.length && !doc.shut_off.length) {
    $("pencil-msg").textContent = "Draw a zone or pick rooms first.";
    return;
  }
  $("pencil-msg").textContent = "Computing…";
  report = await post("/scenarios/impact", doc);
  saved = null;
  $("pencil-msg").textContent = "";
  $("pencil-save").disabled = false;
  for (const id of ["pencil-report", "pencil-3d"]) $(id).hidden = true;
  showReport();
  paint();
}

const uniqueRooms = (groups) => {
  const seen = new Map();
  for (const [label, rows] of groups) for (const r of rows) {
    if (!seen.has(r.guid)) seen.set(r.guid, { ...r, why: [] });
    seen.get(r.guid).why.push(label);
  }
  return [...seen.values()];
};

function marks() {
  if (!report) return { closed: [], cut: [], lost: [] };
  return {
    closed: report.closed_spaces,
    cut: uniqueRooms(Object.entries(report.unreachable).map(([p, rows]) => [PROFILES[p] || p, rows])),
    lost: report.services_lost?.spaces || [],
  };
}

function showReport() {
  const m = marks(), s = report.summary;
  const room = (r, extra) => el("li", { "data-guid": r.guid, tabindex: 0, class: r.criticality && r.criticality !== "normal" ? "critical" : "" },
    r.label, " ", el("small", { class: "muted" }, [storeyNames[r.storey] || "", extra].filter(Boolean).join(" · ")));
  const list = (id, title, swatch, rows, extra) => el("section", { class: "pencil-list" },
    el("h3", {}, el("span", { class: `pz-swatch pz-${swatch}`, "aria-hidden": "true" }), `${title} `, el("span", { class: "count", "data-count": id }, String(rows.length))),
    rows.length ? el("ul", { id: `pencil-${id}` }, rows.map((r) => room(r, extra?.(r)))) : el("p", { class: "muted" }, "None."));
  const longer = Object.entries(report.longer || {}).flatMap(([p, rows]) => rows.map((r) => ({ ...r, profile: p })));
  const services = report.services_lost?.known === false ? [el("p", { class: "muted" }, `Services not known: ${report.services_lost.reason}`)] : [];
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  $("pencil-result").replaceChildren(...[
    el("p", { class: "pencil-summary" }, `${n(s.closed_spaces, "room", "rooms")} closed, ${m.cut.length} cut off, ${s.spaces_without_service} without service (${s.critical_spaces_without_service} critical).`),
    list("closed", "Closed", "closed", m.closed),
    list("unreachable", "Cut off", "cut", m.cut, (r) => r.why.join(", ")),
    list("lost", "Without service", "lost", m.lost),
    ...services,
    longer.length ? list("longer", "Longer walk", "longer", longer, (r) => `${PROFILES[r.profile] || r.profile} +${minutes(r.added_s)}`) : null,
  ].filter(Boolean));
  $("pencil-result").onclick = (e) => { const li = e.target.closest("li[data-guid]"); if (li) goTo(li.dataset.guid); };
}

const minutes = (s) => (s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`);

/** Select a room through the URL (main.js follows the hash, switching storey when needed). */
function goTo(guid) {
  const p = new URLSearchParams(location.hash.slice(1));
  p.set("sel", guid);
  location.hash = p.toString();
}

// -- the plan layer -------------------------------------------------------------------------------
function paint() {
  const svg = planSvg();
  if (!svg) return;
  svg.querySelector("#pencil-layer")?.remove();
  for (const cls of ["pz-closed", "pz-cut", "pz-lost", "pz-picked"]) for (const n of svg.querySelectorAll(`.${cls}`)) n.classList.remove(cls);
  if (box?.hidden) return;
  const shape = (g) => svg.querySelector(`[data-kind="space"][data-guid="${CSS.escape(g)}"]`);
  for (const g of picked) shape(g)?.classList.add("pz-picked");
  const m = marks();
  for (const [cls, rows] of [["pz-closed", m.closed], ["pz-cut", m.cut], ["pz-lost", m.lost]]) for (const r of rows) shape(r.guid)?.classList.add(cls);
  const layer = svgEl("g", { id: "pencil-layer", class: "pencil-layer" });
  for (const z of zones.filter((x) => x.storey === state.storey)) {
    layer.appendChild(svgEl("polygon", { class: "pz-zone", points: z.plan.map((p) => p.join(",")).join(" ") }));
  }
  if (draft?.length) {
    const pts = tool === "rect" ? rectOf(draft) : draft;
    layer.appendChild(svgEl(tool === "rect" ? "polygon" : "polyline", { class: "pz-draft", points: pts.map((p) => p.join(",")).join(" ") }));
    if (tool === "poly") for (const p of draft) layer.appendChild(svgEl("circle", { class: "pz-corner", cx: p[0], cy: p[1], r: closeRadius() / 3 }));
  }
  svg.appendChild(layer);
  svg.dataset.pencilZones = String(layer.querySelectorAll(".pz-zone").length);
}

const rectOf = ([[x0, y0], [x1, y1]]) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];

// -- save, report, 3D, compare --------------------------------------------------------------------
async function save() {
  const doc = documentNow();
  const made = await post("/scenarios", doc);
  saved = { id: made.id, name: made.name || doc.name };
  const link = $("pencil-report");
  link.href = `/scenarios/${encodeURIComponent(made.id)}/report.html`;
  link.hidden = false;
  $("pencil-3d").hidden = !has("/buildings/{}/scene-colors");
  $("pencil-msg").textContent = `Saved as “${saved.name}”.`;
  box.dataset.saved = String(made.id);
  if ($("pencil-compare-box").open) await loadSaved();
}

/** The saved scenario as the viewer's scenario layer: drawn by the server on the plan, tinted in
 * the 3D view (main.js does both for the layer). */
let shownLayer = null;
function show3d() {
  if (!saved) return;
  shownLayer = String(saved.id);
  layers.enable("scenario", shownLayer, saved.name);
}

async function loadSaved() {
  const list = await get(`/scenarios${q({ building: state.building })}`);
  const opts = () => list.map((s) => el("option", { value: s.id }, s.name));
  $("pencil-a").replaceChildren(...opts());
  $("pencil-b").replaceChildren(...opts());
  if (list.length >= 2) {
    $("pencil-a").value = String(list[list.length - 2].id);
    $("pencil-b").value = String(list[list.length - 1].id);
  }
  $("pencil-compare").disabled = list.length < 2;
}

async function compare() {
  const a = $("pencil-a").value, b = $("pencil-b").value;
  if (!a || !b || a === b) { $("pencil-comparison").replaceChildren(el("p", { class: "muted" }, "Pick two different scenarios.")); return; }
  const rows = await get(`/scenario-comparison?ids=${encodeURIComponent(a)}&ids=${encodeURIComponent(b)}`);
  const per = (key, p) => (r) => (r[key] && typeof r[key] === "object" ? r[key][p] ?? 0 : 0);
  const metrics = [
    ["Rooms closed", (r) => r.closed_spaces],
    ...Object.keys(rows[0]?.unreachable || {}).map((p) => [`Cut off, ${PROFILES[p] || p}`, per("unreachable", p)]),
    ...Object.keys(rows[0]?.longer || {}).map((p) => [`Longer walk, ${PROFILES[p] || p}`, per("longer", p)]),
    ...Object.keys(rows[0]?.max_added_s || {}).map((p) => [`Most added, ${PROFILES[p] || p}`, (r) => minutes(per("max_added_s", p)(r))]),
    ["Rooms without service", (r) => r.spaces_without_service],
    ["Critical rooms without service", (r) => r.critical_spaces_without_service],
    ["Clashes (hard)", (r) => `${r.clashes} (${r.hard_clashes})`],
  ];
  const ids = [a, b];
  $("pencil-comparison").replaceChildren(el("table", { class: "pencil-table" },
    el("thead", {}, el("tr", {}, el("th", {}, ""), rows.map((r, i) => el("th", { scope: "col" },
      el("a", { href: `/scenarios/${encodeURIComponent(ids[i])}/report.html`, target: "_blank", rel: "noopener" }, r.scenario))))),
    el("tbody", {}, metrics.map(([label, f]) => el("tr", {}, el("th", { scope: "row" }, label), rows.map((r) => el("td", {}, String(f(r)))))))));
}

function fail(err) {
  $("pencil-msg").textContent = err?.status === 401 || err?.status === 403
    ? `Not allowed: ${err.message} (saving scenarios needs a planner's key).` : (err?.message || String(err));
}
