// 3D command-centre view. The building streams in storey by storey (scene.glb?storey=..&layout=merged,
// current storey first, then its neighbours), each storey a few merged, quantised primitives whose
// extras map triangle ranges to GlobalIds. State colours (alarm, ticket, selection, scenario) are
// overlay meshes that reuse a primitive's vertices with only the coloured triangles. Frames are
// drawn on demand, so the software renderer does not compete with loading.
//
// One `BuildingScene` per page holds all of the view's state (no module variables); loading another
// building disposes the old one's geometries, materials, textures and render lists. Model <-> view
// axes go through scene3d_util.js (toView / toModel / boxToView) only. Diagnostics for tests and
// benches live in debug.js, not here.
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { CSS2DObject, CSS2DRenderer } from "three/addons/renderers/CSS2DRenderer.js";
import { mergeGeometries } from "three/addons/utils/BufferGeometryUtils.js";
import {
  boxToView, cheap, dedupe, disposeTree, material as makeMaterial, nearestFirst, polylineLength, preferInside,
  roomCamera, softwareGL, toView,
} from "./scene3d_util.js";
import { hex } from "./palette.js";
import { get } from "./api.js";
import { el } from "./dom.js";

// state colours from the one palette (palette.js); closed/lost are scenario states (the server's
// scene-colors normally paints those)
const COLOURS = { ...Object.fromEntries(["alarm", "ticket", "out_of_service", "selected"].map((s) => [s, hex(s)])), closed: 0x8e24aa, lost: 0xff7043 };
const PARALLEL = 2; // storeys fetched at once (a 2-core server; parsing is on the main thread)
// Pipes, ducts, cable trays, their fittings and furniture are most of a hospital's triangles (71 %
// of the small demo hospital's): the first pass leaves them out, a second pass (setDetail) adds them.
const DETAIL = "segment,fitting,furniture";
// While storeys stream in, a software renderer draws at most one frame per this many ms (a frame of
// the large hospital costs seconds of CPU there); a GPU draws every arrival.
const SOFT_LOADING_FRAME_MS = 2000;
// X-ray of the selected storey: these kinds turn translucent there, and every storey above it is a
// faint ghost, so what happens on the selected storey is seen from above (issue 13: "the default
// 3D view hides it inside the grey box"). Ghosts and x-rayed walls let clicks through.
const XRAY_KINDS = new Set(["wall", "window", "door", "covering", "column", "railing", "roof", "curtain_wall", "beam"]);
const XRAY_OPACITY = 0.22, GHOST_OPACITY = 0.07;

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));

export class BuildingScene {
  /** `host`: the element the canvas goes in (its data-ready/first/detail/gl attributes report
   * progress); `select(guid, kind)`: called when the user clicks a product. */
  constructor(host, { select }) {
    this.host = host;
    this.onSelect = select;
    this.soft = softwareGL();
    host.dataset.gl = this.soft ? "software" : "hardware";
    // the building being shown
    this.building = null;
    this.loading = null; // promise of the first pass
    this.detailLoading = null; // promise of the second pass
    this.storeyList = [];
    this.firstStorey = null;
    this.world = null; // THREE.Group of storey nodes
    this.storeyNodes = []; // [{node, guid, index, detail?}]
    this.byGuid = new Map(); // guid -> [{mesh, t0, t1}] (triangle range in a merged primitive) or [{node}]
    this.timings = []; // per storey {guid, bytes, fetch, parse, render}
    this.reloaded = false; // a second building in the same page: timings from its own start
    // what is shown
    this.showRooms = false;
    this.showDetail = false;
    this.layout = {}; // {storey, isolate, explode}
    this.states = {};
    this.extra = {};
    this.overlays = [];
    this.techGroup = null;
    this.techList = [];
    this.xray = true; // the selected storey x-rayed, the storeys above it ghosts
    this.paths = new Map(); // name -> {object, length, points}: route and trace tubes, valve markers
    this.roomLabels = { storey: null, objects: [] }; // CSS2D labels of the selected storey's rooms
    this.spacesOf = new Map(); // storey guid -> promise of /storeys/{g}/spaces
    // drawing
    this.dirty = true;
    this.flight = null;
    this.busy = false;
    this.lastFrame = 0;
    this.fitted = false;
    this.firstShown = false;
    this.initRenderer();
  }

