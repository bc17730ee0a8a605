// SVG floor plan: fetch per storey (with layer query parameters), pan/zoom, scale bar, click → select.
import { get, has, optional, q } from "./api.js";
import { svg as svgEl } from "./dom.js";

const host = document.getElementById("plan");
let svg = null;
let view = null; // {x, y, w, h} current viewBox
let home = null;
let unitsPerMetre = 1;
let onSelect = () => {};
let loadSeq = 0;

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
  apply();
  requestAnimationFrame(() => {
    performance.mark("plan-painted");
    performance.measure("plan-paint", "plan-start", "plan-painted");
    host.dataset.ready = "1";
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

/** Draw extra geometry (route polylines etc.) in plan coordinates: [[x,y],...] lists. */
export function drawOverlay(id, lines, cls) {
  if (!svg) return;
  svg.querySelector(`#${id}`)?.remove();
  if (!lines?.length) return;
  svg.appendChild(svgEl("g", { id, class: cls },
    lines.map((pts) => svgEl("polyline", { points: pts.map(([x, y]) => `${x},${y}`).join(" ") }))));
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
}

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
    if (!moved) pick(e.target, start);
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
