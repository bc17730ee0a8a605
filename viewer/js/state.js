// Shared view state mirrored in the URL hash (view, building, storey, selection) so links reopen a view.
const listeners = new Set();
export const state = { view: "plan", building: null, storey: null, selection: null, layers: {} };

export function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  return {
    view: ["3d", "campus"].includes(p.get("view")) ? p.get("view") : "plan",
    building: p.get("building"),
    storey: p.get("storey"),
    selection: p.get("sel"),
  };
}

function writeHash() {
  const p = new URLSearchParams();
  p.set("view", state.view);
  if (state.building) p.set("building", state.building);
  if (state.storey) p.set("storey", state.storey);
  if (state.selection) p.set("sel", state.selection);
  const h = `#${p}`;
  if (location.hash !== h) history.replaceState(null, "", h);
}

export function set(patch) {
  const changed = Object.keys(patch).filter((k) => state[k] !== patch[k]);
  if (!changed.length) return;
  Object.assign(state, patch);
  writeHash();
  for (const fn of listeners) fn(changed, state);
}

export const subscribe = (fn) => listeners.add(fn);
