// Alarm inbox (issue 13; API in docs/alarms.md): the open alarms of the building, highest priority
// then newest first, each with acknowledge and shelve (reason and expiry); the count per storey in
// the storey picker; a notice when a new critical alarm arrives (with an optional sound, off by
// default), and "follow": the view goes to the storey and room of a new critical alarm.
// Refreshed from the server-sent `alarm` events.
import { has, optional, post, q } from "./api.js";
import { el } from "./dom.js";

const box = document.getElementById("inbox");
const notice = document.getElementById("notice");
let data = null; // the last /alarm-inbox answer
let seen = null; // alarm ids seen so far (null until the first answer: those are not "new")
let ctx = { building: () => null, storeys: () => [], go: () => {}, changed: () => {} };
let pending = null, again = false, deferred = false;
const SHELF_MINUTES = [[15, "15 min"], [60, "1 hour"], [240, "4 hours"], [480, "8 hours"], [1440, "1 day"], [10080, "7 days"]];
const PRIORITY_RANK = { critical: 0, major: 1, minor: 2, info: 3 };

const pref = (k, dflt) => { const v = localStorage.getItem(`twin.inbox.${k}`); return v === null ? dflt : v === "1"; };
const setPref = (k, on) => localStorage.setItem(`twin.inbox.${k}`, on ? "1" : "0");

export function init(c) {
  ctx = { ...ctx, ...c };
  if (!box) return;
  box.hidden = !has("/alarm-inbox");
  if (box.hidden) return;
  const sound = el("input", { type: "checkbox", id: "inbox-sound", checked: pref("sound", false) ? "" : null });
  const follow = el("input", { type: "checkbox", id: "inbox-follow", checked: pref("follow", true) ? "" : null });
  sound.addEventListener("change", () => setPref("sound", sound.checked));
  follow.addEventListener("change", () => setPref("follow", follow.checked));
  box.replaceChildren(
    el("h2", { id: "inbox-h" }, "Alarm inbox ", el("small", { id: "inbox-count", class: "muted" }, "")),
    el("div", { class: "inbox-opts" },
      el("label", { title: "Go to the storey and room of a new critical alarm" }, follow, " Follow critical"),
      el("label", { title: "Beep when a critical alarm arrives" }, sound, " Sound")),
    el("ul", { id: "inbox-list", class: "inbox", "aria-labelledby": "inbox-h" }, el("li", { class: "muted" }, "Loading…")));
  box.addEventListener("click", onClick);
  box.addEventListener("submit", onShelve);
  notice?.addEventListener("click", (e) => {
    if (e.target.closest("[data-dismiss]")) { notice.hidden = true; return; }
    const id = e.target.closest("[data-go]")?.dataset.go;
    if (id) { notice.hidden = true; goTo(+id); }
  });
}

/** Re-read the inbox (bursts of events coalesce into one request at a time). */
export function refresh() {
  if (!box || box.hidden || !ctx.building()) return Promise.resolve(data);
  if (pending) { again = true; return pending; }
  pending = (async () => {
    try {
      do {
        again = false;
        const res = await optional(`/alarm-inbox${q({ building: ctx.building(), limit: 100 })}`);
        if (res) apply(res);
      } while (again);
    } catch (err) { console.warn("alarm inbox:", err.message); }
    finally { pending = null; }
    return data;
  })();
  return pending;
}

function apply(res) {
  const fresh = seen === null ? [] : res.items.filter((i) => !seen.has(i.alarm.id));
  seen = new Set([...(seen || []), ...res.items.map((i) => i.alarm.id)]);
  data = res;
  render();
  ctx.changed(res);
  const critical = fresh.filter((i) => i.alarm.severity === "critical" && i.inbox_state === "active-unacknowledged");
  if (critical.length) announce(critical[0]);
}

/** The most urgent open alarm (highest priority, then newest: the API's order), or null. */
export const mostUrgent = () => data?.items?.find((i) => i.inbox_state.startsWith("active")) || data?.items?.[0] || null;

/** Alarms per storey GlobalId (the inbox's matching alarms). */
export const perStorey = () => data?.by_storey || {};

const storeyName = (g) => ctx.storeys().find((s) => s.guid === g)?.name || "";
const ago = (t) => {
  const s = Math.max(0, (Date.now() - new Date(t)) / 1000);
  return s < 60 ? "just now" : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
};
const STATE_TEXT = { "active-unacknowledged": "new", "active-acknowledged": "acknowledged", "cleared-unacknowledged": "cleared, not acknowledged" };