  initRenderer() {
    const soft = this.soft;
    const renderer = new THREE.WebGLRenderer({ antialias: !soft, preserveDrawingBuffer: true });
    this.renderer = renderer;
    renderer.setPixelRatio(soft ? 1 : Math.min(window.devicePixelRatio, 2));
    this.host.appendChild(renderer.domElement);
    renderer.domElement.setAttribute("aria-label", "3D building view; drag to orbit, click to select");
    renderer.domElement.tabIndex = 0;
    const scene = new THREE.Scene();
    this.scene = scene;
    scene.background = new THREE.Color(0x1b2330);
    scene.add(new THREE.HemisphereLight(0xffffff, 0x445566, 2.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.5);
    sun.position.copy(toView([50, -30, 100]));
    scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(45, 1, 0.1, 5000);
    const controls = new OrbitControls(this.camera, renderer.domElement);
    this.controls = controls;
    controls.enableDamping = true;
    controls.listenToKeyEvents(renderer.domElement);
    controls.addEventListener("start", () => { this.flight = null; });
    controls.addEventListener("change", () => { this.dirty = true; });
    renderer.domElement.addEventListener("pointerdown", (e) => this.onDown(e));
    // room and storey labels: HTML over the canvas (text set as text, dom.js), never picked
    this.labelRenderer = new CSS2DRenderer();
    this.labelRenderer.domElement.className = "scene-labels";
    this.host.appendChild(this.labelRenderer.domElement);
    new ResizeObserver(() => this.resize()).observe(this.host);
    renderer.setAnimationLoop((t) => this.tick(t));
  }

  resize() {
    const w = this.host.clientWidth, h = this.host.clientHeight;
    if (!w || !h) return;
    this.renderer.setSize(w, h);
    this.labelRenderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }

  tick(t) {
    const { flight, camera, controls } = this;
    if (flight) {
      const k = Math.min(1, (t - flight.t0) / 700);
      const e = k * k * (3 - 2 * k);
      camera.position.lerpVectors(flight.p0, flight.p1, e);
      controls.target.lerpVectors(flight.c0, flight.c1, e);
      if (k >= 1) this.flight = null;
      this.dirty = true;
    }
    if (controls.update()) this.dirty = true;
    if (!this.dirty || this.host.hidden) return;
    if (this.busy && this.soft && t - this.lastFrame < SOFT_LOADING_FRAME_MS) return;
    this.draw();
  }

  draw() {
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
    this.labelRenderer.render(this.scene, this.camera);
    this.lastFrame = performance.now();
  }

  /**
   * Load a building's storeys (list from /buildings/{g}/storeys), `first` and its neighbours first.
   * Resolves when every storey is on screen; marks scene-first (first storey drawn) and scene-load.
   */
  load(guid, storeys, first) {
    this.resize();
    if (this.building === guid && this.loading) return this.loading;
    this.building = guid;
    this.storeyList = storeys;
    this.firstStorey = first;
    this.detailLoading = null;
    const mine = this.loadAll(guid, storeys, first).then(() => (this.showDetail ? this.setDetail(true) : undefined));
    this.loading = mine;
    // a failed load (server down, a storey's 5xx) is retried the next time the 3D view opens
    mine.catch(() => { if (this.loading === mine) { this.loading = null; this.building = null; } });
    return mine;
  }

  /** Run `job` over `items` with PARALLEL in flight; the flag `busy` throttles frames meanwhile. */
  async pool(items, job) {
    const queue = [...items];
    this.busy = true;
    const worker = async () => { for (let x = queue.shift(); x; x = queue.shift()) await job(x); };
    try { await Promise.all(Array.from({ length: PARALLEL }, worker)); } finally { this.busy = false; }
  }

  // Timings run from the first click on the 3D tab ("view-3d", so loading three.js counts) when the
  // page made that mark, else from the start of this load.
  since() {
    return performance.getEntriesByName("view-3d").length && !this.reloaded ? "view-3d" : "scene-start";
  }

  /** Drop the shown building: its nodes, overlays and markers leave the scene and free their
   * GPU buffers, materials and textures; the renderer forgets its cached render lists. */
  clear() {
    for (const o of this.overlays) o.parent?.remove(o);
    this.overlays = [];
    if (this.world) { this.scene.remove(this.world); disposeTree(this.world); }
    if (this.techGroup) { this.scene.remove(this.techGroup); disposeTree(this.techGroup); this.techGroup = null; }
    for (const name of [...this.paths.keys()]) this.clearPath(name);
    this.world = null;
    this.byGuid.clear();
    this.storeyNodes = [];
    this.roomLabels = { storey: null, objects: [] };
    this.spacesOf.clear();
    this.labelRenderer.domElement.replaceChildren(); // CSS2D elements of the old storeys
    this.renderer.renderLists.dispose();
    this.dirty = true;
  }

  async loadAll(guid, storeys, first) {
    if (performance.getEntriesByName("scene-start").length) this.reloaded = true;
    performance.clearMarks("scene-start");
    performance.mark("scene-start");
    const host = this.host;
    host.dataset.ready = "";
    host.dataset.first = "";
    this.clear();
    this.world = new THREE.Group();
    this.scene.add(this.world);
    this.timings.length = 0;
    this.fitted = false;
    this.firstShown = false;
    await this.pool(nearestFirst(storeys, first), (s) => (this.building === guid ? this.loadStorey(guid, s, storeys) : null));
    if (this.building !== guid) return;
    this.draw();
    await nextFrame();
    performance.mark("scene-painted");
    performance.measure("scene-load", this.since(), "scene-painted");
    host.dataset.ready = "1";
  }

  async fetchStorey(guid, s, part) {
    const url = `/buildings/${encodeURIComponent(guid)}/scene.glb?storey=${encodeURIComponent(s.guid)}&layout=merged&${part}`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`3D storey ${s.name}: HTTP ${res.status}`);
    return res.arrayBuffer();
  }

