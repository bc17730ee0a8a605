// 3D command-centre view: glTF scene per building, orbit controls, storey isolate/explode,
// colouring by state, raycast click → select, camera fly-to a bounding box.
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

const host = document.getElementById("scene");
const COLOURS = { alarm: 0xd7263d, ticket: 0xf2a541, out_of_service: 0x7a7a7a, selected: 0x1e88e5 };
let renderer, camera, controls, scene, root = null, building = null, onSelect = () => {};
let storeyNodes = []; // [{node, guid, baseY}]
const byGuid = new Map();
const tinted = new Map(); // mesh -> original material
let flight = null;

export function init({ select }) {
  onSelect = select;
}

function ensureRenderer() {
  if (renderer) return;
  renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
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
}

function tick(t) {
  if (flight) {
    const k = Math.min(1, (t - flight.t0) / 700);
    const e = k * k * (3 - 2 * k);
    camera.position.lerpVectors(flight.p0, flight.p1, e);
    controls.target.lerpVectors(flight.c0, flight.c1, e);
    if (k >= 1) flight = null;
  }
  controls.update();
  renderer.render(scene, camera);
}

/** Load (once per building) the building's glTF scene; resolves when it is on screen. */
export async function load(guid) {
  ensureRenderer();
  resize();
  if (building === guid && root) return;
  performance.mark("scene-start");
  host.dataset.ready = "";
  const gltf = await new GLTFLoader().loadAsync(`/buildings/${encodeURIComponent(guid)}/scene.glb`);
  if (root) scene.remove(root);
  root = gltf.scene;
  building = guid;
  byGuid.clear();
  tinted.clear();
  storeyNodes = [];
  root.traverse((o) => {
    const g = o.userData?.guid || o.name;
    if (g) byGuid.set(g, o);
    if (o.userData?.kind === "storey" || o.userData?.storey_group || (o.userData?.storey && o.userData?.kind === undefined && o.children.length)) {
      storeyNodes.push({ node: o, guid: o.userData.guid || o.name, baseY: o.position.y });
    }
    if (o.isMesh) o.material = o.material.clone();
  });
  scene.add(root);
  flyToBox(new THREE.Box3().setFromObject(root), 0);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  performance.mark("scene-painted");
  performance.measure("scene-load", "scene-start", "scene-painted");
  host.dataset.ready = "1";
}

export const storeys = () => storeyNodes.map((s) => s.guid);

/** Show only one storey (isolate) and/or spread storeys apart vertically (explode). */
export function arrange({ storey, isolate, explode }) {
  storeyNodes.forEach((s, i) => {
    s.node.visible = !isolate || !storey || s.guid === storey;
    s.node.position.y = s.baseY + (explode ? i * 6 : 0);
  });
}

/** Colour elements by state: {guid: "alarm"|"ticket"|"out_of_service"|"selected"}. */
export function colour(states) {
  for (const [mesh, mat] of tinted) mesh.material.color.copy(mat);
  tinted.clear();
  for (const [guid, st] of Object.entries(states)) {
    byGuid.get(guid)?.traverse((o) => {
      if (!o.isMesh || !COLOURS[st]) return;
      if (!tinted.has(o)) tinted.set(o, o.material.color.clone());
      o.material.color.setHex(COLOURS[st]);
    });
  }
}

/** Fly the camera to an element (by guid) or an API bbox [x0,y0,z0,x1,y1,z1] in model Z-up metres. */
export function flyTo(guid, bbox) {
  const node = byGuid.get(guid);
  let box;
  if (node) box = new THREE.Box3().setFromObject(node);
  else if (bbox) box = new THREE.Box3(new THREE.Vector3(bbox[0], bbox[2], -bbox[4]), new THREE.Vector3(bbox[3], bbox[5], -bbox[1]));
  if (box && !box.isEmpty()) flyToBox(box, 700);
}

function flyToBox(box, ms) {
  const c = box.getCenter(new THREE.Vector3());
  const r = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 2);
  const p1 = c.clone().add(new THREE.Vector3(r * 1.2, r * 1.1, r * 1.6));
  camera.near = r / 100; camera.far = r * 50; camera.updateProjectionMatrix();
  if (!ms) { camera.position.copy(p1); controls.target.copy(c); return; }
  flight = { t0: performance.now(), p0: camera.position.clone(), p1, c0: controls.target.clone(), c1: c };
}

function onDown(evt) {
  const sx = evt.clientX, sy = evt.clientY;
  renderer.domElement.addEventListener("pointerup", (e) => {
    if (Math.hypot(e.clientX - sx, e.clientY - sy) < 4) pick(e);
  }, { once: true });
}

function pick(evt) {
  if (!root) return;
  const r = renderer.domElement.getBoundingClientRect();
  const ndc = new THREE.Vector2(((evt.clientX - r.left) / r.width) * 2 - 1, -((evt.clientY - r.top) / r.height) * 2 + 1);
  const ray = new THREE.Raycaster();
  ray.setFromCamera(ndc, camera);
  const hit = ray.intersectObject(root, true).find((h) => h.object.visible);
  for (let o = hit?.object; o; o = o.parent) {
    const g = o.userData?.guid;
    if (g && o.userData.kind !== "storey") { onSelect(g, o.userData.kind); return; }
  }
}
