// Side panel: properties, sensors with latest values, alarms and tickets of the selection.
import { get, has, optional, post, q } from "./api.js";
import { el } from "./dom.js";

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
    return item;
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
    : [["Class", item.ifc_class], ["Kind", item.kind], ["Type", item.type_name], ["Space", item.space], ["Systems", (item.systems || []).join(", ")]];
  rows.push(["GlobalId", item.guid]);
  const pairs = (entries) => entries.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]);
  const psets = Object.entries(item.psets || {}).map(([n, props]) => el("details", {}, el("summary", {}, n),
    el("dl", {}, pairs(Object.entries(props).map(([k, v]) => [k, v !== null && typeof v === "object" ? JSON.stringify(v) : v])))));
  const live = (h, label, id, cls) => el("section", { "aria-labelledby": h }, el("h3", { id: h }, label),
    el("ul", { id, class: cls }, el("li", { class: "muted" }, "—")));
  box.replaceChildren(
    el("h2", { id: "sel-title", "data-guid": item.guid }, title),
    el("dl", { class: "props" }, pairs(rows.filter(([, v]) => v))),
    live("sens-h", "Sensors", "sel-sensors", "sensors"),
    live("al-h", "Alarms", "sel-alarms", "alarms"),
    live("tk-h", "Tickets", "sel-tickets", null),
    psets.length ? el("section", {}, el("h3", {}, "Property sets"), psets) : null);
  box.dataset.space = space ? "1" : "";
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
