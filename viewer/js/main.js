// Wires the modules together: pickers, view tabs, selection, live updates, URL hash state.
import { get, has, loadCapabilities } from "./api.js";
import { state, set, subscribe, readHash } from "./state.js";
import * as plan from "./plan.js";
import * as panel from "./panel.js";
import * as search from "./search.js";
import * as live from "./live.js";
import * as tickets from "./tickets.js";
import * as layers from "./layers.js";
import * as technicians from "./technicians.js";
import { el } from "./dom.js";
import * as key from "./key.js";
import * as actions from "./actions.js";
import * as inbox from "./inbox.js";
import * as kpis from "./kpis.js";
import * as energy from "./energy.js";
import { applyToCss } from "./palette.js";
import * as campus from "./campus.js";

const $ = (id) => document.getElementById(id);
const errorBox = $("error");
let scene3d = null; // the BuildingScene, made on first use so the plan paints without three.js
let alarms = [];
let storeyList = []; // /buildings/{g}/storeys of the current building

function showError(err) {
  errorBox.textContent = err?.message || String(err);
  errorBox.hidden = false;
  setTimeout(() => { errorBox.hidden = true; }, 8000);
}

async function select(guid, kind) {
  set({ selection: guid });
  plan.mark("selected", guid ? [guid] : []);
  if (!guid) return panel.clear();
  const item = await panel.show(guid, kind || plan.shapeOf(guid)?.dataset.kind);
  if (!item) return;
  if (item.building && item.building !== state.building && [...$("building").options].some((o) => o.value === item.building)) {
    set({ building: item.building, storey: item.storey });
    $("building").value = item.building;
    await loadStoreys();
  }
  const storey = item.storey;
  if (storey && storey !== state.storey) {
    set({ storey });
    $("storey").value = storey;
    await loadPlan();
    arrange();
  }
  if (state.view === "plan") plan.focus(guid);
  else scene3d?.flyTo(guid, item.bbox, item.kind);
  paintStates();
}

/** Go to an alarm's storey and its room (or element): the inbox and a new critical alarm. */
async function goToAlarm(a) {
  const guid = a.space || a.element;
  if (guid) return select(guid, a.space ? "space" : undefined);
  if (a.storey && a.storey !== state.storey && storeyList.some((s) => s.guid === a.storey)) {
    set({ storey: a.storey });
    $("storey").value = a.storey;
    await loadPlan();
    arrange();
  }
}

/** From the campus map into one building's plans. */
async function enterBuilding(guid) {
  set({ building: guid, storey: null, selection: null });
  $("building").value = guid;
  await loadStoreys();
  inbox.refresh();
  await loadPlan();
  await showView("plan");
}

async function loadBuildings() {
  const buildings = await get("/buildings");
  $("building").replaceChildren(...buildings.map((b) => el("option", { value: b.guid }, b.name || b.guid)));
  const want = buildings.find((b) => b.guid === state.building) || buildings[0];
  if (!want) throw new Error("No building is being served");
  $("building").value = want.guid;
  state.building = want.guid;
  await loadStoreys();
}

async function loadStoreys() {
  const storeys = await get(`/buildings/${encodeURIComponent(state.building)}/storeys`);
  storeyList = storeys;
  $("storey").replaceChildren(...storeys.map((s) => el("option", { value: s.guid }, `${s.name} (${s.spaces} rooms)`)));
  inbox.paintStoreys($("storey"), storeys);
  layers.loadScenarios(); // the scenario layer lists this building's stored scenarios
  const want = storeys.find((s) => s.guid === state.storey) || storeys.find((s) => s.spaces > 0) || storeys[0];
  set({ storey: want?.guid || null });
  $("storey").value = state.storey;
}

async function loadPlan() {
  if (!state.storey) return;
  const svg = await plan.load(state.storey, layers.params());
  if (!svg) return;
  layers.updateLegend(svg);
  plan.refit(); // labels give way to the heat-map legend box
  plan.mark("selected", state.selection ? [state.selection] : []); // a new plan keeps the selection
  drawTechnicians();
  paintStates();
  await actions.redraw(); // a drawn trace, isolation or route stays drawn on the new storey
  key.update(svg);
  energy.planChanged();
}

