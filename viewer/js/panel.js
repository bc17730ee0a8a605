// Side panel: properties, sensors with latest values, alarms and tickets of the selection.
import { get, has, optional, post, q } from "./api.js";

const box = document.getElementById("details");
let current = null;
const esc = (t) => String(t ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
    box.innerHTML = `<p class="error-inline" role="alert">${esc(err.message)}</p>`;
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
  const psets = Object.entries(item.psets || {}).map(([n, props]) =>
    `<details><summary>${esc(n)}</summary><dl>${Object.entries(props).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === "object" ? JSON.stringify(v) : v)}</dd>`).join("")}</dl></details>`).join("");
  box.innerHTML = `<h2 id="sel-title" data-guid="${esc(item.guid)}">${esc(title)}</h2>
    <dl class="props">${rows.filter(([, v]) => v).map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("")}</dl>
    <section aria-labelledby="sens-h"><h3 id="sens-h">Sensors</h3><ul id="sel-sensors" class="sensors"><li class="muted">—</li></ul></section>
    <section aria-labelledby="al-h"><h3 id="al-h">Alarms</h3><ul id="sel-alarms" class="alarms"><li class="muted">—</li></ul></section>
    <section aria-labelledby="tk-h"><h3 id="tk-h">Tickets</h3><ul id="sel-tickets"><li class="muted">—</li></ul></section>
    ${psets ? `<section><h3>Property sets</h3>${psets}</section>` : ""}`;
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
    ul.innerHTML = items === null ? `<li class="muted">not available</li>` : items.length ? items.map(fmt).join("") : `<li class="muted">none</li>`;
  };
  const readings = latest ? (Array.isArray(latest) ? latest : latest.sensors || latest.readings || latest.items || []) : null;
  list("sel-sensors", readings, (r) => `<li data-sensor="${esc(r.sensor || r.guid)}"><span>${esc(r.quantity || r.name || r.sensor)}</span> <b class="value">${esc(fmtVal(r.value))}</b> ${esc(r.unit || "")} <small>${esc(r.t ? new Date(r.t).toLocaleTimeString() : "")}</small></li>`);
  const mine = (xs) => xs && (Array.isArray(xs) ? xs : xs.items || []).filter((a) => [a.space, a.element, a.sensor, a.location].includes(guid) || (a.spaces || []).includes(guid));
  list("sel-alarms", mine(alarms), (a) => `<li class="alarm-item" data-alarm="${esc(a.id)}"><b>${esc(a.severity || "")}</b> ${esc(a.message || a.kind || a.quantity || "alarm")} <button data-ack="${esc(a.id)}" aria-label="Acknowledge alarm ${esc(a.id)}">Ack</button></li>`);
  list("sel-tickets", mine(tickets), (t) => `<li>#${esc(t.id)} ${esc(t.title || t.summary || "")} <small>${esc(t.state || t.status || "")}</small></li>`);
  for (const b of box.querySelectorAll("[data-ack]")) {
    b.addEventListener("click", async () => {
      try { await post(`/alarms/${encodeURIComponent(b.dataset.ack)}/ack`, {}); await refreshLive(); }
      catch (err) { b.replaceWith(Object.assign(document.createElement("small"), { textContent: err.message })); }
    });
  }
}

const fmtVal = (v) => (typeof v === "number" ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)) : v);
export const selected = () => current;
