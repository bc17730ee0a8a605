// The campus map (issue 17): building footprints from the models' georeferencing, outdoor
// paths, bridges and tunnels, drawn from GET /campus in SVG; no tile service unless the
// hospital sets its own (?tiles=https://tiles.example/{z}/{x}/{y}.png, kept in localStorage
// "twin.tiles"). Alarm and ticket counts per building, technicians outdoors; a click on a
// building enters its plans. Texts from data are text nodes only (dom.js). The "3D" button
// switches to the whole campus in 3D (campus3d.js, loaded then), each building placed by its
// georeferencing.
import { get } from "./api.js";
import { svg, el } from "./dom.js";

const R = 6378137; // Web Mercator sphere: tiles, if any, line up with the drawing
const merc = ([lon, lat]) => [R * lon * Math.PI / 180, -R * Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360))];

let host = null;
let enter = () => {};
let data = null;
let mode = "map"; // "map" (SVG) or "3d" (campus3d.js, loaded on the first "3D" click)
let view3d = null; // {box, scene}: the 3D campus, kept while the page lives

export function init(opts) {
  host = opts.host;
  enter = opts.enter || enter;
}

export const loaded = () => data;

/** The 3D campus scene (campus3d.js's CampusScene) once it was opened, else null (debug.js). */
export const scene3d = () => view3d?.scene || null;

/** The hospital's own tile URL template, if configured (never an internet default). */
export function tileUrl() {
  const fromQuery = new URLSearchParams(location.search).get("tiles");
  if (fromQuery) { try { localStorage.setItem("twin.tiles", fromQuery); } catch { /* private mode */ } }
  try { return fromQuery || localStorage.getItem("twin.tiles") || ""; } catch { return fromQuery || ""; }
}

function rings(geom) {
  if (!geom) return [];
  if (geom.type === "Polygon") return [geom.coordinates];
  if (geom.type === "MultiPolygon") return geom.coordinates;
  return [];
}

