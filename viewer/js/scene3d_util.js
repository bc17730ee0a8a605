// Pure helpers of the 3D view (no module state): software-GL detection and cheaper materials,
// storey load order, and mapping a ray hit on a merged primitive back to a GlobalId.
import * as THREE from "three";

/** True on a software WebGL (SwiftShader, llvmpipe): every pixel costs CPU, so no MSAA. */
export function softwareGL() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    const ext = gl?.getExtension("WEBGL_debug_renderer_info");
    const name = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : "";
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
    return /swiftshader|llvmpipe|software/i.test(name);
  } catch { return false; }
}

/** Storeys ordered for loading: `first`, then its neighbours, nearest first (upper on ties). */
export function nearestFirst(storeys, first) {
  const order = storeys.map((s, i) => ({ ...s, i }));
  const at = Math.max(0, order.findIndex((s) => s.guid === first));
  return order.sort((a, b) => Math.abs(a.i - at) - Math.abs(b.i - at) || b.i - a.i);
}

// On a software renderer Lambert shading costs about half of the PBR material per pixel (measured
// 139 vs 248 ms a frame on the small hospital); the look is nearly the same for flat colours.
const lambert = new WeakMap();
export function cheap(m) {
  if (!m.isMeshStandardMaterial) return m;
  if (!lambert.has(m)) {
    lambert.set(m, new THREE.MeshLambertMaterial({
      name: m.name, color: m.color, transparent: m.transparent, opacity: m.opacity,
      side: m.side, flatShading: true, depthWrite: m.depthWrite,
    }));
  }
  return lambert.get(m);
}

/** A flat-shaded material for overlays and markers: Lambert on a software renderer. */
export function material(soft, opts) {
  return soft ? new THREE.MeshLambertMaterial(opts) : new THREE.MeshStandardMaterial({ ...opts, roughness: 0.9, metalness: 0 });
}

/** {guid, kind} of a ray hit: binary search in a merged primitive's triangle ranges, else the
 * nearest ancestor node named by a GlobalId. */
export function guidOf(hit) {
  const ud = hit.object.geometry.userData;
  if (ud?.guids) {
    let lo = 0, hi = ud.tri.length - 1; // last range starting at or before the face
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ud.tri[mid] <= hit.faceIndex) lo = mid; else hi = mid - 1; }
    return { guid: ud.guids[lo], kind: hit.object.userData.kind };
  }
  for (let o = hit.object; o; o = o.parent) {
    const g = o.userData?.guid;
    if (g && o.userData.kind !== "storey") return { guid: g, kind: o.userData.kind };
  }
  return null;
}

/** A room volume is entered first from outside; an element inside the room (before the ray leaves
 * the volume) is what the user pointed at, and the room only when nothing is inside. */
export function preferInside(hits) {
  const found = hits.map((h) => ({ h, id: guidOf(h) })).filter((x) => x.id);
  const first = found[0];
  if (!first || first.id.kind !== "space") return first?.id || null;
  const exit = found.find((x, i) => i > 0 && x.id.guid === first.id.guid);
  const limit = (exit ? exit.h.distance : Infinity) - 0.05;
  return found.find((x) => x.id.kind !== "space" && x.h.distance < limit)?.id || first.id;
}

// Axes: IFC and the API speak model metres with Z up; glTF and three.js are Y up (the server
// rotates when it exports, x' = x, y' = z, z' = -y). Every model <-> view conversion goes through
// these three functions.
/** A model point [x, y, z] (Z up) as a view vector (Y up). */
export const toView = (p) => new THREE.Vector3(p[0], p[2], -p[1]);
/** A view vector (Y up) as a model point [x, y, z] (Z up). */
export const toModel = (v) => [v.x, -v.z, v.y];
/** An API bbox [x0, y0, z0, x1, y1, z1] (Z up) as a view box. */
export const boxToView = (b) => new THREE.Box3().setFromPoints([toView(b.slice(0, 3)), toView(b.slice(3, 6))]);

/** Free a subtree's GPU and CPU resources: geometries, materials and the textures they hold.
 * Shared objects are disposed once (three.js re-uploads them if anything still draws them). */
export function disposeTree(root) {
  const done = new Set();
  const once = (x) => { if (x && !done.has(x)) { done.add(x); x.dispose(); } };
  root.traverse((o) => {
    once(o.geometry);
    // x-ray keeps a mesh's solid and see-through materials (scene3d.js seeThrough): free both
    for (const m of [o.material, o.userData?.solid, o.userData?.glass].flat()) {
      if (!m) continue;
      for (const v of Object.values(m)) if (v?.isTexture) once(v);
      once(m);
    }
  });
}

/** A polyline without consecutive repeated points (a route repeats a point where legs join). */
export function dedupe(points) {
  return points.filter((p, i) => i === 0 || Math.hypot(p[0] - points[i - 1][0], p[1] - points[i - 1][1], (p[2] ?? 0) - (points[i - 1][2] ?? 0)) > 1e-6);
}

/** Length of a polyline of model points [x, y, z] in metres. */
export function polylineLength(points) {
  let n = 0;
  for (let i = 1; i < points.length; i++) n += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1], (points[i][2] ?? 0) - (points[i - 1][2] ?? 0));
  return n;
}

/** Camera for a room (view box): looking at its centre from above and to the south-east, far
 * enough that the whole room fits the field of view and always outside (above) the room's box, so
 * the view never ends facing a wall. */
export function roomCamera(box, fovDeg) {
  const target = box.getCenter(new THREE.Vector3());
  const size = box.getSize(new THREE.Vector3());
  const half = Math.max(Math.hypot(size.x, size.z) / 2, 2) + 1;
  const dist = half / Math.tan((fovDeg * Math.PI) / 360) * 1.15;
  const dir = new THREE.Vector3(0.35, 1, 0.55).normalize(); // view axes: +y up, +z = model south
  const position = target.clone().addScaledVector(dir, dist);
  position.y = Math.max(position.y, box.max.y + half * 0.5);
  return { position, target };
}
