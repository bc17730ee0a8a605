// The one colour table of what the viewer paints itself: plan state fills (CSS custom properties
// set from here at start), 3D state overlays (scene3d.js) and the legend (key.js) all read it, so a
// legend swatch is the colour on screen. Okabe-Ito colours (distinguishable with the common colour
// vision deficiencies); the old alarm pink / ticket orange pair was the complaint of issue 13.
// Overlays the server draws into plan.svg (alarm severity, ticket priority, heat map) keep the
// server's own table (twin/export/live_overlays.py) and their own legend inside the plan.

/** state -> {colour, label}; the order is the legend's. */
export const PALETTE = Object.freeze({
  alarm: { colour: "#d55e00", label: "Active alarm" }, // vermillion
  ticket: { colour: "#cc79a7", label: "Open ticket" }, // reddish purple
  selected: { colour: "#0072b2", label: "Selected" }, // blue
  technician: { colour: "#009e73", label: "Technician" }, // bluish green
  critical: { colour: "#e69f00", label: "Critical room (dashed outline)" }, // orange
  out_of_service: { colour: "#7a7a7a", label: "Out of service" }, // grey
  route: { colour: "#56b4e9", label: "Route" }, // sky blue
  trace: { colour: "#f0e442", label: "Traced element" }, // yellow
  isolate: { colour: "#000000", label: "Valve to close (numbered)" }, // black
});

/** A palette colour as a number for three.js. */
export const hex = (state) => parseInt(PALETTE[state].colour.slice(1), 16);

/** Give the page's CSS the palette as custom properties (--state-alarm, ...). */
export function applyToCss(root = document.documentElement) {
  for (const [state, { colour }] of Object.entries(PALETTE)) root.style.setProperty(`--state-${state}`, colour);
}
