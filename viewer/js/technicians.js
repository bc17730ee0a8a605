// Technician positions: /technicians, refreshed on every "technician" server-sent event, drawn on
// the plan (a dot with initials at the reported point, else at the centre of the reported room)
// and handed to the 3D view. The "Technicians" layer switches them off.
import { get, has } from "./api.js";
import { svg as svgEl } from "./dom.js";

let list = [];
let pending = null;

export const all = () => list;

/** Reload the list (coalesces bursts of events into one request). */
export function refresh() {
  if (!has("/technicians")) return Promise.resolve(list);
  pending ||= get("/technicians")
    .then((res) => { list = Array.isArray(res) ? res : res.items || []; return list; })
    .catch(() => list)
    .finally(() => { pending = null; });
  return pending;
}

const initials = (name) => (name || "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();

/** Plan point (SVG units: metres, y flipped) of a technician on this storey, or null. */
function planPoint(t, svg, storey) {
  const room = t.space && svg.querySelector(`[data-kind="space"][data-guid="${CSS.escape(t.space)}"]`);
  if (t.storey !== storey && !room) return null;
  if (t.position) return [t.position[0], -t.position[1]];
  if (!room?.getBBox) return null;
  const b = room.getBBox();
  return [b.x + b.width / 2, b.y + b.height / 2];
}

/** Draw the markers into the plan's SVG (replacing earlier ones); returns how many were drawn. */
export function drawPlan(svg, storey, on) {
  svg?.querySelector("#technician-layer")?.remove();
  if (!svg || !on) return 0;
  const g = svgEl("g", { id: "technician-layer", class: "technicians" });
  const vb = svg.viewBox.baseVal;
  const r = Math.max(0.35, Math.min(vb?.width || 40, vb?.height || 40) / 60);
  let n = 0;
  for (const t of list) {
    const p = planPoint(t, svg, storey);
    if (!p) continue;
    g.appendChild(svgEl("g", {
      class: `technician ${t.busy_with ? "busy" : ""} ${t.shift || ""}`,
      "data-technician": t.id,
      "data-space": t.space || "",
      transform: `translate(${p[0]},${p[1]})`,
    },
    svgEl("title", {}, `${t.name ?? ""} (${t.shift ?? ""}${t.busy_with ? `, ticket ${t.busy_with}` : ""})`),
    svgEl("circle", { r }),
    svgEl("text", { y: r * 0.35, "font-size": r, "text-anchor": "middle" }, initials(t.name))));
    n++;
  }
  svg.appendChild(g);
  return n;
}
