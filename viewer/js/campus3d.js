// The whole campus in 3D (issue 17): every building's scene.glb placed by its own georeferencing
// (GET /campus `placement`: its IfcMapConversion) into one map-aligned frame, on a ground plane
// with the footpaths drawn on it, bridges as boxes and tunnels as half-buried tubes between their
// end points, a label per building with its alarm and ticket counts, technicians outdoors as
// spheres. A click on a building (or its label) enters its plans, as on the 2D map.
//
// The frame: view x = east, view -z = north, view y = up (scene3d_util.js's toView of a map point
// relative to the origin), origin at the campus centre (middle of the footprints' bounds) and the
// lowest ground storey's map height, so float32 vertex maths stays at millimetres (eastings and
// northings are 10^5-10^6 m). A building's group sits at its map conversion's origin, turned by its
// x-axis angle about the vertical and scaled by its map scale horizontally; the glb's own root
// (Z up -> Y up) sits inside it. Loaded on demand from campus.js (three.js only when 3D is asked
// for); frames drawn on demand. Diagnostics for tests: debug.js (`twinDebug.campus3d`).
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { CSS2DObject, CSS2DRenderer } from "three/addons/renderers/CSS2DRenderer.js";
import { mergeGeometries } from "three/addons/utils/BufferGeometryUtils.js";
import { cheap, disposeTree, material as makeMaterial, softwareGL, toModel, toView } from "./scene3d_util.js";
import { hex } from "./palette.js";
import { el } from "./dom.js";

// the campus scene is an overview: shells only (no pipes, fittings, furniture, room volumes)
const EXCLUDE = "segment,fitting,furniture,space";
const PARALLEL = 2;
const GROUND_MARGIN = 60; // m of ground around the footprints and paths
const PATH_LIFT = 0.04; // paths drawn just above the ground plane (no z-fighting)
const PATH_STYLE = {
  footway: { colour: 0xc9bea5, width: 2.0 },
  covered: { colour: 0x0072b2, width: 2.4 },
  steps: { colour: 0xc07a30, width: 2.0 },
  service: { colour: 0x8f8f8f, width: 4.0 },
};
const BRIDGE = { width: 2.6, height: 3.2, colour: 0x0072b2 };
const TUNNEL = { radius: 1.6, colour: 0x4a4f57 };

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));

const counts = (b) => {
  const parts = [];
  if (b.alarms) parts.push(`${b.alarms} alarm${b.alarms === 1 ? "" : "s"}`);
  if (b.tickets) parts.push(`${b.tickets} ticket${b.tickets === 1 ? "" : "s"}`);
  return parts.join(" · ") || "no alarms, no tickets";
};

const pathStyle = (p) => (p.steps ? "steps" : p.covered ? "covered" : p.highway === "service" ? "service" : "footway");

let cssAdded = false;
function addCss() {
  if (cssAdded) return;
  cssAdded = true;
  document.head.append(el("link", { rel: "stylesheet", href: new URL("../css/campus3d.css", import.meta.url).href }));
}

export class CampusScene {
  /** `host`: the element the canvas goes in (data-ready, data-buildings, data-gl report progress);
   * `enter(guid)`: open a building's plans. */
  constructor(host, { enter }) {
    addCss();
    this.host = host;
    this.enter = enter;
    this.soft = softwareGL();
    host.dataset.gl = this.soft ? "software" : "hardware";
    this.data = null;
    this.signature = ""; // the loaded buildings (key:model), to reload only when a model changed
    this.origin = [0, 0, 0]; // map E, N, H of the view origin
    this.buildings = new Map(); // key -> {b, group, root, label}
    this.links = new Map(); // connection id -> {kind, mesh, length}
    this.site = null; // ground, paths, links, technicians
    this.dirty = true;
    this.initRenderer();
  }