/** Technician markers on the plan and in 3D (layer "technicians"). */
function drawTechnicians() {
  const on = layers.isOn("technicians");
  const n = technicians.drawPlan(document.querySelector("#plan > svg"), state.storey, on);
  $("plan").dataset.technicians = String(n);
  scene3d?.technicians(on ? technicians.all() : []);
  key.update(document.querySelector("#plan > svg"));
}

async function refreshAlarms() {
  if (!has("/alarms")) return;
  try {
    const res = await get("/alarms?state=active");
    alarms = Array.isArray(res) ? res : res.items || [];
  } catch { alarms = []; }
  paintStates();
}

function paintStates() {
  const rooms = alarms.flatMap((a) => [a.space, ...(a.spaces || [])]).filter(Boolean);
  plan.mark("alarm", rooms);
  const tk = tickets.list().flatMap((t) => [t.space, t.element]).filter(Boolean);
  plan.mark("ticket", tk);
  $("stage").dataset.alarms = String(rooms.length);
  key.update(document.querySelector("#plan > svg"));
  if (scene3d) {
    const st = {};
    for (const g of tk) st[g] = "ticket";
    for (const a of alarms) for (const g of [a.element, a.sensor, a.space]) if (g) st[g] = "alarm";
    if (state.selection) st[state.selection] = "selected";
    scene3d.colour(st);
  }
}

async function showView(view) {
  set({ view });
  for (const b of document.querySelectorAll("[role=tab]")) b.setAttribute("aria-selected", String(b.dataset.view === view));
  $("plan").hidden = view !== "plan";
  $("plan-tools").hidden = view !== "plan";
  $("scene").hidden = view !== "3d";
  $("scene-tools").hidden = view !== "3d";
  $("campus").hidden = view !== "campus";
  if (view === "campus") return campus.show().catch(showError);
  if (view !== "3d") return;
  try {
    if (!scene3d) {
      performance.mark("view-3d"); // the first 3D view: three.js is fetched from here
      const { BuildingScene } = await import("./scene3d.js");
      scene3d ||= new BuildingScene($("scene"), { select });
    }
    const loading = scene3d.load(state.building, storeyList, state.storey);
    arrange();
    paintStates();
    sceneLayers();
    await loading;
    drawTechnicians();
    await actions.redraw();
  } catch (err) { showError(err); }
}

/** Scene-layer colours (the scenario's closed spaces and lost elements) in the 3D view. */
async function sceneLayers() {
  if (!scene3d) return;
  const id = layers.sceneScenario();
  if (!id || !has("/buildings/{}/scene-colors")) { scene3d.tint(null); return; }
  try {
    const res = await get(`/buildings/${encodeURIComponent(state.building)}/scene-colors?scenario=${encodeURIComponent(id)}`);
    scene3d.tint(res.colors);
    // lost pipes and fittings are only in the second pass: bring it in when the scenario names them
    await scene3d.loaded();
    const guids = Object.keys(res.colors).filter((k) => k.length === 22); // IFC GlobalIds, not kinds
    if (!$("detail").checked && scene3d.missing(guids) > 0) {
      $("detail").checked = true;
      await scene3d.setDetail(true);
    }
  } catch (err) { scene3d.tint(null); showError(err); }
}

const arrange = () => scene3d?.arrange({ storey: state.storey, isolate: $("isolate").checked, explode: $("explode").checked });