  /** Index a parsed storey (or its detail) and give it the cheap materials on a software GL. */
  adopt(node) {
    node.traverse((o) => { this.index(o); if (this.soft && o.isMesh) o.material = cheap(o.material); });
  }

  async loadStorey(guid, s, storeys) {
    const t0 = performance.now();
    const buf = await this.fetchStorey(guid, s, `exclude=${DETAIL}`);
    const t1 = performance.now();
    const gltf = await new GLTFLoader().parseAsync(buf, "");
    if (this.building !== guid) { disposeTree(gltf.scene); return; }
    const node = gltf.scene;
    node.userData = { kind: "storey", guid: s.guid };
    this.adopt(node);
    this.rooms(node);
    this.storeyNodes.push({ node, guid: s.guid, index: s.i });
    this.world.add(node);
    this.storeyLabel(node, s);
    const t2 = performance.now();
    this.arrange(this.layout);
    if (s.guid === this.layout.storey) this.labelRooms(s.guid);
    if (!this.fitted) { this.fitted = true; this.fitBuilding(node, storeys); }
    this.repaint();
    if (!this.firstShown || !this.soft) this.draw(); // uploads this storey's buffers now, timed apart from parsing
    const t3 = performance.now();
    this.timings.push({ guid: s.guid, bytes: buf.byteLength, fetch: t1 - t0, parse: t2 - t1, render: t3 - t2 });
    if (!this.firstShown) {
      this.firstShown = true;
      nextFrame().then(() => {
        performance.mark("scene-first-painted");
        performance.measure("scene-first", this.since(), "scene-first-painted");
        this.host.dataset.first = "1";
      });
    }
  }