  initRenderer() {
    const renderer = new THREE.WebGLRenderer({ antialias: !this.soft, preserveDrawingBuffer: true });
    this.renderer = renderer;
    renderer.setPixelRatio(this.soft ? 1 : Math.min(window.devicePixelRatio, 2));
    renderer.domElement.setAttribute("aria-label", "3D campus view; drag to orbit, click a building to open its plans");
    renderer.domElement.tabIndex = 0;
    this.host.append(renderer.domElement);
    const scene = new THREE.Scene();
    this.scene = scene;
    scene.background = new THREE.Color(0xcfdbe6);
    scene.add(new THREE.HemisphereLight(0xffffff, 0x556655, 2.0));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.copy(toView([80, -60, 120]));
    scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(45, 1, 1, 4000);
    const controls = new OrbitControls(this.camera, renderer.domElement);
    this.controls = controls;
    controls.enableDamping = true;
    controls.maxPolarAngle = Math.PI / 2 - 0.05; // stay above the ground
    controls.listenToKeyEvents(renderer.domElement);
    controls.addEventListener("change", () => { this.dirty = true; });
    renderer.domElement.addEventListener("pointerdown", (e) => this.onDown(e));
    this.labelRenderer = new CSS2DRenderer();
    this.labelRenderer.domElement.className = "campus3d-labels";
    this.host.append(this.labelRenderer.domElement);
    new ResizeObserver(() => this.resize()).observe(this.host);
    renderer.setAnimationLoop(() => this.tick());
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

  tick() {
    if (this.controls.update()) this.dirty = true;
    if (!this.dirty || this.host.hidden || !this.host.clientWidth) return;
    this.draw();
  }

  draw() {
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
    this.labelRenderer.render(this.scene, this.camera);
  }

  /** A map point [E, N, H] (H defaults to the ground) as a view vector. */
  mapToView([e, n, h]) {
    const [e0, n0, h0] = this.origin;
    return toView([e - e0, n - n0, (h ?? h0) - h0]);
  }

  /** A view vector as a map point [E, N, H]. */
  viewToMap(v) {
    const [x, y, z] = toModel(v);
    const [e0, n0, h0] = this.origin;
    return [e0 + x, n0 + y, h0 + z];
  }

  /**
   * Show the campus of a GET /campus answer: the buildings are (re)loaded only when the set of
   * served models changed; ground, paths, links, labels and technicians are redrawn every time.
   * Resolves when every building is on screen (host data-ready="1").
   */
  async show(data) {
    this.data = data;
    this.resize();
    const placed = data.buildings.filter((b) => b.placement && b.guid);
    const signature = placed.map((b) => `${b.key}:${b.model}`).join(",");
    if (signature !== this.signature || !this.loading) {
      this.signature = signature;
      this.host.dataset.ready = "";
      this.clearBuildings();
      this.origin = this.originOf(data, placed);
      this.fit(data);
      const mine = this.loadAll(placed, signature);
      this.loading = mine;
      mine.catch(() => { if (this.loading === mine) { this.loading = null; this.signature = ""; } });
    }
    this.drawSite(data);
    this.label(data);
    await this.loading;
    if (this.signature !== signature) return;
    this.draw();
    await nextFrame();
    this.host.dataset.ready = "1";
  }

  originOf(data, placed) {
    const b = data.bounds;
    const grounds = placed.map((x) => x.placement.ground);
    const e = b ? (b[0] + b[2]) / 2 : placed[0]?.placement.eastings ?? 0;
    const n = b ? (b[1] + b[3]) / 2 : placed[0]?.placement.northings ?? 0;
    return [e, n, grounds.length ? Math.min(...grounds) : 0];
  }

  async loadAll(placed, signature) {
    const queue = [...placed];
    const worker = async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        if (this.signature !== signature) return;
        await this.loadBuilding(b, signature);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  async loadBuilding(b, signature) {
    const url = `/buildings/${encodeURIComponent(b.guid)}/scene.glb?layout=merged&exclude=${EXCLUDE}`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`3D ${b.name}: HTTP ${res.status}`);
    const gltf = await new GLTFLoader().parseAsync(await res.arrayBuffer(), "");
    if (this.signature !== signature) { disposeTree(gltf.scene); return; }
    const p = b.placement;
    const group = new THREE.Group();
    group.name = `campus-building:${b.key}`;
    group.userData = { campusKey: b.key, guid: b.guid };
    // the building's local origin on the map, its x axis turned from grid east (counter-clockwise
    // seen from above = about view +y), its map scale horizontally (heights are metres: H + z)
    group.position.copy(this.mapToView([p.eastings, p.northings, p.height]));
    group.rotation.y = Math.atan2(p.x_axis[1], p.x_axis[0]);
    group.scale.set(p.scale, 1, p.scale);
    if (this.soft) gltf.scene.traverse((o) => { if (o.isMesh) o.material = cheap(o.material); });
    group.add(gltf.scene);
    this.scene.add(group);
    group.updateMatrixWorld(true);
    const root = gltf.scene.children[0] || gltf.scene; // building:<guid>, carrying Z up -> Y up
    const entry = this.buildings.get(b.key) || {};
    this.buildings.set(b.key, { ...entry, b, group, root });
    this.host.dataset.buildings = String([...this.buildings.values()].filter((x) => x.group).length);
    this.placeLabel(b.key);
    this.dirty = true;
  }

  clearBuildings() {
    for (const { group, label } of this.buildings.values()) {
      if (group) { this.scene.remove(group); disposeTree(group); }
      if (label) { label.parent?.remove(label); label.element.remove(); }
    }
    this.buildings.clear();
    this.host.dataset.buildings = "0";
    this.renderer.renderLists.dispose();
    this.dirty = true;
  }

  /** Camera over the campus from the south-east, the whole site in view. */
  fit(data) {
    const b = data.bounds;
    const [e0, n0] = this.origin;
    const half = b ? Math.max(b[2] - b[0], b[3] - b[1]) / 2 + 20 : 80;
    const target = this.mapToView([e0, n0]);
    const at = target.clone().add(toView([half * 0.9, -half * 1.5, half * 1.1]));
    this.camera.near = Math.max(0.5, half / 200);
    this.camera.far = half * 40;
    this.camera.updateProjectionMatrix();
    this.camera.position.copy(at);
    this.controls.target.copy(target);
    this.controls.update();
    this.dirty = true;
  }

  /** Ground, footpaths, bridges and tunnels, technicians outdoors (rebuilt from each answer). */
  drawSite(data) {
    if (this.site) { this.scene.remove(this.site); disposeTree(this.site); }
    this.links.clear();
    const site = new THREE.Group();
    site.name = "campus-site";
    this.site = site;
    const soft = this.soft;
    // the ground: a plane over the footprints and paths plus a margin, just under grade
    const pts = data.paths.flatMap((p) => p.line); // bounds: the footprints'
    if (data.bounds) pts.push([data.bounds[0], data.bounds[1]], [data.bounds[2], data.bounds[3]]);
    if (pts.length) {
      const es = pts.map((q) => q[0]), ns = pts.map((q) => q[1]);
      const w = Math.max(...es) - Math.min(...es) + 2 * GROUND_MARGIN;
      const d = Math.max(...ns) - Math.min(...ns) + 2 * GROUND_MARGIN;
      const mid = this.mapToView([(Math.max(...es) + Math.min(...es)) / 2, (Math.max(...ns) + Math.min(...ns)) / 2]);
      const ground = new THREE.Mesh(new THREE.PlaneGeometry(w, d).rotateX(-Math.PI / 2),
        makeMaterial(soft, { color: 0x8fa27a }));
      ground.position.set(mid.x, -0.02, mid.z);
      ground.name = "ground";
      ground.userData.ground = true;
      site.add(ground);
    }
    // footpaths: flat ribbons on the ground, one merged mesh per style
    const ribbons = {};
    for (const p of data.paths) {
      const style = pathStyle(p);
      const geo = this.ribbon(p.line, PATH_STYLE[style].width);
      if (geo) (ribbons[style] ||= []).push(geo);
    }
    for (const [style, geos] of Object.entries(ribbons)) {
      const mesh = new THREE.Mesh(mergeGeometries(geos), makeMaterial(soft, { color: PATH_STYLE[style].colour, side: THREE.DoubleSide }));
      for (const g of geos) g.dispose();
      mesh.name = `paths:${style}`;
      mesh.userData = { paths: data.paths.filter((p) => pathStyle(p) === style).map((p) => p.id) };
      site.add(mesh);
    }
    // bridges (boxes standing on their end doors' floor) and tunnels (tubes half under grade)
    for (const c of data.connections) {
      if (!c.line || c.line.length < 2) continue;
      const a = this.mapToView(c.line[0]), b = this.mapToView(c.line[c.line.length - 1]);
      const length = a.distanceTo(b);
      if (length < 1e-3) continue;
      const tunnel = c.kind === "tunnel";
      const geo = tunnel
        ? new THREE.CylinderGeometry(TUNNEL.radius, TUNNEL.radius, length, 16, 1, false).rotateZ(-Math.PI / 2).translate(length / 2, 0, 0)
        : new THREE.BoxGeometry(length, BRIDGE.height, BRIDGE.width).translate(length / 2, BRIDGE.height / 2, 0);
      const mesh = new THREE.Mesh(geo, makeMaterial(soft, { color: tunnel ? TUNNEL.colour : BRIDGE.colour }));
      // local origin at end a (its floor), local x towards end b
      mesh.position.copy(a);
      mesh.quaternion.setFromUnitVectors(new THREE.Vector3(1, 0, 0), b.clone().sub(a).normalize());
      mesh.name = `${c.kind}:${c.id}`;
      mesh.userData = { connection: c.id, kind: c.kind };
      site.add(mesh);
      this.links.set(c.id, { kind: c.kind, mesh, length });
    }
    // technicians outdoors: spheres 1 m above their map point
    if (data.technicians_outdoors?.length) {
      const ball = new THREE.SphereGeometry(0.9, 12, 8);
      const mat = makeMaterial(soft, { color: hex("technician") });
      for (const t of data.technicians_outdoors) {
        const m = new THREE.Mesh(ball, mat);
        const [e, n, h] = t.point;
        m.position.copy(this.mapToView([e, n, (h ?? this.origin[2]) + 1]));
        m.name = `technician:${t.id}`;
        m.userData = { technician: t.id };
        site.add(m);
      }
    }
    site.traverse((o) => { if (o.isMesh && !o.userData.connection) o.raycast = () => {}; });
    this.scene.add(site);
    site.updateMatrixWorld(true);
    this.dirty = true;
  }

  /** A flat strip of `width` metres along a map polyline [[E, N], ...], at grade. */
  ribbon(line, width) {
    const pos = [], idx = [];
    const v = line.map((q) => this.mapToView([q[0], q[1]]));
    for (let i = 1; i < v.length; i++) {
      const a = v[i - 1], b = v[i];
      const dir = b.clone().sub(a);
      if (dir.lengthSq() < 1e-6) continue;
      const side = new THREE.Vector3(-dir.z, 0, dir.x).normalize().multiplyScalar(width / 2);
      const k = pos.length / 3;
      for (const p of [a.clone().add(side), a.clone().sub(side), b.clone().add(side), b.clone().sub(side)]) pos.push(p.x, PATH_LIFT, p.z);
      idx.push(k, k + 1, k + 2, k + 1, k + 3, k + 2);
      // a round-ish joint: a square patch at each vertex so bends have no gaps
      if (i < v.length - 1) {
        const j = pos.length / 3;
        const f = dir.clone().normalize().multiplyScalar(width / 2);
        for (const p of [b.clone().add(side).sub(f), b.clone().sub(side).sub(f), b.clone().add(side).add(f), b.clone().sub(side).add(f)]) pos.push(p.x, PATH_LIFT, p.z);
        idx.push(j, j + 1, j + 2, j + 1, j + 3, j + 2);
      }
    }
    if (!idx.length) return null;
    const geo = new THREE.BufferGeometry();
    geo.setAttribute("position", new THREE.Float32BufferAttribute(pos, 3));
    geo.setIndex(idx);
    geo.computeVertexNormals();
    return geo;
  }

  /** Name and alarm/ticket counts over every building (HTML labels, text as text). */
  label(data) {
    for (const b of data.buildings) {
      const entry = this.buildings.get(b.key) || {};
      if (entry.label) { entry.label.parent?.remove(entry.label); entry.label.element.remove(); }
      const node = el("button", {
        type: "button",
        class: `campus3d-label${b.alarms ? " alarm" : ""}${!b.alarms && b.tickets ? " ticket" : ""}`,
        "data-key": b.key, "data-alarms": String(b.alarms), "data-tickets": String(b.tickets),
        "aria-label": `${b.name}: ${counts(b)}. Open its plans`,
      }, el("b", {}, b.name || b.key), el("span", { class: "campus3d-count" }, counts(b)));
      node.addEventListener("click", () => b.guid && this.enter(b.guid));
      const label = new CSS2DObject(node);
      label.center.set(0.5, 1);
      this.buildings.set(b.key, { ...entry, b, label });
      this.placeLabel(b.key);
    }
    this.dirty = true;
  }

  /** A building's label above its middle: over the loaded mesh, else over its footprint. */
  placeLabel(key) {
    const entry = this.buildings.get(key);
    if (!entry?.label) return;
    let at;
    if (entry.group) {
      const box = new THREE.Box3().setFromObject(entry.group);
      at = box.getCenter(new THREE.Vector3());
      at.y = box.max.y + 2;
    } else {
      const c = entry.b.centre;
      if (!c) return;
      at = this.mapToView([c[0], c[1], (entry.b.placement?.ground ?? this.origin[2]) + 8]);
    }
    entry.label.position.copy(at);
    if (entry.label.parent !== this.scene) this.scene.add(entry.label);
    this.dirty = true;
  }

  onDown(evt) {
    const sx = evt.clientX, sy = evt.clientY;
    this.renderer.domElement.addEventListener("pointerup", (e) => {
      if (Math.hypot(e.clientX - sx, e.clientY - sy) >= 4) return;
      const key = this.pickAt(e.clientX, e.clientY);
      const guid = key && this.buildings.get(key)?.b.guid;
      if (guid) this.enter(guid);
    }, { once: true });
  }

  /** The campus key of the building under a canvas point (client pixels), or null. */
  pickAt(x, y) {
    const r = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((x - r.left) / r.width) * 2 - 1, -((y - r.top) / r.height) * 2 + 1);
    const ray = new THREE.Raycaster();
    ray.setFromCamera(ndc, this.camera);
    const groups = [...this.buildings.values()].map((e) => e.group).filter(Boolean);
    for (const hit of ray.intersectObjects(groups, true)) {
      if (hit.object.material?.transparent && hit.object.material.opacity < 0.5) continue; // glass
      for (let o = hit.object; o; o = o.parent) if (o.userData?.campusKey) return o.userData.campusKey;
    }
    return null;
  }

