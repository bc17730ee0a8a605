// 3D command-centre view. The building streams in storey by storey (scene.glb?storey=..&layout=merged,
// current storey first, then its neighbours), each storey a few merged, quantised primitives whose
// extras map triangle ranges to GlobalIds. State colours (alarm, ticket, selection, scenario) are
// overlay meshes that reuse a primitive's vertices with only the coloured triangles. Frames are
// drawn on demand, so the software renderer does not compete with loading.
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { cheap, material as makeMaterial, nearestFirst, preferInside, softwareGL } from "./scene3d_util.js";

const host = document.getElementById("scene");
const COLOURS = { alarm: 0xd7263d, ticket: 0xf2a541, out_of_service: 0x7a7a7a, selected: 0x1e88e5, closed: 0x8e24aa, lost: 0xff7043 };
const PARALLEL = 2; // storeys fetched at once (a 2-core server; parsing is on the main thread)
// Pipes, ducts, cable trays, their fittings and furniture are most of a hospital's triangles (71 %
// of the small demo hospital's): the first pass leaves them out, a second pass (setDetail) adds them.
const DETAIL = "segment,fitting,furniture";
// While storeys stream in, a software renderer draws at most one frame per this many ms (a frame of
// the large hospital costs seconds of CPU there); a GPU draws every arrival.
const SOFT_LOADING_FRAME_MS = 2000;
let renderer, camera, controls, scene, world = null, onSelect = () => {};
let building = null, loading = null, dirty = true, flight = null, fitted = false, firstShown = false;
let soft = false, busy = false, lastFrame = 0, showRooms = false, showDetail = false;
let detailLoading = null, storeyList = [], firstStorey = null;
let storeyNodes = []; // [{node, guid, index}]
const byGuid = new Map(); // guid -> [{mesh, t0, t1}] (triangle range in a merged primitive) or {node}
let overlays = [];
let states = {}, extra = {};
const timings = []; // per storey {guid, bytes, fetch, parse, render}

export function init({ select }) {
  onSelect = select;
}

/** Timings of the last load (per storey: bytes, fetch, parse and first render in ms). */
export const lastTimings = () => timings.slice();

function ensureRenderer() {
  if (renderer) return;
  soft = softwareGL();
  host.dataset.gl = soft ? "software" : "hardware";
  renderer = new THREE.WebGLRenderer({ antialias: !soft, preserveDrawingBuffer: true });
  renderer.setPixelRatio(soft ? 1 : Math.min(window.devicePixelRatio, 2));
  host.appendChild(renderer.domElement);
  renderer.domElement.setAttribute("aria-label", "3D building view; drag to orbit, click to select");
  renderer.domElement.tabIndex = 0;
  scene = new THREE.Scene();
  scene.background = new THREE.Color(0x1b2330);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x445566, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(50, 100, 30);
  scene.add(sun);
  camera = new THREE.PerspectiveCamera(45, 1, 0.1, 5000);
  controls = new OrbitControls(camera, renderer.domElement);
  controls.enableDamping = true;
  controls.listenToKeyEvents(renderer.domElement);
  controls.addEventListener("start", () => { flight = null; });
  controls.addEventListener("change", () => { dirty = true; });
  renderer.domElement.addEventListener("pointerdown", onDown);
  new ResizeObserver(resize).observe(host);
  renderer.setAnimationLoop(tick);
}

function resize() {
  const w = host.clientWidth, h = host.clientHeight;
  if (!w || !h) return;
  renderer.setSize(w, h);
  camera.aspect = w / h;
  camera.updateProjectionMatrix();
  dirty = true;
}

function tick(t) {
  if (flight) {
    const k = Math.min(1, (t - flight.t0) / 700);
    const e = k * k * (3 - 2 * k);
    camera.position.lerpVectors(flight.p0, flight.p1, e);
    controls.target.lerpVectors(flight.c0, flight.c1, e);
    if (k >= 1) flight = null;
    dirty = true;
  }
  if (controls.update()) dirty = true;
  if (!dirty || host.hidden) return;
  if (busy && soft && t - lastFrame < SOFT_LOADING_FRAME_MS) return;
  draw();
}