const d = (pts) => pts.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(2)} ${y.toFixed(2)}`).join("");

function tiles(group, box, scale) {
  const url = tileUrl();
  if (!url) return;
  const world = 2 * Math.PI * R;
  // zoom where one tile pixel is about one screen pixel
  const z = Math.max(0, Math.min(20, Math.round(Math.log2(world * scale / 256))));
  const n = 2 ** z, size = world / n;
  const tx = (x) => Math.floor((x + world / 2) / size), ty = (y) => Math.floor((y + world / 2) / size);
  for (let x = tx(box[0]); x <= tx(box[2]); x++) {
    for (let y = ty(box[1]); y <= ty(box[3]); y++) {
      const href = url.replace("{z}", z).replace("{x}", x).replace("{y}", y);
      group.append(svg("image", { href, x: x * size - world / 2, y: y * size - world / 2, width: size, height: size, class: "campus-tile" }));
    }
  }
}

function counts(b) {
  const parts = [];
  if (b.alarms) parts.push(`${b.alarms} alarm${b.alarms === 1 ? "" : "s"}`);
  if (b.tickets) parts.push(`${b.tickets} ticket${b.tickets === 1 ? "" : "s"}`);
  return parts.join(" · ") || "no alarms, no tickets";
}

function draw(c) {
  const pts = [];
  const shapes = c.buildings.map((b) => {
    const rs = rings(b.footprint_wgs84).map((poly) => poly.map((ring) => ring.map(merc)));
    rs.flat(2).forEach((p) => pts.push(p));
    return { b, rs };
  });
  const paths = c.paths.map((p) => ({ p, line: p.line_wgs84.map(merc) }));
  paths.forEach(({ line }) => line.forEach((p) => pts.push(p)));
  const links = c.connections.map((k) => ({ k, line: k.line_wgs84.map(merc) }));
  const techs = c.technicians_outdoors.map((t) => ({ t, at: merc(t.wgs84) }));
  if (!pts.length) return null;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const m = 20 * 1.7; // about 20 m of margin (Mercator metres stretch ~1.7x at 52 degrees)
  const box = [Math.min(...xs) - m, Math.min(...ys) - m, Math.max(...xs) + m, Math.max(...ys) + m];
  const w = box[2] - box[0], h = box[3] - box[1];
  const root = svg("svg", { viewBox: `${box[0]} ${box[1]} ${w} ${h}`, class: "campus-map", role: "img", "aria-label": `Campus map of ${c.name}` });
  const unit = w / 800; // strokes and text sized for an ~800 px wide map
  const tileLayer = svg("g", { class: "campus-tiles" });
  tiles(tileLayer, box, 800 / w);
  root.append(tileLayer);
  const gPaths = svg("g", { class: "campus-paths" });
  for (const { p, line } of paths) {
    const title = `${p.name || p.highway}${p.covered ? " (covered)" : ""}${p.steps ? " (steps)" : ""}${p.wheelchair === false ? " (no wheelchair)" : ""}`;
    const line_ = svg("path", {
      d: d(line), class: `campus-path${p.covered ? " covered" : ""}${p.steps ? " steps" : ""}`,
      "data-id": p.id, "data-steps": String(!!p.steps), "data-covered": String(!!p.covered),
      "stroke-width": (p.highway === "service" ? 4 : 2.5) * unit, fill: "none",
    });
    line_.append(svg("title", {}, title));
    gPaths.append(line_);
  }
  root.append(gPaths);
  const gB = svg("g", { class: "campus-buildings" });
  for (const { b, rs } of shapes) {
    const shape = svg("path", {
      d: rs.map((poly) => poly.map((ring) => d(ring) + "Z").join("")).join(""),
      class: `campus-building${b.alarms ? " alarm" : ""}${!b.alarms && b.tickets ? " ticket" : ""}`,
      "data-key": b.key, "data-guid": b.guid || "", "data-alarms": String(b.alarms), "data-tickets": String(b.tickets),
      tabindex: "0", role: "button", "aria-label": `${b.name}: ${counts(b)}. Open its plans`,
      "stroke-width": 1.5 * unit, "fill-rule": "evenodd",
    });
    shape.append(svg("title", {}, `${b.name}: ${counts(b)}`));
    const go = () => b.guid && enter(b.guid);
    shape.addEventListener("click", go);
    shape.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    gB.append(shape);
  }
  root.append(gB);
  const gL = svg("g", { class: "campus-links" });
  for (const { k, line } of links) {
    const l = svg("path", { d: d(line), class: `campus-link ${k.kind}`, "data-id": k.id, "data-kind": k.kind, "stroke-width": 3 * unit, fill: "none" });
    l.append(svg("title", {}, `${k.kind} ${k.name} (${Math.round(k.length_m)} m)`));
    gL.append(l);
  }
  root.append(gL);
  const gT = svg("g", { class: "campus-labels" });
  for (const { b, rs } of shapes) {
    const ring = rs[0]?.[0];
    if (!ring) continue;
    const cx = ring.reduce((s, p) => s + p[0], 0) / ring.length;
    const cy = ring.reduce((s, p) => s + p[1], 0) / ring.length;
    gT.append(svg("text", { x: cx, y: cy, "font-size": 14 * unit, class: "campus-name", "text-anchor": "middle" }, b.name));
    gT.append(svg("text", { x: cx, y: cy + 16 * unit, "font-size": 12 * unit, class: "campus-count", "data-key": b.key, "text-anchor": "middle" }, counts(b)));
  }
  root.append(gT);
  const gTech = svg("g", { class: "campus-techs" });
  for (const { t, at } of techs) {
    const dot = svg("circle", { cx: at[0], cy: at[1], r: 5 * unit, class: "campus-tech", "data-id": t.id });
    dot.append(svg("title", {}, `${t.name} (outdoors)`));
    gTech.append(dot);
  }
  root.append(gTech);
  return root;
}

/** Fetch /campus and draw it; resolves to the data (null when no campus is served). */
export async function show() {
  host.dataset.ready = "0";
  data = await get("/campus");
  const toggle = el("button", {
    type: "button", class: "campus-toggle", "aria-pressed": String(mode === "3d"),
    title: "Show the whole campus in 3D, each building placed by its georeferencing",
  }, "3D");
  toggle.addEventListener("click", () => { mode = mode === "3d" ? "map" : "3d"; show(); }); // errors: main.js's handler
  const head = el("div", { class: "campus-head" },
    el("strong", {}, data.name), " ",
    el("span", { class: "muted" }, `${data.buildings.length} buildings · ${data.paths.length} paths · ${data.connections.length} bridges/tunnels · ${data.technicians_outdoors.length} technician(s) outdoors`),
    toggle);
  const notes = data.has_paths ? [] : [el("p", { class: "muted" }, data.assumptions.join("; "))];
  if (mode === "3d") {
    // the 3D campus (issue 17): three.js and campus3d.js are fetched on the first 3D click only
    if (!view3d) {
      const box = el("div", { id: "campus3d", class: "campus3d", "aria-label": "Campus in 3D" });
      view3d = { box, scene: null };
    }
    host.replaceChildren(head, view3d.box, ...notes);
    host.dataset.mode = "3d";
    host.dataset.buildings = String(data.buildings.length);
    host.dataset.technicians = String(data.technicians_outdoors.length);
    host.dataset.ready = "1";
    if (!view3d.scene) {
      const { CampusScene } = await import("./campus3d.js");
      view3d.scene ||= new CampusScene(view3d.box, { enter });
    }
    await view3d.scene.show(data);
    return data;
  }
  const drawing = draw(data);
  host.replaceChildren(head, ...(drawing ? [drawing] : []), ...notes);
  host.dataset.mode = "map";
  host.dataset.buildings = String(data.buildings.length);
  host.dataset.technicians = String(data.technicians_outdoors.length);
  host.dataset.ready = "1";
  return data;
}