function wire() {
  $("building").addEventListener("change", async (e) => { set({ building: e.target.value, storey: null, selection: null }); await loadStoreys(); inbox.refresh(); await loadPlan(); if (state.view === "3d") showView("3d"); });
  $("storey").addEventListener("change", async (e) => { set({ storey: e.target.value }); await loadPlan(); arrange(); });
  for (const b of document.querySelectorAll("[role=tab]")) b.addEventListener("click", () => showView(b.dataset.view));
  $("explode").addEventListener("change", arrange);
  $("isolate").addEventListener("change", arrange);
  $("rooms").addEventListener("change", (e) => scene3d?.setRooms(e.target.checked));
  $("detail").addEventListener("change", (e) => scene3d?.setDetail(e.target.checked).catch(showError));
  $("xray").addEventListener("change", (e) => scene3d?.setXray(e.target.checked));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !e.target.closest?.("#search")) { select(null); }
  });
  window.addEventListener("hashchange", () => {
    const h = readHash();
    if (h.view !== state.view) showView(h.view);
    if (h.selection && h.selection !== state.selection) select(h.selection);
  });
  window.addEventListener("unhandledrejection", (e) => { e.preventDefault(); showError(e.reason); });
}

async function start() {
  applyToCss(); // plan state colours from the one palette (palette.js)
  wire();
  // ?test=1 only: window.twinDebug, the read-only debug surface (debug.js; never loaded otherwise)
  if (new URLSearchParams(window.location.search).get("test") === "1") (await import("./debug.js")).install(() => scene3d);
  Object.assign(state, readHash());
  await loadCapabilities();
  plan.init({ select });
  search.init({ pick: (g, type) => select(g, type) });
  layers.init({
    changed: () => { loadPlan(); sceneLayers(); }, client: drawTechnicians,
    clear: (what) => actions.clear(what), building: () => state.building,
  });
  tickets.init({ pick: (g) => g && select(g), route: (t) => actions.showRoute(t.route, technicians.all().find((x) => x.id === t.technician)?.name || t.technician || "", t.title || "") });
  actions.init({
    scene: () => scene3d, storeys: () => storeyList, select, error: showError,
    changed: () => key.update(document.querySelector("#plan > svg")),
    named: (what, name) => layers.drawn(what, name),
    ticketsChanged: async () => { await tickets.refresh(); paintStates(); },
    detail: async () => { if (scene3d && !$("detail").checked) { $("detail").checked = true; await scene3d.setDetail(true); } },
  });
  inbox.init({
    building: () => state.building, storeys: () => storeyList,
    go: (a) => goToAlarm(a), changed: () => inbox.paintStoreys($("storey"), storeyList),
  });
  kpis.init($("kpis"));
  energy.init($("energy"), () => state.building);
  const asked = readHash(); // a link names its storey or selection: open there, else on the most urgent alarm
  // a served campus (twin serve --campus): the Campus tab, and the viewer opens on its map
  const served = await get("/health").catch(() => ({}));
  if (served.campus) {
    $("tab-campus").hidden = false;
    campus.init({ host: $("campus"), enter: enterBuilding });
    if (!location.hash) state.view = "campus";
  }
  await loadBuildings();
  if (!asked.storey && !asked.selection) {
    const urgent = (await inbox.refresh(), inbox.mostUrgent());
    if (urgent?.alarm.storey && storeyList.some((s) => s.guid === urgent.alarm.storey)) {
      set({ storey: urgent.alarm.storey, selection: urgent.alarm.space || urgent.alarm.element || null });
      $("storey").value = state.storey;
    }
  }
  await loadPlan();
  if (asked.storey || asked.selection) inbox.refresh(); // after the first paint: the plan comes first
  await Promise.all([refreshAlarms(), tickets.refresh(), technicians.refresh()]);
  paintStates(); // alarms may have painted before the tickets arrived
  drawTechnicians();
  if (state.selection) await select(state.selection);
  if (state.view === "3d" || state.view === "campus") showView(state.view);
  live.init({
    alarm: () => { refreshAlarms(); panel.refreshLive(); inbox.refresh(); kpis.refresh().catch(() => {}); },
    ticket: async () => { await tickets.refresh(); paintStates(); panel.refreshLive(); kpis.refresh().catch(() => {}); },
    reading: () => panel.refreshLive(),
    technician: async () => { await technicians.refresh(); drawTechnicians(); },
  });
  (await import("./pencil.js")).init(); // the planner's pencil (docs/viewer.md)
  document.body.dataset.ready = "1";
}

start().catch(showError);