function draw() {
  dirty = false;
  renderer.render(scene, camera);
  lastFrame = performance.now();
}

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));

/**
 * Load a building's storeys (list from /buildings/{g}/storeys), `first` and its neighbours first.
 * Resolves when every storey is on screen; marks scene-first (first storey drawn) and scene-load.
 */
export function load(guid, storeys, first) {
  ensureRenderer();
  resize();
  if (building === guid && loading) return loading;
  building = guid;
  storeyList = storeys;
  firstStorey = first;
  detailLoading = null;
  loading = loadAll(guid, storeys, first).then(() => (showDetail ? setDetail(true) : undefined));
  const mine = loading;
  // a failed load (server down, a storey's 5xx) is retried the next time the 3D view opens
  loading.catch(() => { if (loading === mine) { loading = null; building = null; } });
  return loading;
}

/** Run `job` over `items` with PARALLEL in flight; the flag `busy` throttles frames meanwhile. */
async function pool(items, job) {
  const queue = [...items];
  busy = true;
  const worker = async () => { for (let x = queue.shift(); x; x = queue.shift()) await job(x); };
  try { await Promise.all(Array.from({ length: PARALLEL }, worker)); } finally { busy = false; }
}

// Timings run from the first click on the 3D tab ("view-3d", so loading three.js counts) when the
// page made that mark, else from the start of this load.
let reloaded = false; // a second building loaded in the same page: time from its own start
const since = () => (performance.getEntriesByName("view-3d").length && !reloaded ? "view-3d" : "scene-start");

async function loadAll(guid, storeys, first) {
  if (performance.getEntriesByName("scene-start").length) reloaded = true;
  performance.clearMarks("scene-start");
  performance.mark("scene-start");
  host.dataset.ready = "";
  host.dataset.first = "";
  if (world) scene.remove(world);
  world = new THREE.Group();
  scene.add(world);
  byGuid.clear();
  overlays = [];
  storeyNodes = [];
  timings.length = 0;
  fitted = false;
  firstShown = false;
  await pool(nearestFirst(storeys, first), (s) => (building === guid ? loadStorey(guid, s, storeys) : null));
  if (building !== guid) return;
  draw();
  await nextFrame();
  performance.mark("scene-painted");
  performance.measure("scene-load", since(), "scene-painted");
  host.dataset.ready = "1";
}

