// SVG floor plan: fetch per storey (with layer query parameters), pan/zoom, scale bar, click → select.
// Room labels keep a readable size at any zoom (hidden when too small to read, capped when large)
// and give way to the overlay legend, which stays in the plan's top-left corner at a fixed size.
import { get, has, optional, q } from "./api.js";
import { svg as svgEl } from "./dom.js";

const host = document.getElementById("plan");
let svg = null;
let view = null; // {x, y, w, h} current viewBox
let home = null;
let unitsPerMetre = 1;
let onSelect = () => {};
let loadSeq = 0;
let picking = null; // resolve() of a pending pickPoint()
let fitQueued = false, painting = false;
// room label sizes on screen, CSS pixels: smaller is hidden, larger is capped
const LABEL_MIN_PX = 7, LABEL_MAX_PX = 15, LEGEND_ROW_PX = 17;

export function init({ select }) {
  onSelect = select;
  host.addEventListener("wheel", onWheel, { passive: false });
  host.addEventListener("pointerdown", onPointerDown);
  host.addEventListener("keydown", onKey);
  document.getElementById("zoom-in").addEventListener("click", () => zoom(1 / 1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(1.25));
  document.getElementById("zoom-fit").addEventListener("click", fit);
  new ResizeObserver(() => drawScale()).observe(host);
}

/** Load the plan of a storey; params are the layer query parameters (overlay, route, trace...). */
export async function load(storey, params = {}) {
  const seq = ++loadSeq;
  performance.mark("plan-start");
  // the server's plan is markup its exporter escaped (twin/export/plan_svg.py); the fallback is
  // built here from API data, so as elements (dom.js), never as a string
  const text = has("/storeys/{}/plan.svg") ? await optional(`/storeys/${encodeURIComponent(storey)}/plan.svg${q(params)}`, "text") : null;
  const fallback = text === null ? fallbackSvg(await get(`/storeys/${encodeURIComponent(storey)}/spaces`)) : null;
  if (seq !== loadSeq) return null;
  const keep = svg && view && host.dataset.storey === storey ? { ...view } : null;
  if (fallback) host.replaceChildren(fallback);
  else host.innerHTML = text;
  svg = host.querySelector("svg");
  host.dataset.storey = storey;
  host.dataset.fallback = fallback ? "1" : "";
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Floor plan");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  unitsPerMetre = parseFloat(svg.dataset.unitsPerMetre || svg.getAttribute("data-units-per-metre")) || 1;
  const vb = svg.viewBox.baseVal;
  home = vb && vb.width ? { x: vb.x, y: vb.y, w: vb.width, h: vb.height } : bboxOf(svg);
  view = keep || { ...home };
  prepareLegend();
  apply();
  painting = true; // labels are fitted after the first paint, not before it
  requestAnimationFrame(() => {
    performance.mark("plan-painted");
    performance.measure("plan-paint", "plan-start", "plan-painted");
    host.dataset.ready = "1";
    painting = false;
    requestAnimationFrame(fitLabels); // the frame after the first paint: the paint is not delayed
  });
  return svg;
}

export const rooms = () => (svg ? [...svg.querySelectorAll('[data-kind="space"]')] : []);
export const shapeOf = (guid) => svg?.querySelector(`[data-guid="${CSS.escape(guid)}"]`) || null;

/** Mark rooms with a CSS class (alarm, ticket, selected); previous marks of that class are removed. */
export function mark(cls, guids) {
  if (!svg) return;
  for (const el of svg.querySelectorAll(`.${cls}`)) el.classList.remove(cls);
  for (const g of guids) shapeOf(g)?.classList.add(cls);
}

/** Centre the view on an element's shape (used by search and selection from other views). */
export function focus(guid) {
  const el = shapeOf(guid);
  if (!el || !el.getBBox) return;
  const b = el.getBBox();
  const w = Math.max(b.width * 4, home.w / 6), h = Math.max(b.height * 4, home.h / 6);
  view = { x: b.x + b.width / 2 - w / 2, y: b.y + b.height / 2 - h / 2, w, h };
  apply();
}

/** Draw extra geometry (route polylines etc.) in plan coordinates: [[x,y],...] lists; `attrs`
 * go on the group (e.g. data-length). */
export function drawOverlay(id, lines, cls, attrs = {}) {
  if (!svg) return;
  svg.querySelector(`#${id}`)?.remove();
  if (!lines?.length) return;
  svg.appendChild(svgEl("g", { id, class: cls, ...attrs },
    lines.map((pts) => svgEl("polyline", { points: pts.map(([x, y]) => `${x},${y}`).join(" ") }))));
}

/** Ringed markers at model points [{x, y, guid, label}] (metres, Y up; drawn Y flipped), sized
 * for the current zoom; replaces the group `id`. */
export function drawMarkers(id, points, cls) {
  if (!svg) return 0;
  svg.querySelector(`#${id}`)?.remove();
  if (!points?.length) return 0;
  const r = Math.max(0.3, (home?.w || 40) / 90);
  svg.appendChild(svgEl("g", { id, class: cls }, points.map((p, i) => svgEl("g", {
    "data-guid": p.guid, "data-kind": p.kind || "", transform: `translate(${p.x},${-p.y})`, class: "marker",
  }, svgEl("title", {}, p.label || ""), svgEl("circle", { r }), svgEl("text", { y: r * 0.35, "font-size": r, "text-anchor": "middle" }, String(i + 1))))));
  return points.length;
}

export const removeOverlay = (id) => svg?.querySelector(`#${id}`)?.remove();

/** Mark shapes with a class without removing earlier marks of other callers (trace, isolate). */
export const marked = (cls) => (svg ? [...svg.querySelectorAll(`.${cls}`)].map((e) => e.dataset.guid) : []);

/** The next click on the plan as a model point [x, y] (metres, Y up) instead of a selection;
 * Escape cancels (null). */
export function pickPoint() {
  picking?.(null);
  host.classList.add("picking");
  return new Promise((resolve) => {
    const done = (v) => { picking = null; host.classList.remove("picking"); document.removeEventListener("keydown", esc); resolve(v); };
    const esc = (e) => { if (e.key === "Escape") done(null); };
    document.addEventListener("keydown", esc);
    picking = done;
  });
}

/** Frame plan points [[x, y], ...] (SVG units) and the shapes of `guids`, with a margin: what was
 * just drawn (valves to close, a route, a trace) comes into view. */
export function frame(points, guids = []) {
  if (!svg || !home) return;
  const pts = [...points];
  for (const g of guids) {
    const b = shapeOf(g)?.getBBox?.();
    if (b) pts.push([b.x, b.y], [b.x + b.width, b.y + b.height]);
  }
  if (!pts.length) return;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const w = Math.max((x1 - x0) * 1.3, home.w / 8), h = Math.max((y1 - y0) * 1.3, home.h / 8);
  view = { x: (x0 + x1) / 2 - w / 2, y: (y0 + y1) / 2 - h / 2, w, h };
  apply();
}

/** Centre of a drawn shape in model metres [x, y], or null. */
export function centreOf(guid) {
  const el = shapeOf(guid);
  if (!el?.getBBox) return null;
  const b = el.getBBox();
  return [b.x + b.width / 2, -(b.y + b.height / 2)];
}

function fallbackSvg(spaces) {
  // Plan endpoint absent: outline rooms from their bounding boxes (metres, y up → flipped).
  const boxes = spaces.filter((s) => s.bbox);
  const xs = boxes.flatMap((s) => [s.bbox[0], s.bbox[3]]), ys = boxes.flatMap((s) => [-s.bbox[4], -s.bbox[1]]);
  const [x0, x1, y0, y1] = [Math.min(...xs, 0) - 1, Math.max(...xs, 1) + 1, Math.min(...ys, 0) - 1, Math.max(...ys, 1) + 1];
  const parts = boxes.map((s) => {
    const [a, b, , c, d] = s.bbox;
    const pts = `${a},${-b} ${c},${-b} ${c},${-d} ${a},${-d}`;
    return svgEl("g", {},
      svgEl("polygon", { points: pts, "data-guid": s.guid, "data-kind": "space", "data-number": s.number, "data-criticality": s.criticality || "" }),
      svgEl("text", { x: (a + c) / 2, y: -(b + d) / 2, "font-size": 0.6, "text-anchor": "middle" }, s.number || s.name));
  });
  return svgEl("svg", { viewBox: `${x0} ${y0} ${x1 - x0} ${y1 - y0}`, class: "fallback-plan" }, parts);
}

function bboxOf(el) {
  const b = el.getBBox();
  return { x: b.x, y: b.y, w: b.width || 1, h: b.height || 1 };
}

function apply() {
  svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  drawScale();
  if (!fitQueued && !painting) { fitQueued = true; requestAnimationFrame(() => { fitQueued = false; fitLabels(); }); }
}

/** Screen pixels per plan unit now (the SVG keeps its aspect ratio, "meet"). */
function pxPerUnit() {
  const r = host.getBoundingClientRect();
  return view && r.width ? Math.min(r.width / view.w, r.height / view.h) : 0;
}

/** The overlay legend the server draws (top-left of the plan, in model units): a backing so it
 * reads over the rooms; fitLabels() keeps it in the corner at a fixed screen size. */
function prepareLegend() {
  const g = svg?.querySelector(".layer-overlay .legend");
  if (!g || g.querySelector(".legend-back")) return;
  g.removeAttribute("transform");
  const b = g.getBBox();
  g.insertBefore(svgEl("rect", { class: "legend-back", x: b.x - 0.4, y: b.y - 0.4, width: b.width + 0.8, height: b.height + 0.8, rx: 0.3 }), g.firstChild);
  g.dataset.h = String(b.height / Math.max(1, g.querySelectorAll("rect:not(.legend-back)").length));
}

/** Room labels readable at this zoom, none under a legend (the plan's or the heat-map box). */
function fitLabels() {
  if (!svg || !view) return;
  const px = pxPerUnit();
  if (!px) return;
  const legend = svg.querySelector(".layer-overlay .legend");
  if (legend) {
    const corner = new DOMPoint(host.getBoundingClientRect().left + 8, host.getBoundingClientRect().top + 8).matrixTransform(svg.getScreenCTM().inverse());
    const k = LEGEND_ROW_PX / ((+legend.dataset.h || 1.2) * px);
    const b = legend.querySelector(".legend-back")?.getBBox();
    legend.setAttribute("transform", `translate(${corner.x - (b?.x || 0) * k},${corner.y - (b?.y || 0) * k}) scale(${k})`);
  }
  const boxes = [legend?.getBoundingClientRect(), document.getElementById("legend")?.hidden === false ? document.getElementById("legend").getBoundingClientRect() : null].filter(Boolean);
  let shown = 0, under = 0;
  const visible = [];
  for (const t of svg.querySelectorAll("text.label[data-guid]")) { // writes first, then reads: one layout
    const fs = +(t.dataset.fs ||= t.getAttribute("font-size") || "0.4");
    const screen = fs * px;
    const k = screen > LABEL_MAX_PX ? LABEL_MAX_PX / screen : 1;
    t.setAttribute("font-size", String(fs * k));
    for (const ts of t.querySelectorAll("tspan[font-size]")) ts.setAttribute("font-size", String(+(ts.dataset.fs ||= ts.getAttribute("font-size")) * k));
    t.style.display = screen < LABEL_MIN_PX ? "none" : "";
    if (screen >= LABEL_MIN_PX) visible.push(t);
  }
  const covered = boxes.length ? visible.filter((t) => {
    const r = t.getBoundingClientRect();
    return boxes.some((b) => r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top);
  }) : [];
  for (const t of covered) t.style.display = "none";
  under = covered.length;
  shown = visible.length - under;
  host.dataset.labels = String(shown);
  host.dataset.labelsUnderLegend = String(under);
}

/** Re-fit labels (e.g. after the heat-map legend box appeared). */
export const refit = () => fitLabels();

function fit() { if (home) { view = { ...home }; apply(); } }

function zoom(f, cx = view?.x + view?.w / 2, cy = view?.y + view?.h / 2) {
  if (!view) return;
  const w = Math.min(Math.max(view.w * f, home.w / 200), home.w * 5);
  const k = w / view.w;
  view = { x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k, w, h: view.h * k };
  apply();
}

function pan(dx, dy) { view.x += dx * view.w; view.y += dy * view.h; apply(); }

function toSvg(evt) {
  const m = svg.getScreenCTM().inverse();
  const p = new DOMPoint(evt.clientX, evt.clientY).matrixTransform(m);
  return [p.x, p.y];
}

function onWheel(evt) {
  if (!svg) return;
  evt.preventDefault();
  const [cx, cy] = toSvg(evt);
  zoom(evt.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
}

function onPointerDown(evt) {
  if (!svg || evt.button !== 0) return;
  const start = toSvg(evt), v0 = { ...view }, sx = evt.clientX, sy = evt.clientY;
  let moved = false;
  const move = (e) => {
    if (Math.hypot(e.clientX - sx, e.clientY - sy) > 4) moved = true;
    if (!moved) return;
    const ctm = svg.getScreenCTM();
    view = { ...v0, x: v0.x - (e.clientX - sx) / ctm.a, y: v0.y - (e.clientY - sy) / ctm.d };
    apply();
  };
  const up = (e) => {
    host.removeEventListener("pointermove", move);
    host.removeEventListener("pointerup", up);
    if (moved) return;
    if (picking) { const [x, y] = toSvg(e); picking([x, -y]); return; }
    pick(e.target, start);
  };
  host.addEventListener("pointermove", move);
  host.addEventListener("pointerup", up);
}

function pick(target) {
  // Prefer an element symbol over the room it sits in; the closest data-guid wins.
  const hit = target.closest?.("[data-guid]");
  if (hit) onSelect(hit.dataset.guid, hit.dataset.kind);
}

function onKey(evt) {
  const keys = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
  if (keys[evt.key]) { pan(...keys[evt.key]); evt.preventDefault(); }
  else if (evt.key === "+" || evt.key === "=") { zoom(1 / 1.25); evt.preventDefault(); }
  else if (evt.key === "-" || evt.key === "_") { zoom(1.25); evt.preventDefault(); }
  else if (evt.key === "0") fit();
  else if (evt.key === "Enter") {
    const el = document.activeElement?.closest?.("[data-guid]");
    if (el) onSelect(el.dataset.guid, el.dataset.kind);
  }
}

function drawScale() {
  const bar = document.getElementById("scalebar");
  if (!svg || !view || !host.clientWidth) return;
  const rect = svg.getBoundingClientRect();
  const pxPerUnit = Math.min(rect.width / view.w, rect.height / view.h);
  const pxPerMetre = pxPerUnit * unitsPerMetre;
  const target = 100 / pxPerMetre;
  const nice = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((n) => n >= target) || target;
  const px = Math.round(nice * pxPerMetre);
  bar.setAttribute("width", String(px + 8)); // the label sits at the bar's end: keep it inside
  bar.innerHTML = `<rect x="2" y="14" width="${px}" height="5" class="sb"/>` +
    `<text x="2" y="11">0</text><text x="${px}" y="11" text-anchor="end">${nice} m</text>`;
  bar.setAttribute("aria-label", `Scale bar: ${nice} metres`);
}