function render() {
  const ul = document.getElementById("inbox-list");
  const items = [...(data?.items || [])].sort((a, b) => (PRIORITY_RANK[a.alarm.severity] ?? 9) - (PRIORITY_RANK[b.alarm.severity] ?? 9));
  document.getElementById("inbox-count").textContent = data ? `${data.total}${data.grouped ? ` (+${data.grouped} grouped)` : ""}` : "";
  // an open shelve form is the operator typing: the list is redrawn when it closes, not under them
  if (ul.querySelector("form.shelf")) { deferred = true; return; }
  deferred = false;
  ul.replaceChildren(...(items.length ? items.map((i) => {
    const a = i.alarm;
    const unacked = i.inbox_state.endsWith("unacknowledged");
    return el("li", { "data-alarm": a.id, "data-state": i.inbox_state, "data-priority": a.severity, class: `inbox-item ${unacked ? "unacked" : ""}` },
      el("div", { class: "inbox-line" },
        el("span", { class: `prio prio-${a.severity}` }, a.severity),
        el("button", { type: "button", class: "link", "data-go": a.id, title: "Show on the plan" }, a.message || a.kind)),
      el("div", { class: "inbox-line muted" },
        el("small", {}, [storeyName(a.storey), STATE_TEXT[i.inbox_state] || i.inbox_state, ago(a.raised),
          i.consequences?.length ? `${i.consequences.length} consequences` : ""].filter(Boolean).join(" · ")),
        unacked ? el("button", { type: "button", "data-ack": a.id, "aria-label": `Acknowledge: ${a.message}` }, "Ack") : null,
        el("button", { type: "button", "data-shelve": a.id, "aria-label": `Shelve: ${a.message}` }, "Shelve")));
  }) : [el("li", { class: "muted" }, "No open alarms")]));
}

async function onClick(e) {
  const b = e.target.closest("button");
  if (!b) return;
  if (b.dataset.go) goTo(+b.dataset.go);
  else if (b.dataset.ack) {
    b.disabled = true;
    try { await post(`/alarm-inbox/${encodeURIComponent(b.dataset.ack)}/ack`, {}); await refresh(); }
    catch (err) { b.replaceWith(el("small", { class: "error-inline" }, err.message)); }
  } else if (b.dataset.shelve) {
    const li = b.closest("li");
    if (li.querySelector("form")) return;
    li.append(el("form", { class: "form shelf", "data-alarm": b.dataset.shelve },
      el("input", { name: "reason", required: "", maxlength: 500, placeholder: "Reason", "aria-label": "Reason for shelving" }),
      el("select", { name: "minutes", "aria-label": "Shelve for" }, SHELF_MINUTES.map(([m, t]) => el("option", { value: m, selected: m === 60 ? "" : null }, t))),
      el("button", { type: "submit" }, "Shelve"), el("button", { type: "button", "data-cancel": "1" }, "Cancel")));
    li.querySelector("input").focus();
  } else if (b.dataset.cancel) { b.closest("form").remove(); if (deferred) render(); }
}

async function onShelve(e) {
  const form = e.target.closest("form.shelf");
  if (!form) return;
  e.preventDefault();
  const body = { reason: form.reason.value.trim(), minutes: +form.minutes.value };
  try {
    const res = await fetch(`/alarm-inbox/${encodeURIComponent(form.dataset.alarm)}/shelf`, {
      method: "PUT", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail || `HTTP ${res.status}`);
    form.remove();
    await refresh();
    render();
  } catch (err) { form.replaceWith(el("small", { class: "error-inline" }, err.message)); }
}

function goTo(id) {
  const item = data?.items?.find((i) => i.alarm.id === id);
  if (item) ctx.go(item.alarm);
}

/** The notice of a new critical alarm (and a beep when sound is on); with "follow" on, go there. */
function announce(item) {
  const a = item.alarm;
  if (notice) {
    notice.replaceChildren(
      el("strong", {}, "New critical alarm: "), el("span", {}, a.message || a.kind), " ",
      el("small", {}, storeyName(a.storey)), " ",
      el("button", { type: "button", "data-go": a.id }, "Show"),
      el("button", { type: "button", "data-dismiss": "1", "aria-label": "Dismiss" }, "×"));
    notice.dataset.alarm = String(a.id);
    notice.hidden = false;
  }
  if (pref("sound", false)) beep();
  if (pref("follow", true)) ctx.go(a);
}

function beep() {
  try {
    const ac = new AudioContext();
    const o = ac.createOscillator(), g = ac.createGain();
    o.frequency.value = 880; g.gain.value = 0.15;
    o.connect(g).connect(ac.destination);
    o.start(); o.stop(ac.currentTime + 0.35);
    o.onended = () => ac.close();
  } catch { /* no audio */ }
}

/** Storey picker texts with the inbox count per storey. */
export function paintStoreys(select, storeys) {
  const n = perStorey();
  for (const o of select.options) {
    const s = storeys.find((x) => x.guid === o.value);
    if (!s) continue;
    const k = n[s.guid] || 0;
    o.textContent = `${s.name} (${s.spaces} rooms)${k ? ` · ${k} alarm${k > 1 ? "s" : ""}` : ""}`;
    o.dataset.alarms = String(k);
  }
}