async function fetchStorey(guid, s, part) {
  const url = `/buildings/${encodeURIComponent(guid)}/scene.glb?storey=${encodeURIComponent(s.guid)}&layout=merged&${part}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`3D storey ${s.name}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

async function loadStorey(guid, s, storeys) {
  const t0 = performance.now();
  const buf = await fetchStorey(guid, s, `exclude=${DETAIL}`);
  const t1 = performance.now();
  const gltf = await new GLTFLoader().parseAsync(buf, "");
  if (building !== guid) return;
  const node = gltf.scene;
  node.userData = { kind: "storey", guid: s.guid };
  node.traverse((o) => { index(o); if (soft && o.isMesh) o.material = cheap(o.material); });
  rooms(node);
  storeyNodes.push({ node, guid: s.guid, index: s.i });
  world.add(node);
  const t2 = performance.now();
  arrange(lastArrange);
  if (!fitted) { fitted = true; fitBuilding(node, storeys); }
  repaint();
  if (!firstShown || !soft) draw(); // uploads this storey's buffers now, timed apart from parsing
  const t3 = performance.now();
  timings.push({ guid: s.guid, bytes: buf.byteLength, fetch: t1 - t0, parse: t2 - t1, render: t3 - t2 });
  if (!firstShown) {
    firstShown = true;
    nextFrame().then(() => {
      performance.mark("scene-first-painted");
      performance.measure("scene-first", since(), "scene-first-painted");
      host.dataset.first = "1";
    });
  }
}

function index(o) {
  if (!o.isMesh) return;
  const ud = o.geometry.userData;
  if (ud?.guids) {
    ud.guids.forEach((g, k) => {
      const t1 = k + 1 < ud.tri.length ? ud.tri[k + 1] : o.geometry.index.count / 3;
      if (!byGuid.has(g)) byGuid.set(g, []);
      byGuid.get(g).push({ mesh: o, t0: ud.tri[k], t1 });
    });
  } else {
    for (let p = o; p; p = p.parent) {
      if (p.userData?.guid && p.userData.kind !== "storey") { byGuid.set(p.userData.guid, [{ node: p }]); break; }
    }
  }
}

function fitBuilding(node, storeys) {
  // The first storey gives the footprint; the storey list gives the height, so the camera does not
  // jump when the other storeys arrive.
  const box = new THREE.Box3().setFromObject(node);
  const tops = storeys.map((s) => (s.elevation ?? 0) + (s.height ?? 3));
  const lows = storeys.map((s) => s.elevation ?? 0);
  if (tops.length) { box.min.y = Math.min(box.min.y, ...lows); box.max.y = Math.max(box.max.y, ...tops); }
  flyToBox(box, 0);
}

/**
 * Pipes, ducts and fittings (and furniture) on or off; the first time on, they stream in per
 * storey (current storey first) and the mark scene-detail times it.
 */
export function setDetail(on) {
  showDetail = !!on;
  for (const s of storeyNodes) if (s.detail) s.detail.visible = showDetail;
  dirty = true;
  if (!showDetail || !loading) return Promise.resolve();
  detailLoading ||= loading.then(() => loadDetail(building));
  return detailLoading;
}

async function loadDetail(guid) {
  host.dataset.detail = "";
  performance.clearMarks("detail-start");
  performance.mark("detail-start");
  const order = nearestFirst(storeyList, firstStorey);
  await pool(order, async (s) => {
    const entry = storeyNodes.find((x) => x.guid === s.guid);
    if (building !== guid || !entry || entry.detail) return;
    const gltf = await new GLTFLoader().parseAsync(await fetchStorey(guid, s, `kinds=${DETAIL}`), "");
    if (building !== guid) return;
    const node = gltf.scene;
    node.userData = { kind: "detail", storey: s.guid };
    node.traverse((o) => { index(o); if (soft && o.isMesh) o.material = cheap(o.material); });
    node.visible = showDetail;
    entry.detail = node;
    entry.node.add(node);
    dirty = true;
  });
  if (building !== guid) return;
  repaint();
  draw();
  await nextFrame();
  performance.mark("detail-painted");
  performance.measure("scene-detail", "detail-start", "detail-painted");
  host.dataset.detail = "1";
}

/** Room volumes drawn (translucent) or not; hidden ones stay clickable and take state colours. */
export function setRooms(on) {
  showRooms = !!on;
  for (const s of storeyNodes) rooms(s.node);
  dirty = true;
}

function rooms(node) {
  node.traverse((o) => {
    if (o.isMesh && o.userData.kind === "space") { o.material.visible = showRooms; o.material.side = THREE.FrontSide; }
  });
}

export const storeys = () => storeyNodes.map((s) => s.guid);
/** How storeys are shown now: [{guid, visible, y}] (y: the explode offset). */
export const arrangement = () => storeyNodes.map((s) => ({ guid: s.guid, visible: s.node.visible, y: s.node.position.y }));
/** Where the camera looks, in model metres (Z up), once any flight has landed. */
export const lookingAt = () => (flight ? null : [controls.target.x, -controls.target.z, controls.target.y]);

let lastArrange = {};
/** Show only one storey (isolate) and/or spread storeys apart vertically (explode). */
export function arrange(opts = lastArrange) {
  lastArrange = opts;
  const { storey, isolate, explode } = opts;
  for (const s of storeyNodes) {
    s.node.visible = !isolate || !storey || s.guid === storey;
    s.node.position.y = explode ? s.index * 6 : 0;
  }
  if (techGroup) technicians(techList);
  dirty = true;
}

/** Colour elements by state: {guid: "alarm"|"ticket"|"out_of_service"|"selected"}. */
export function colour(next) {
  states = next || {};
  repaint();
}

/** Extra colours from a scene layer (e.g. a scenario): {guid: [r, g, b, a]}; null clears. */
export function tint(colours) {
  extra = colours || {};
  repaint();
}

function repaint() {
  for (const o of overlays) { o.parent?.remove(o); o.geometry.dispose(); o.material.dispose(); }
  overlays = [];
  const want = new Map(); // colour key -> {colour, opacity, guids}
  const add = (key, colour, opacity, g) => {
    if (!want.has(key)) want.set(key, { colour, opacity, guids: [] });
    want.get(key).guids.push(g);
  };
  for (const [g, rgba] of Object.entries(extra)) {
    if (!Array.isArray(rgba)) continue;
    const c = new THREE.Color(rgba[0], rgba[1], rgba[2]);
    add(`x${c.getHex()}-${rgba[3] ?? 1}`, c, rgba[3] ?? 1, g);
  }
  for (const [g, st] of Object.entries(states)) if (COLOURS[st]) add(st, new THREE.Color(COLOURS[st]), 1, g);
  for (const { colour, opacity, guids } of want.values()) paintGuids(guids, colour, opacity);
  dirty = true;
}

function paintGuids(guids, colour, opacity) {
  const perMesh = new Map();
  for (const g of guids) {
    for (const r of byGuid.get(g) || []) {
      if (r.node) { r.node.traverse((o) => o.isMesh && overlay(o, null, colour, opacity)); continue; }
      if (!perMesh.has(r.mesh)) perMesh.set(r.mesh, []);
      perMesh.get(r.mesh).push(r);
    }
  }
  for (const [mesh, ranges] of perMesh) overlay(mesh, ranges, colour, opacity);
}

function overlay(mesh, ranges, colour, opacity) {
  const src = mesh.geometry;
  const geo = new THREE.BufferGeometry();
  geo.setAttribute("position", src.getAttribute("position"));
  if (src.index) {
    const all = src.index.array;
    const picked = ranges ? ranges.flatMap((r) => Array.from(all.subarray(r.t0 * 3, r.t1 * 3))) : Array.from(all);
    geo.setIndex(picked);
  }
  const spaceLike = mesh.material.transparent;
  const mat = makeMaterial(soft, {
    color: colour, flatShading: true,
    transparent: spaceLike || opacity < 1, opacity: spaceLike ? Math.max(0.55, opacity * 0.6) : opacity,
    polygonOffset: true, polygonOffsetFactor: -1, polygonOffsetUnits: -4, side: THREE.DoubleSide,
  });
  const o = new THREE.Mesh(geo, mat);
  o.raycast = () => {};
  o.renderOrder = 1;
  mesh.add(o);
  overlays.push(o);
}

let techGroup = null, techList = [];
/** Technician markers: a sphere at the reported point, else above the reported room's floor
 * (moved with its storey when storeys are exploded). */
export function technicians(list) {
  techList = list || [];
  if (!scene) return;
  if (techGroup) { scene.remove(techGroup); techGroup.traverse((o) => o.geometry?.dispose()); }
  techGroup = new THREE.Group();
  techGroup.name = "technicians";
  const mat = makeMaterial(soft, { color: 0x00e5ff, emissive: 0x006064, depthTest: false });
  for (const t of list || []) {
    let p = null;
    if (t.position) p = new THREE.Vector3(t.position[0], t.position[2] + 1, -t.position[1]);
    else if (t.space) {
      const box = boxOf(t.space);
      if (box && !box.isEmpty()) { p = box.getCenter(new THREE.Vector3()); p.y = box.min.y + 1; }
    }
    if (!p) continue;
    if (t.position) p.y += storeyNodes.find((x) => x.guid === t.storey)?.node.position.y || 0;
    const m = new THREE.Mesh(new THREE.SphereGeometry(0.6, 12, 8), mat);
    m.position.copy(p);
    m.renderOrder = 2;
    m.userData = { technician: t.id };
    m.raycast = () => {};
    techGroup.add(m);
  }
  scene.add(techGroup);
  dirty = true;
}

/** World-space box of a product: its node, or its triangles in a merged primitive. */
function boxOf(guid) {
  const refs = byGuid.get(guid);
  if (!refs) return null;
  const box = new THREE.Box3(), v = new THREE.Vector3();
  for (const r of refs) {
    if (r.node) { box.expandByObject(r.node); continue; }
    const pos = r.mesh.geometry.getAttribute("position"), idx = r.mesh.geometry.index.array;
    r.mesh.updateWorldMatrix(true, false);
    for (let i = r.t0 * 3; i < r.t1 * 3; i++) box.expandByPoint(v.fromBufferAttribute(pos, idx[i]).applyMatrix4(r.mesh.matrixWorld));
  }
  return box;
}

/** Fly the camera to an element (by guid) or an API bbox [x0,y0,z0,x1,y1,z1] in model Z-up metres. */
export function flyTo(guid, bbox) {
  let box = boxOf(guid);
  if ((!box || box.isEmpty()) && bbox) box = new THREE.Box3(new THREE.Vector3(bbox[0], bbox[2], -bbox[4]), new THREE.Vector3(bbox[3], bbox[5], -bbox[1]));
  if (box && !box.isEmpty()) flyToBox(box, 700);
}

function flyToBox(box, ms) {
  const c = box.getCenter(new THREE.Vector3());
  const r = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 2);
  const p1 = c.clone().add(new THREE.Vector3(r * 1.2, r * 1.1, r * 1.6));
  camera.near = r / 100; camera.far = r * 50; camera.updateProjectionMatrix();
  dirty = true;
  if (!ms) { camera.position.copy(p1); controls.target.copy(c); return; }
  flight = { t0: performance.now(), p0: camera.position.clone(), p1, c0: controls.target.clone(), c1: c };
}