  // -- read-only views for debug.js (tests, diagnostics) -------------------------------------

  /** A point of a building's own model metres (Z up, its scene.glb frame) as a map point
   * [E, N, H], through the scene's world transforms. */
  modelToMap(key, p) {
    const entry = this.buildings.get(key);
    if (!entry?.root) return null;
    entry.root.updateWorldMatrix(true, false);
    return this.viewToMap(new THREE.Vector3(p[0], p[1], p[2]).applyMatrix4(entry.root.matrixWorld));
  }

  /** Map box [E0, N0, H0, E1, N1, H1] of a product's triangles as drawn, or null. */
  mapBoxOf(guid) {
    const box = new THREE.Box3(), v = new THREE.Vector3();
    for (const { group } of this.buildings.values()) {
      group?.traverse((o) => {
        const ud = o.isMesh ? o.geometry.userData : null;
        const k = ud?.guids?.indexOf(guid) ?? -1;
        if (k < 0) return;
        const t1 = k + 1 < ud.tri.length ? ud.tri[k + 1] : o.geometry.index.count / 3;
        const pos = o.geometry.getAttribute("position"), idx = o.geometry.index.array;
        o.updateWorldMatrix(true, false);
        for (let i = ud.tri[k] * 3; i < t1 * 3; i++) box.expandByPoint(v.fromBufferAttribute(pos, idx[i]).applyMatrix4(o.matrixWorld));
      });
    }
    if (box.isEmpty()) return null;
    const a = this.viewToMap(box.min), b = this.viewToMap(box.max);
    return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2])];
  }

  /** Drawn bridges and tunnels: {id: {kind, ends: [[E, N, H], [E, N, H]]}} from their meshes. */
  drawnLinks() {
    return Object.fromEntries([...this.links].map(([id, { kind, mesh, length }]) => {
      mesh.updateWorldMatrix(true, false);
      const end = (x) => this.viewToMap(new THREE.Vector3(x, 0, 0).applyMatrix4(mesh.matrixWorld));
      return [id, { kind, ends: [end(0), end(length)] }];
    }));
  }

  /** Client pixel of a building's middle (its drawn box's centre), or null. */
  screenOf(key) {
    const g = this.buildings.get(key)?.group;
    if (!g) return null;
    const c = new THREE.Box3().setFromObject(g).getCenter(new THREE.Vector3()).project(this.camera);
    const r = this.renderer.domElement.getBoundingClientRect();
    return [r.left + (c.x + 1) / 2 * r.width, r.top + (1 - c.y) / 2 * r.height];
  }
}
