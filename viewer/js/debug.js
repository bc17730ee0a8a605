// The viewer's debug surface: read-only views of the 3D scene for browser tests, benches and
// diagnostics. Production code never reads it; main.js installs it as `window.twinDebug` only when
// the page was opened with `?test=1` (docs/viewer.md lists what it holds), importing this module
// dynamically, so a normal page never loads it (nor three.js before the 3D view opens). Everything else a test
// needs is on the page itself: data-ready / data-first / data-detail on #scene and #plan,
// data-guid / data-kind on plan shapes, performance marks.
import * as THREE from "three";
import { toModel } from "./scene3d_util.js";
import { scene3d as campusScene } from "./campus.js";

/** Install `window.twinDebug`; `scene()` returns the page's BuildingScene or null (3D not open). */
export function install(scene) {
  const on = (f, none = null) => (...args) => { const s = scene(); return s ? f(s, ...args) : none; };
  window.twinDebug = Object.freeze({
    version: 1,
    scene3d: Object.freeze({
      /** {guid, kind} under a canvas point (client pixels), or null. */
      pickAt: on((s, x, y) => s.pickAt(x, y)),
      /** [{guid, visible, y}] per loaded storey (y: the explode offset, view units). */
      arrangement: on((s) => s.storeyNodes.map((n) => ({ guid: n.guid, visible: n.node.visible, y: n.node.position.y })), []),
      /** Where the camera looks, model metres (Z up), or null while it flies. */
      lookingAt: on((s) => (s.flight ? null : toModel(s.controls.target))),
      /** How many distinct products of a kind the loaded scene holds. */
      held: on((s, kind) => {
        const seen = new Set();
        s.world?.traverse((o) => { if (o.isMesh && o.userData.kind === kind) for (const g of o.geometry.userData.guids || []) seen.add(g); });
        return seen.size;
      }, 0),
      /** GlobalIds tinted by a scene layer (scenario) that the loaded scene holds. */
      tinted: on((s) => Object.keys(s.extra).filter((g) => s.byGuid.has(g)), []),
      /** Per-storey timings of the last load: {guid, bytes, fetch, parse, render} (ms). */
      timings: on((s) => s.timings.map((t) => ({ ...t })), []),
      /** Objects in the three.js scene and the renderer's live GPU geometries/textures. */
      memory: on((s) => {
        let objects = 0;
        s.scene.traverse(() => { objects += 1; });
        return { objects, ...s.renderer.info.memory };
      }),
      /** Milliseconds to draw one frame and wait for the GL to finish it. */
      frameCost: on((s) => {
        const gl = s.renderer.getContext(), px = new Uint8Array(4);
        const t0 = performance.now();
        s.renderer.render(s.scene, s.camera);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
        return performance.now() - t0;
      }),
      /** Where the camera is, model metres (Z up). */
      cameraAt: on((s) => toModel(s.camera.position)),
      /** Tubes and markers drawn (route, trace, isolate): {name: {length, points}}. */
      paths: on((s) => Object.fromEntries([...s.paths].map(([k, v]) => [k, { length: v.length, points: v.points }])), {}),
      /** three.js revision, for reports. */
      revision: THREE.REVISION,
    }),
    // the whole campus in 3D (campus3d.js): null / empty until its "3D" button was pressed
    campus3d: Object.freeze({
      /** Map [E, N, H] of the view origin (the campus centre at the lowest ground storey). */
      origin: () => campusScene()?.origin.slice() ?? null,
      /** A building's model point (its scene.glb metres, Z up) on the map through the scene's world transforms. */
      modelToMap: (key, p) => campusScene()?.modelToMap(key, p) ?? null,
      /** Map box [E0, N0, H0, E1, N1, H1] of a product's triangles as drawn. */
      mapBoxOf: (guid) => campusScene()?.mapBoxOf(guid) ?? null,
      /** Drawn bridges and tunnels: {id: {kind, ends: [[E, N, H], [E, N, H]]}}. */
      links: () => campusScene()?.drawnLinks() ?? {},
      /** Client pixel of a building's middle, or null. */
      screenOf: (key) => campusScene()?.screenOf(key) ?? null,
      /** The campus key of the building under a client pixel, or null. */
      pickAt: (x, y) => campusScene()?.pickAt(x, y) ?? null,
    }),
  });
}