function onDown(evt) {
  const sx = evt.clientX, sy = evt.clientY;
  renderer.domElement.addEventListener("pointerup", (e) => {
    if (Math.hypot(e.clientX - sx, e.clientY - sy) < 4) pick(e);
  }, { once: true });
}

/** The GlobalId under a canvas point (client pixels), or null. */
export function pickAt(x, y) {
  if (!world) return null;
  const r = renderer.domElement.getBoundingClientRect();
  const ndc = new THREE.Vector2(((x - r.left) / r.width) * 2 - 1, -((y - r.top) / r.height) * 2 + 1);
  const ray = new THREE.Raycaster();
  ray.setFromCamera(ndc, camera);
  const visible = (o) => { for (; o; o = o.parent) if (!o.visible) return false; return true; };
  const hits = ray.intersectObject(world, true).filter((h) => visible(h.object));
  return preferInside(hits);
}

function pick(evt) {
  const hit = pickAt(evt.clientX, evt.clientY);
  if (hit) onSelect(hit.guid, hit.kind);
}

/** Milliseconds to draw one frame and wait for the GL to finish it (bench and diagnostics). */
export function frameCost() {
  if (!renderer) return null;
  const gl = renderer.getContext(), px = new Uint8Array(4);
  const t0 = performance.now();
  renderer.render(scene, camera);
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
  return performance.now() - t0;
}

/** GlobalIds currently tinted by a scene layer that the loaded scene holds (tests, diagnostics). */
export const tinted = () => Object.keys(extra).filter((g) => byGuid.has(g));

/** How many products of a kind the loaded scene holds (tests, diagnostics). */
export function held(kind) {
  const seen = new Set();
  world?.traverse((o) => { if (o.isMesh && o.userData.kind === kind) for (const g of o.geometry.userData.guids || []) seen.add(g); });
  return seen.size;
}

/** Resolves when the current building's first pass is on screen. */
export const loaded = () => loading || Promise.resolve();

/** How many of these GlobalIds the loaded scene does not hold (e.g. pipes before their pass). */
export const missing = (guids) => guids.filter((g) => !byGuid.has(g)).length;
