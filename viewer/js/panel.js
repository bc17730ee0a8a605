// Side panel: the selection's actions (actions.js), properties, sensors with latest values, alarms
// and tickets of the selection.
import { get, has, optional, post, q } from "./api.js";
import { el } from "./dom.js";
import * as actions from "./actions.js";

const box = document.getElementById("details");
let current = null;

export async function show(guid, kind) {
  current = { guid, kind };
  box.innerHTML = `<p class="muted">Loading…</p>`;
  try {
    if (!kind) {
      const hit = (await get(`/search${q({ q: guid, limit: 5 })}`)).find((h) => h.guid === guid);
      kind = hit ? hit.kind || hit.type : "element";
    }
    const isSpace = kind === "space";
    let item = isSpace ? await optional(`/spaces/${encodeURIComponent(guid)}`) : null;
    const space = !!item;
    if (!item) item = await get(`/elements/${encodeURIComponent(guid)}`);
    if (current?.guid !== guid) return null;
    render(item, space);
    await refreshLive();
    return { ...item, kind: space ? "space" : item.kind };
  } catch (err) {
    box.replaceChildren(el("p", { class: "error-inline", role: "alert" }, err.message));
    return null;
  }
}

export function clear() {
  current = null;
  box.innerHTML = `<p class="muted">Select a room or element.</p>`;
}

function render(item, space) {
  const title = space ? `${item.number} ${item.long_name || item.name}` : `${item.name || item.ifc_class}`;
  const rows = space
    ? [["Number", item.number], ["Name", item.name], ["Category", item.category], ["Criticality", item.criticality], ["Area", item.area != null ? `${item.area} m²` : ""]]
    : [["Class", item.ifc_class], ["Kind", item.kind], ["Type", item.type_name], ["Room", roomLabel(item.space)], ["Systems", (item.systems || []).length ? `${item.systems.length}` : ""]];
  rows.push(["GlobalId", item.guid]);
  const acts = el("section", { id: "sel-actions", class: "sel-actions", "aria-label": "Actions" });
  const pairs = (entries) => entries.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]);
  const psets = Object.entries(item.psets || {}).map(([n, props]) => el("details", {}, el("summary", {}, n),
    el("dl", {}, pairs(Object.entries(props).map(([k, v]) => [k, v !== null && typeof v === "object" ? JSON.stringify(v) : v])))));
  const live = (h, label, id, cls) => el("section", { "aria-labelledby": h }, el("h3", { id: h }, label),
    el("ul", { id, class: cls }, el("li", { class: "muted" }, "—")));
  box.replaceChildren(
    el("h2", { id: "sel-title", "data-guid": item.guid }, title),
    acts,
    el("dl", { class: "props" }, pairs(rows.filter(([, v]) => v))),
    asset(item, space),
    live("sens-h", "Sensors", "sel-sensors", "sensors"),
    live("al-h", "Alarms", "sel-alarms", "alarms"),
    live("tk-h", "Tickets", "sel-tickets", null),
    psets.length ? el("section", {}, el("h3", {}, "Property sets"), psets) : null);
  box.dataset.space = space ? "1" : "";
  actions.render(acts, item, space);
  if (!space && item.space) fillRoom(item.space);
}

// the element's room as its number and name (the plan's shape, else /spaces), never a GlobalId
const roomLabel = (g) => {
  const s = g && document.querySelector(`#plan [data-kind="space"][data-guid="${CSS.escape(g)}"]`);
  return s ? s.dataset.number || "…" : g ? "…" : "";
};
async function fillRoom(g) {
  const s = await optional(`/spaces/${encodeURIComponent(g)}`).catch(() => null);
  const dd = [...box.querySelectorAll(".props dt")].find((dt) => dt.textContent === "Room")?.nextElementSibling;
  if (s && dd) dd.textContent = `${s.number} ${s.long_name || ""}`.trim();
}

// the asset register's fields of a maintainable element (tag, serial, manufacturer...), when the
// API has the register; filled in after the panel is drawn
const ASSET_KINDS = new Set(["valve", "pump", "terminal", "equipment", "sensor", "actuator", "alarm", "controller", "meter", "lift"]);
function asset(item, space) {
  if (space || !ASSET_KINDS.has(item.kind) || !has("/assets/{}")) return null;
  const dl = el("dl", { class: "props", id: "sel-asset" });
  const sec = el("section", { hidden: "" }, el("h3", {}, "Asset"), dl);
  optional(`/assets/${encodeURIComponent(item.guid)}`).then((a) => {
    if (!a || current?.guid !== item.guid) return;
    const rows = (a.fields || []).filter((f) => f.value).map((f) => [f.name.replace(/_/g, " "), f.value]);
    dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
    sec.hidden = !rows.length;
  }).catch(() => {});
  return sec;
}

/** Re-read the live parts (latest readings, alarms, tickets) of the current selection. */
export async function refreshLive() {
  if (!current) return;
  const { guid } = current;
  const [latest, alarms, tickets] = await Promise.all([
    box.dataset.space && has("/spaces/{}/latest") ? optional(`/spaces/${encodeURIComponent(guid)}/latest`) : null,
    has("/alarms") ? optional(`/alarms${q({ state: "active" })}`) : null,
    has("/tickets") ? optional("/tickets") : null,
  ].map((p) => Promise.resolve(p).catch(() => null)));
  if (current?.guid !== guid) return;
  const list = (id, items, fmt) => {
    const ul = document.getElementById(id);
    if (!ul) return;
    ul.replaceChildren(...(items === null ? [el("li", { class: "muted" }, "not available")]
      : items.length ? items.map(fmt) : [el("li", { class: "muted" }, "none")]));
  };
  const readings = latest ? (Array.isArray(latest) ? latest : latest.sensors || latest.readings || latest.items || []) : null;
  list("sel-sensors", readings, (r) => el("li", { "data-sensor": r.sensor || r.guid },
    el("span", {}, r.quantity || r.name || r.sensor), " ", el("b", { class: "value" }, fmtVal(r.value)), ` ${r.unit || ""} `,
    el("small", {}, r.t ? new Date(r.t).toLocaleTimeString() : "")));
  const mine = (xs) => xs && (Array.isArray(xs) ? xs : xs.items || []).filter((a) => [a.space, a.element, a.sensor, a.location].includes(guid) || (a.spaces || []).includes(guid));
  list("sel-alarms", mine(alarms), (a) => el("li", { class: "alarm-item", "data-alarm": a.id },
    el("b", {}, a.severity || ""), ` ${a.message || a.kind || a.quantity || "alarm"} `,
    el("button", { "data-ack": a.id, "aria-label": `Acknowledge alarm ${a.id}` }, "Ack")));
  list("sel-tickets", mine(tickets), (t) => el("li", {}, `#${t.id} ${t.title || t.summary || ""} `, el("small", {}, t.state || t.status || "")));
  for (const b of box.querySelectorAll("[data-ack]")) {
    b.addEventListener("click", async () => {
      try { await post(`/alarms/${encodeURIComponent(b.dataset.ack)}/ack`, {}); await refreshLive(); }
      catch (err) { b.replaceWith(Object.assign(document.createElement("small"), { textContent: err.message })); }
    });
  }
}

const fmtVal = (v) => (typeof v === "number" ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)) : v);
export const selected = () => current;