  index(o) {
    if (!o.isMesh) return;
    const ud = o.geometry.userData, byGuid = this.byGuid;
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

  fitBuilding(node, storeys) {
    // The first storey gives the footprint; the storey list gives the height (model Z), so the
    // camera does not jump when the other storeys arrive.
    const box = new THREE.Box3().setFromObject(node);
    const up = (z) => toView([0, 0, z]).y; // model height -> view vertical
    for (const s of storeys) {
      box.min.y = Math.min(box.min.y, up(s.elevation ?? 0));
      box.max.y = Math.max(box.max.y, up((s.elevation ?? 0) + (s.height ?? 3)));
    }
    this.flyToBox(box, 0);
  }

  /**
   * Pipes, ducts and fittings (and furniture) on or off; the first time on, they stream in per
   * storey (current storey first) and the mark scene-detail times it.
   */
  setDetail(on) {
    this.showDetail = !!on;
    for (const s of this.storeyNodes) if (s.detail) s.detail.visible = this.showDetail;
    this.dirty = true;
    if (!this.showDetail || !this.loading) return Promise.resolve();
    const guid = this.building;
    this.detailLoading ||= this.loading.then(() => this.loadDetail(guid));
    return this.detailLoading;
  }

  async loadDetail(guid) {
    this.host.dataset.detail = "";
    performance.clearMarks("detail-start");
    performance.mark("detail-start");
    await this.pool(nearestFirst(this.storeyList, this.firstStorey), async (s) => {
      const entry = this.storeyNodes.find((x) => x.guid === s.guid);
      if (this.building !== guid || !entry || entry.detail) return;
      const gltf = await new GLTFLoader().parseAsync(await this.fetchStorey(guid, s, `kinds=${DETAIL}`), "");
      if (this.building !== guid) { disposeTree(gltf.scene); return; }
      const node = gltf.scene;
      node.userData = { kind: "detail", storey: s.guid };
      this.adopt(node);
      node.visible = this.showDetail;
      entry.detail = node;
      entry.node.add(node);
      this.dirty = true;
    });
    if (this.building !== guid) return;
    for (const s of this.storeyNodes) s.node.userData.seeThrough = undefined; // x-ray the new pipes too
    this.arrange(this.layout);
    this.repaint();
    this.draw();
    await nextFrame();
    performance.mark("detail-painted");
    performance.measure("scene-detail", "detail-start", "detail-painted");
    this.host.dataset.detail = "1";
  }

  /** Room volumes drawn (translucent) or not; hidden ones stay clickable and take state colours. */
  setRooms(on) {
    this.showRooms = !!on;
    for (const s of this.storeyNodes) this.rooms(s.node);
    this.dirty = true;
  }

  rooms(node) {
    node.traverse((o) => {
      if (o.isMesh && o.userData.kind === "space") { o.material.visible = this.showRooms; o.material.side = THREE.FrontSide; }
    });
  }

  /** Show only one storey (isolate) and/or spread storeys apart vertically (explode); with x-ray
   * on, the selected storey's walls turn translucent and the storeys above it become ghosts. */
  arrange(opts = this.layout) {
    const before = this.layout.storey;
    this.layout = opts;
    const { storey, isolate, explode } = opts;
    const sel = this.storeyNodes.find((s) => s.guid === storey);
    for (const s of this.storeyNodes) {
      s.node.visible = !isolate || !storey || s.guid === storey;
      s.node.position.copy(toView([0, 0, explode ? s.index * 6 : 0]));
      const mode = !this.xray || !sel ? null : s.index > sel.index ? "ghost" : s === sel ? "xray" : null;
      this.seeThrough(s.node, mode);
    }
    if (storey !== before || !this.roomLabels.objects.length) this.labelRooms(storey);
    if (this.techGroup) this.technicians(this.techList);
    this.dirty = true;
  }

  /** X-ray on or off (the "X-ray" box). */
  setXray(on) {
    this.xray = !!on;
    this.arrange(this.layout);
  }

  /** A storey as it is ("null"), x-rayed ("xray": XRAY_KINDS translucent) or a ghost (every mesh
   * faint). The solid material is kept and put back; the see-through one is made once per mesh. */
  seeThrough(node, mode) {
    if (node.userData.seeThrough === mode) return;
    node.userData.seeThrough = mode;
    node.traverse((o) => {
      if (!o.isMesh || o.userData.overlay || o.userData.kind === "space" || o.userData.marker) return;
      const ud = o.userData;
      const through = mode === "ghost" || (mode === "xray" && XRAY_KINDS.has(ud.kind));
      ud.solid ||= o.material;
      if (!through) { o.material = ud.solid; ud.through = false; return; }
      ud.glass ||= Object.assign(ud.solid.clone(), { transparent: true, depthWrite: false });
      ud.glass.opacity = mode === "ghost" ? GHOST_OPACITY : XRAY_OPACITY;
      o.material = ud.glass;
      ud.through = true;
    });
  }

  /** A storey's name beside the building, at its floor, in the storey's node (moves with explode,
   * hidden with it). */
  storeyLabel(node, s) {
    const box = new THREE.Box3().setFromObject(node);
    if (box.isEmpty()) return;
    const tag = new CSS2DObject(el("div", { class: "label3d storey-label", "data-storey": s.guid }, s.name || ""));
    tag.position.set(box.min.x - 1, toView([0, 0, (s.elevation ?? 0) + 1]).y, box.max.z + 1);
    tag.center.set(1, 0.5);
    node.add(tag);
  }

  /** Room labels of one storey only (the selected one), so the view does not clutter. */
  async labelRooms(storey) {
    for (const o of this.roomLabels.objects) { o.parent?.remove(o); o.element.remove(); }
    this.roomLabels = { storey, objects: [] };
    const entry = this.storeyNodes.find((s) => s.guid === storey);
    if (!storey || !entry) { this.dirty = true; return; }
    if (!this.spacesOf.has(storey)) this.spacesOf.set(storey, get(`/storeys/${encodeURIComponent(storey)}/spaces`).catch(() => []));
    const spaces = await this.spacesOf.get(storey);
    if (this.roomLabels.storey !== storey || this.roomLabels.objects.length) return;
    for (const sp of spaces) {
      if (!sp.bbox) continue;
      const b = sp.bbox;
      const tag = new CSS2DObject(el("div", { class: "label3d room-label", "data-guid": sp.guid },
        el("b", {}, sp.number || ""), sp.long_name ? el("span", {}, ` ${sp.long_name}`) : null));
      tag.position.copy(toView([(b[0] + b[3]) / 2, (b[1] + b[4]) / 2, b[2] + 0.4]));
      entry.node.add(tag);
      this.roomLabels.objects.push(tag);
    }
    this.host.dataset.labels = String(this.roomLabels.objects.length);
    this.dirty = true;
  }

  /** A polyline (model metres, Z up) drawn as a tube above everything (a route, a trace leg):
   * `name` replaces the earlier one of that name. Returns the polyline's length in metres. */
  path(name, points, colour, radius = 0.18) {
    this.clearPath(name);
    const pts = dedupe(points || []).map(toView);
    if (pts.length < 2) return 0;
    const curve = new THREE.CurvePath();
    for (let i = 1; i < pts.length; i++) curve.add(new THREE.LineCurve3(pts[i - 1], pts[i]));
    const geo = new THREE.TubeGeometry(curve, Math.min(4000, pts.length * 12), radius, 8, false);
    this.addPath(name, geo, colour, { length: polylineLength(points), points: points.length });
    return this.paths.get(name).length;
  }

  /** Segments between products (a trace's edges), each from centre to centre, as one tube mesh. */
  links(name, pairs, colour, radius = 0.1) {
    this.clearPath(name);
    const centre = (g) => { const b = this.boxOf(g); return b && !b.isEmpty() ? b.getCenter(new THREE.Vector3()) : null; };
    const geos = [];
    for (const [a, b] of pairs) {
      const p = centre(a), q = centre(b);
      if (p && q && p.distanceTo(q) > 1e-3) geos.push(new THREE.TubeGeometry(new THREE.LineCurve3(p, q), 1, radius, 6, false));
    }
    if (!geos.length) return 0;
    const geo = mergeGeometries(geos);
    for (const g of geos) g.dispose();
    this.addPath(name, geo, colour, { length: 0, points: geos.length });
    return geos.length;
  }

  /** Markers (spheres, drawn above everything) at model points, e.g. the valves to close. */
  markers(name, points, colour, radius = 0.45) {
    this.clearPath(name);
    const geos = points.map((p) => new THREE.SphereGeometry(radius, 12, 8).translate(...toView(p).toArray()));
    if (!geos.length) return 0;
    const geo = mergeGeometries(geos);
    for (const g of geos) g.dispose();
    this.addPath(name, geo, colour, { length: 0, points: points.length });
    return points.length;
  }

  addPath(name, geo, colour, info) {
    const mat = new THREE.MeshBasicMaterial({ color: colour, depthTest: false, transparent: true, opacity: 0.9 });
    const mesh = new THREE.Mesh(geo, mat);
    mesh.renderOrder = 3;
    mesh.raycast = () => {};
    mesh.userData = { marker: true, path: name };
    this.scene.add(mesh);
    this.paths.set(name, { object: mesh, ...info });
    this.dirty = true;
  }

  clearPath(name) {
    const p = this.paths.get(name);
    if (!p) return;
    this.scene.remove(p.object);
    disposeTree(p.object);
    this.paths.delete(name);
    this.dirty = true;
  }

  /** The storey entry ({node, guid, index}) a product was loaded with, or null. */
  storeyOf(guid) {
    const r = this.byGuid.get(guid)?.[0];
    for (let o = r?.mesh || r?.node; o; o = o.parent) if (o.userData?.kind === "storey") return this.storeyNodes.find((s) => s.node === o) || null;
    return null;
  }

  /** Colour elements by state: {guid: "alarm"|"ticket"|"out_of_service"|"selected"}. */
  colour(next) {
    this.states = next || {};
    this.repaint();
  }

  /** Extra colours from a scene layer (e.g. a scenario): {guid: [r, g, b, a]}; null clears. */
  tint(colours) {
    this.extra = colours || {};
    this.repaint();
  }

  repaint() {
    for (const o of this.overlays) { o.parent?.remove(o); o.geometry.dispose(); o.material.dispose(); }
    this.overlays = [];
    const want = new Map(); // colour key -> {colour, opacity, guids}
    const add = (key, colour, opacity, g) => {
      if (!want.has(key)) want.set(key, { colour, opacity, guids: [] });
      want.get(key).guids.push(g);
    };
    for (const [g, rgba] of Object.entries(this.extra)) {
      if (!Array.isArray(rgba)) continue;
      const c = new THREE.Color(rgba[0], rgba[1], rgba[2]);
      add(`x${c.getHex()}-${rgba[3] ?? 1}`, c, rgba[3] ?? 1, g);
    }
    for (const [g, st] of Object.entries(this.states)) if (COLOURS[st]) add(st, new THREE.Color(COLOURS[st]), 1, g);
    for (const { colour, opacity, guids } of want.values()) this.paintGuids(guids, colour, opacity);
    this.dirty = true;
  }

  paintGuids(guids, colour, opacity) {
    const perMesh = new Map();
    for (const g of guids) {
      for (const r of this.byGuid.get(g) || []) {
        if (r.node) { r.node.traverse((o) => o.isMesh && this.overlay(o, null, colour, opacity)); continue; }
        if (!perMesh.has(r.mesh)) perMesh.set(r.mesh, []);
        perMesh.get(r.mesh).push(r);
      }
    }
    for (const [mesh, ranges] of perMesh) this.overlay(mesh, ranges, colour, opacity);
  }

  overlay(mesh, ranges, colour, opacity) {
    const src = mesh.geometry;
    const geo = new THREE.BufferGeometry();
    geo.setAttribute("position", src.getAttribute("position"));
    if (src.index) {
      const all = src.index.array;
      const picked = ranges ? ranges.flatMap((r) => Array.from(all.subarray(r.t0 * 3, r.t1 * 3))) : Array.from(all);
      geo.setIndex(picked);
    }
    const spaceLike = mesh.material.transparent;
    const mat = makeMaterial(this.soft, {
      color: colour, flatShading: true,
      transparent: spaceLike || opacity < 1, opacity: spaceLike ? Math.max(0.55, opacity * 0.6) : opacity,
      polygonOffset: true, polygonOffsetFactor: -1, polygonOffsetUnits: -4, side: THREE.DoubleSide,
    });
    const o = new THREE.Mesh(geo, mat);
    o.raycast = () => {};
    o.renderOrder = 1;
    o.userData.overlay = true;
    mesh.add(o);
    this.overlays.push(o);
  }

  /** Technician markers: a sphere 1 m above their storey's floor at the reported point, else at
   * the reported room's centre; only on storeys that are shown (not hidden by isolate, not ghosts
   * above the selected storey), moved with their storey when storeys are exploded. */
  technicians(list) {
    this.techList = list || [];
    if (this.techGroup) { this.scene.remove(this.techGroup); disposeTree(this.techGroup); }
    const group = new THREE.Group();
    this.techGroup = group;
    group.name = "technicians";
    const mat = makeMaterial(this.soft, { color: hex("technician"), emissive: 0x003d2c, depthTest: false });
    const ball = new THREE.SphereGeometry(0.6, 12, 8);
    const shown = (entry) => !entry || (entry.node.visible && entry.node.userData.seeThrough !== "ghost");
    let n = 0;
    for (const t of this.techList) {
      let p = null;
      const entry = t.storey ? this.storeyNodes.find((x) => x.guid === t.storey) : t.space ? this.storeyOf(t.space) : null;
      if ((t.storey || t.space) && !entry) continue; // its storey is not loaded (yet)
      if (!shown(entry)) continue;
      const floor = this.storeyList.find((x) => x.guid === entry?.guid)?.elevation;
      if (t.position) {
        p = toView([t.position[0], t.position[1], (floor ?? t.position[2]) + 1]);
        p.add(entry?.node.position || new THREE.Vector3());
      } else if (t.space) {
        const box = this.boxOf(t.space);
        if (box && !box.isEmpty()) { p = box.getCenter(new THREE.Vector3()); p.y = box.min.y + 1; }
      }
      if (!p) continue;
      const m = new THREE.Mesh(ball, mat);
      m.position.copy(p);
      m.renderOrder = 2;
      m.userData = { technician: t.id, storey: entry?.guid || null };
      m.raycast = () => {};
      group.add(m);
      n++;
    }
    this.scene.add(group);
    this.host.dataset.technicians = String(n);
    this.dirty = true;
  }

  /** World-space box of a product: its node, or its triangles in a merged primitive. */
  boxOf(guid) {
    const refs = this.byGuid.get(guid);
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

  /** Fly the camera to an element (by guid) or an API bbox [x0,y0,z0,x1,y1,z1] in model Z-up metres.
   * A room is framed from outside and above its walls (looking down at its middle, the storeys
   * above it ghosts), not from a point that ends up facing a wall. */
  flyTo(guid, bbox, kind) {
    let box = this.boxOf(guid);
    if ((!box || box.isEmpty()) && bbox) box = boxToView(bbox);
    if (!box || box.isEmpty()) return;
    if (kind !== "space") { this.flyToBox(box, 700); return; }
    const { position, target } = roomCamera(box, this.camera.fov);
    const r = box.getSize(new THREE.Vector3()).length();
    this.camera.near = Math.max(0.05, r / 200); this.camera.far = Math.max(500, r * 100); this.camera.updateProjectionMatrix();
    this.flight = { t0: performance.now(), p0: this.camera.position.clone(), p1: position, c0: this.controls.target.clone(), c1: target };
    this.dirty = true;
  }

  flyToBox(box, ms) {
    const { camera, controls } = this;
    const c = box.getCenter(new THREE.Vector3());
    const r = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 2);
    const p1 = c.clone().add(toView([r * 1.2, -r * 1.6, r * 1.1]));
    camera.near = r / 100; camera.far = r * 50; camera.updateProjectionMatrix();
    this.dirty = true;
    if (!ms) { camera.position.copy(p1); controls.target.copy(c); return; }
    this.flight = { t0: performance.now(), p0: camera.position.clone(), p1, c0: controls.target.clone(), c1: c };
  }

  onDown(evt) {
    const sx = evt.clientX, sy = evt.clientY;
    this.renderer.domElement.addEventListener("pointerup", (e) => {
      if (Math.hypot(e.clientX - sx, e.clientY - sy) < 4) {
        const hit = this.pickAt(e.clientX, e.clientY);
        if (hit) this.onSelect(hit.guid, hit.kind);
      }
    }, { once: true });
  }

  /** The {guid, kind} under a canvas point (client pixels), or null. */
  pickAt(x, y) {
    if (!this.world) return null;
    const r = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((x - r.left) / r.width) * 2 - 1, -((y - r.top) / r.height) * 2 + 1);
    const ray = new THREE.Raycaster();
    ray.setFromCamera(ndc, this.camera);
    const visible = (o) => { for (; o; o = o.parent) if (!o.visible) return false; return true; };
    // ghosts and x-rayed walls are seen through, so clicks go through them too
    const hits = ray.intersectObject(this.world, true).filter((h) => visible(h.object) && !h.object.userData.through);
    return preferInside(hits);
  }

  /** Resolves when the current building's first pass is on screen. */
  loaded() {
    return this.loading || Promise.resolve();
  }

  /** How many of these GlobalIds the loaded scene does not hold (e.g. pipes before their pass). */
  missing(guids) {
    return guids.filter((g) => !this.byGuid.has(g)).length;
  }
}
