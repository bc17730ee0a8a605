// The legend ("key") of what the viewer shows now: one entry per palette state present on the
// current plan (rooms with an alarm, a ticket, the selection, technicians drawn, critical rooms),
// with how many; nothing shown, no entry. Lives in the side panel, so it never covers the plan.
import { PALETTE } from "./palette.js";
import { el } from "./dom.js";

const box = document.getElementById("key");

// state -> how to count it on the plan svg
const COUNT = {
  alarm: (svg) => svg.querySelectorAll(".alarm").length,
  ticket: (svg) => svg.querySelectorAll(".ticket").length,
  selected: (svg) => svg.querySelectorAll(".selected").length,
  technician: (svg) => svg.querySelectorAll("[data-technician]").length,
  route: (svg) => (svg.querySelector(".drawn-route polyline") ? 1 : 0),
  trace: (svg) => svg.querySelectorAll(".traced").length,
  isolate: (svg) => svg.querySelectorAll("#isolate-valves [data-guid]").length,
  critical: (svg) => svg.querySelectorAll('[data-kind="space"][data-criticality]:not([data-criticality=""]):not([data-criticality="none"]):not([data-criticality="normal"])').length,
};

/** Rebuild the legend from the plan as drawn now. */
export function update(svg) {
  const rows = [];
  for (const [state, count] of Object.entries(COUNT)) {
    const n = svg ? count(svg) : 0;
    if (!n) continue;
    const { colour, label } = PALETTE[state];
    rows.push(el("li", { "data-state": state },
      el("span", { class: `swatch swatch-${state}`, style: `background:${colour}`, "aria-hidden": "true" }),
      el("span", {}, label), " ", el("small", { class: "muted" }, String(n))));
  }
  box.querySelector("ul").replaceChildren(...rows);
  box.hidden = !rows.length;
}
