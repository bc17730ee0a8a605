// The technician's phone page (/m → viewer/m.html; docs/viewer.md "Technician's phone"): sign in
// with the technician's API key (or pick a technician when the server checks no keys), my jobs
// with priority and SLA countdowns, the route to the job drawn on the plan with its step list,
// start / arrived / resolved, photos attached to the job, and patrol check-in by typing or
// scanning a checkpoint's code. Nothing here asks for a GlobalId: jobs, rooms, storeys and
// checkpoints are shown by name and picked by tapping.
//
// Every text from data goes through el()/svg() (dom.js); the only markup parsed is the server's
// plan SVG, whose exporter escapes every text (twin/export/plan_svg.py), as in the main viewer.
import { el, svg as svgEl } from "./dom.js";

const $ = (id) => document.getElementById(id);
const KEY = "twin.m.key", TECH = "twin.m.technician";
const OPEN = ["assigned", "en_route", "on_site"];
const RANK = { emergency: 0, urgent: 1, normal: 2, planned: 3 };
// which buttons a state allows (docs/work-orders.md, lifecycle); assigned -> on_site is legal too
const NEXT = { assigned: ["en_route", "on_site"], en_route: ["on_site"], on_site: ["resolved"] };
const STATE_TEXT = { assigned: "assigned to you", en_route: "on the way", on_site: "on site", resolved: "resolved" };

const me = { key: sessionStorage.getItem(KEY) || "", technician: sessionStorage.getItem(TECH) || "", auth: false, name: "" };
let jobs = [], current = null, fetchedAt = 0, storeyNames = {}, routeShown = null, planStorey = null;
const names = new Map(); // GlobalId -> readable place text (cached)

// -- the API, with the key in X-API-Key ----------------------------------------------------------
class Problem extends Error {
  constructor(status, doc) { super(doc.detail || doc.title || `HTTP ${status}`); this.status = status; }
}

async function call(path, { method = "GET", body, form, as = "json", key = me.key } = {}) {
  const headers = { Accept: as === "json" ? "application/json" : "*/*" };
  if (key) headers["X-API-Key"] = key;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { payload = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  const res = await fetch(path, { method, headers, body: payload });
  if (!res.ok) {
    let doc = { title: res.statusText };
    try { doc = await res.json(); } catch { /* not a problem document */ }
    throw new Problem(res.status, doc);
  }
  return as === "text" ? res.text() : res.json();
}
const enc = encodeURIComponent;

// -- sign in --------------------------------------------------------------------------------------
async function signIn() {
  $("m-signin").hidden = false;
  const msg = $("m-signin-msg");
  msg.textContent = "";
  let who;
  try { who = await call("/whoami", { key: me.key }); }
  catch (err) {
    if (me.key && err.status === 401) { forget(); msg.textContent = "That key is not valid (revoked or mistyped)."; }
    else if (!me.key) msg.textContent = "Enter your API key.";
    else msg.textContent = err.message;
    return;
  }
  me.auth = who.auth;
  $("m-key-form").hidden = !who.auth;
  if (who.technician) return ready(who.technician);
  // a key that acts for anyone (operator, admin) or a server without keys: pick the technician
  if (!who.auth || ["operator", "admin"].includes(who.role)) {
    const list = await call("/technicians").catch(() => []);
    $("m-pick").replaceChildren(...list.map((t) => el("option", { value: t.id }, `${t.name || t.id}${t.skills?.length ? ` (${t.skills.join(", ")})` : ""}`)));
    $("m-pick-form").hidden = !list.length;
    if (!list.length) msg.textContent = "No technician is registered.";
    if (me.technician && list.some((t) => t.id === me.technician)) return ready(me.technician, list.find((t) => t.id === me.technician).name);
    return;
  }
  msg.textContent = me.key ? `This key (${who.name}, ${who.role}) does not act for a technician.` : "Enter your API key.";
}

function forget() {
  me.key = ""; me.technician = "";
  sessionStorage.removeItem(KEY); sessionStorage.removeItem(TECH);
}

async function ready(technician, name) {
  me.technician = technician;
  const who = await call(`/technicians/${enc(technician)}`).catch(() => null);
  me.name = who?.name || name || technician;
  sessionStorage.setItem(TECH, technician);
  $("m-signin").hidden = true;
  $("m-who").textContent = me.name;
  $("m-signout").hidden = false;
  $("m-jobs-box").hidden = false;
  await refreshJobs();
  await loadPatrols();
  document.body.dataset.ready = "1";
}

// -- jobs -----------------------------------------------------------------------------------------
async function refreshJobs() {
  const list = await call(`/tickets?technician=${enc(me.technician)}&status=${OPEN.join(",")}`);
  fetchedAt = Date.now();
  jobs = list.sort((a, b) => (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9) || left(a, "arrive", 1e12) - left(b, "arrive", 1e12));
  await Promise.all(jobs.map((t) => place(t)));
  $("m-jobs-count").textContent = jobs.length ? `(${jobs.length})` : "";
  $("m-jobs").replaceChildren(...(jobs.length ? jobs.map((t, i) => el("li", {
    "data-id": t.id, "data-priority": t.priority, tabindex: 0, role: "button",
    class: `${current?.id === t.id ? "on" : ""}${late(t) ? " overdue" : ""}`,
    "aria-label": `${i === 0 ? "Next job: " : ""}${t.title}`,
  },
  el("span", { class: `prio prio-${t.priority}` }, t.priority),
  el("b", {}, t.title),
  el("span", { class: "where" }, names.get(t.id) || ""),
  el("span", { class: "state" }, STATE_TEXT[t.status] || t.status),
  el("span", { class: "sla", "data-clock": "arrive" }, clock(t, "arrive")))) : [el("li", { class: "muted" }, "No jobs assigned to you.")]));
  const keep = current && jobs.find((t) => t.id === current.id);
  if (keep || jobs.length) await openJob(keep || jobs[0]);
  else { current = null; $("m-job").hidden = true; }
}

/** A readable place for a ticket: room number and name (and storey), or element name in room. */
async function place(t) {
  let text = "";
  try {
    if (t.space) {
      const s = await cached(t.space, () => call(`/spaces/${enc(t.space)}`));
      text = [s.number, s.long_name || s.name].filter(Boolean).join(" ");
    }
    if (t.element) {
      const e = await cached(t.element, () => call(`/elements/${enc(t.element)}`));
      const room = e.space && !t.space ? await cached(e.space, () => call(`/spaces/${enc(e.space)}`)).catch(() => null) : null;
      text = [e.name || e.type_name || e.kind, room ? `in ${room.number} ${room.long_name || ""}`.trim() : text && `in ${text}`].filter(Boolean).join(" ");
    }
  } catch { /* place unknown to the served model: leave it blank */ }
  names.set(t.id, text);
  return text;
}
const cache = new Map();
function cached(guid, load) { if (!cache.has(guid)) cache.set(guid, load()); return cache.get(guid); }

/** Seconds left on a clock now (negative: overdue), or `none` when met or not running. */
function left(t, c, none = null) {
  const sla = t.sla || {};
  if (sla.stopped) return none;
  const r = sla[`${c}_remaining_s`];
  if (typeof r === "number") return r - (Date.now() - fetchedAt) / 1000;
  return none;
}
const late = (t) => ["respond", "arrive"].some((c) => (left(t, c) ?? 0) < 0);
function hms(sec) {
  const a = Math.abs(Math.round(sec)), h = Math.floor(a / 3600), m = Math.floor(a / 60) % 60, s = a % 60;
  return h ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min ${String(s).padStart(2, "0")} s`;
}
function clock(t, c) {
  const s = left(t, c);
  const label = c === "arrive" ? "on site" : "respond";
  if (s === null) return t.sla?.stopped ? "" : `${label}: met`;
  return s < 0 ? `${label}: overdue ${hms(s)}` : `${label} in ${hms(s)}`;
}
function tick() {
  for (const span of document.querySelectorAll("[data-clock]")) {
    const li = span.closest("[data-id]");
    const t = jobs.find((x) => String(x.id) === li?.dataset.id);
    if (!t) continue;
    span.textContent = clock(t, span.dataset.clock);
    span.classList.toggle("late", (left(t, span.dataset.clock) ?? 0) < 0);
  }
}

async function openJob(t) {
  current = t;
  for (const li of $("m-jobs").querySelectorAll("li[data-id]")) li.classList.toggle("on", li.dataset.id === String(t.id));
  $("m-job").hidden = false;
  $("m-job").dataset.id = t.id;
  $("m-job").dataset.status = t.status;
  $("m-job-title").textContent = `#${t.id} ${t.title}`;
  $("m-job-where").textContent = names.get(t.id) || "";
  $("m-job-sla").replaceChildren(el("span", { "data-id": t.id },
    el("span", { class: `prio prio-${t.priority}` }, t.priority), " ",
    el("span", { class: "sla", "data-clock": "respond" }, clock(t, "respond")), " · ",
    el("span", { class: "sla", "data-clock": "arrive" }, clock(t, "arrive"))));
  for (const b of $("m-job").querySelectorAll(".actions button")) b.disabled = !(NEXT[t.status] || []).includes(b.dataset.to);
  await Promise.all([showRoute(t), loadPhotos(t)]);
  tick();
}

async function move(to) {
  if (!current) return;
  const msg = $("m-job-msg");
  try {
    const t = await call(`/tickets/${current.id}/transitions`, { method: "POST", body: { to, note: $("m-note").value.trim() } });
    $("m-note").value = "";
    msg.textContent = `Marked ${STATE_TEXT[t.status] || t.status}.`;
    current = t;
    if (to === "on_site") await reportPosition(t);
    await refreshJobs();
    $("m-jobs-msg").textContent = `Job #${t.id} ${STATE_TEXT[t.status] || t.status}.`;
  } catch (err) { msg.textContent = err.message; }
}

/** On arrival the technician is in the job's room: tell the server (best effort). */
async function reportPosition(t) {
  const space = t.space || (t.element && (await cached(t.element, () => call(`/elements/${enc(t.element)}`)).catch(() => null))?.space);
  if (!space) return;
  await call(`/technicians/${enc(me.technician)}/position`, { method: "PUT", body: { space } }).catch(() => null);
}

// -- route on the plan ----------------------------------------------------------------------------
async function routeFor(t) {
  if (t.route?.polylines) return t.route; // what dispatch computed and kept with the assignment
  const goal = t.space || t.element;
  const tech = await call(`/technicians/${enc(me.technician)}`).catch(() => null);
  if (!goal || !tech?.space) return null;
  return call(`/routes?from=${enc(tech.space)}&to=${enc(goal)}`).catch(() => null);
}

async function showRoute(t) {
  const r = await routeFor(t);
  routeShown = r;
  const steps = r?.steps || [];
  $("m-eta").textContent = r ? `${Math.round(r.length_m)} m, about ${hms(r.eta_s)}` : "";
  if (t.building && !Object.keys(storeyNames).length) {
    const list = await call(`/buildings/${enc(t.building)}/storeys`).catch(() => []);
    storeyNames = Object.fromEntries(list.map((s) => [s.guid, s.name]));
  }
  $("m-steps").replaceChildren(...(steps.length ? steps.map((s, i) => el("li", { "data-step": i, "data-storey": s.storey || "" },
    el("span", {}, s.text || s.name), " ", el("small", { class: "muted" }, `${hms(s.t_s)}${s.storey && storeyNames[s.storey] ? ` · ${storeyNames[s.storey]}` : ""}`)))
    : [el("li", { class: "muted" }, r ? "You are there." : "No route: your position is not known.")]));
  // storeys the route crosses, in walking order; the job's storey when there is no route
  const order = [...new Set([...steps.map((s) => s.storey), ...Object.keys(r?.polylines || {})].filter(Boolean))];
  if (!order.length && t.storey) order.push(t.storey);
  $("m-storeys").replaceChildren(...order.map((g) => el("button", { type: "button", role: "tab", "data-storey": g }, storeyNames[g] || "storey")));
  $("m-storeys").hidden = order.length < 2;
  await drawPlan(order[0] || null);
}

async function drawPlan(storey) {
  const host = $("m-plan");
  planStorey = storey;
  for (const b of $("m-storeys").querySelectorAll("button")) b.setAttribute("aria-selected", String(b.dataset.storey === storey));
  if (!storey) { host.replaceChildren(el("p", { class: "muted" }, "No plan for this job.")); return; }
  const text = await call(`/storeys/${enc(storey)}/plan.svg`, { as: "text" }).catch(() => null);
  if (planStorey !== storey) return;
  if (!text) { host.replaceChildren(el("p", { class: "muted" }, "Plan not available.")); return; }
  host.innerHTML = text; // the server's escaped plan (see the header comment)
  const plan = host.querySelector("svg");
  plan.removeAttribute("width"); plan.removeAttribute("height");
  plan.setAttribute("preserveAspectRatio", "xMidYMid meet");
  host.dataset.storey = storey;
  const target = current && (current.space || current.element);
  const shape = target && plan.querySelector(`[data-guid="${CSS.escape(target)}"]`);
  shape?.classList.add("m-target");
  const lines = routeShown?.polylines?.[storey] || [];
  const g = svgEl("g", { id: "m-route", class: "m-route" });
  for (const line of lines) {
    if (line.length < 2) continue;
    g.appendChild(svgEl("path", { "data-route": "1", d: "M" + line.map(([x, y]) => `${x.toFixed(2)},${(-y).toFixed(2)}`).join(" L") }));
  }
  if (lines.flat().length) {
    // where this storey's leg starts and ends: you (first storey), the job (last), else a stair/lift
    const tabs = [...$("m-storeys").querySelectorAll("button")].map((b) => b.dataset.storey);
    const [sx, sy] = lines[0][0], last = lines[lines.length - 1], [ex, ey] = last[last.length - 1];
    const firstLeg = tabs[0] === storey, lastLeg = tabs[tabs.length - 1] === storey;
    g.appendChild(svgEl("circle", { class: firstLeg ? "m-start" : "m-via", cx: sx, cy: -sy, r: 0.6 }, svgEl("title", {}, firstLeg ? "You" : "Arrive on this storey")));
    g.appendChild(svgEl("circle", { class: lastLeg ? "m-end" : "m-via", cx: ex, cy: -ey, r: 0.6 }, svgEl("title", {}, lastLeg ? "The job" : "Change storey here")));
  }
  plan.appendChild(g);
  host.dataset.routeSegments = String(g.querySelectorAll("path[data-route]").length);
  fitTo(plan, g, shape);
}

/** Frame the route and the job's room with a margin, so the phone shows the walk, not the floor
 * ("Whole floor" switches to the server's view of the storey and back). */
function fitTo(plan, route, shape) {
  plan.dataset.floor = plan.getAttribute("viewBox") || "";
  $("m-fit").setAttribute("aria-pressed", "false");
  $("m-fit").textContent = "Whole floor";
  const boxes = [route, shape].filter((n) => n && n.getBBox).map((n) => n.getBBox()).filter((b) => b.width || b.height);
  if (!boxes.length) return;
  const x0 = Math.min(...boxes.map((b) => b.x)), y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width)), y1 = Math.max(...boxes.map((b) => b.y + b.height));
  const m = 4; // metres around
  plan.dataset.route = `${x0 - m} ${y0 - m} ${x1 - x0 + 2 * m} ${y1 - y0 + 2 * m}`;
  plan.setAttribute("viewBox", plan.dataset.route);
}

function toggleFit() {
  const plan = $("m-plan").querySelector("svg");
  if (!plan?.dataset.route) return;
  const whole = $("m-fit").getAttribute("aria-pressed") !== "true";
  plan.setAttribute("viewBox", whole ? plan.dataset.floor : plan.dataset.route);
  $("m-fit").setAttribute("aria-pressed", String(whole));
  $("m-fit").textContent = whole ? "Route" : "Whole floor";
}

// -- photos ---------------------------------------------------------------------------------------
async function loadPhotos(t) {
  const docs = await call(`/tickets/${t.id}/documents`).catch(() => []);
  $("m-photos").replaceChildren(...docs.map((d) => el("li", { "data-document": d.id }, d.title || d.filename || "photo", " ", el("small", { class: "muted" }, d.content_type || ""))));
}

async function upload(e) {
  e.preventDefault();
  const file = $("m-photo").files[0];
  if (!current || !file) { $("m-job-msg").textContent = "Take or choose a photo first."; return; }
  const form = new FormData();
  form.append("file", file, file.name || "photo.jpg");
  form.append("title", $("m-caption").value.trim());
  try {
    await call(`/tickets/${current.id}/documents`, { method: "POST", form });
    $("m-photo").value = ""; $("m-caption").value = "";
    $("m-job-msg").textContent = "Photo attached.";
    await loadPhotos(current);
  } catch (err) { $("m-job-msg").textContent = err.message; }
}

// -- patrol check-in ------------------------------------------------------------------------------
let templates = [], rounds = [];

async function loadPatrols() {
  const now = Date.now(), day = 864e5;
  const start = new Date(now - day).toISOString(), end = new Date(now + day).toISOString();
  [templates, rounds] = await Promise.all([
    call("/patrol-templates").catch(() => []),
    call(`/patrols?start=${enc(start)}&end=${enc(end)}`).catch(() => []),
  ]);
  const open = rounds.filter((r) => ["scheduled", "in_progress"].includes(r.status) || new Date(r.due_end) > now - 6 * 3600e3);
  const tpl = (r) => templates.find((t) => t.id === r.template);
  const mine = open.filter((r) => !tpl(r)?.team?.length || tpl(r).team.includes(me.technician));
  const list = mine.length ? mine : open;
  $("m-patrol").hidden = !list.length;
  const at = (d) => new Date(d).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  $("m-round").replaceChildren(...list.map((r) => el("option", { value: r.id },
    `${tpl(r)?.name || "Round"} · ${at(r.due_start)}–${at(r.due_end)} · ${r.checked.length}/${r.planned.length} checked`)));
  showCheckpoint();
}

function checkpointOf(code) {
  const r = rounds.find((x) => String(x.id) === $("m-round").value);
  const t = r && templates.find((x) => x.id === r.template);
  return t?.checkpoints?.find((c) => c.code === code.trim()) || null;
}

/** The typed or scanned code's checkpoint and its checklist (yes/no, readings). */
function showCheckpoint() {
  const cp = checkpointOf($("m-code").value);
  $("m-checkpoint").textContent = cp ? cp.label || "Checkpoint" : $("m-code").value.trim() ? "No checkpoint with this code in the round." : "";
  $("m-items").replaceChildren(...(cp?.items || []).map((it) => {
    const id = `m-item-${it.key}`;
    const label = it.key.replace(/_/g, " ");
    if (it.kind === "reading") {
      const range = [it.min, it.max].every((v) => v === undefined || v === null) ? "" : ` (${it.min ?? "…"}–${it.max ?? "…"})`;
      return el("p", {}, el("label", { for: id }, `${label}${range}`), el("input", { id, type: "number", step: "any", inputmode: "decimal", "data-key": it.key, "data-kind": "reading" }));
    }
    return el("p", {}, el("label", { for: id }, label), el("select", { id, "data-key": it.key, "data-kind": "yesno" },
      el("option", { value: "" }, "—"), el("option", { value: "yes" }, "yes"), el("option", { value: "no" }, "no")));
  }));
}

async function checkIn(e) {
  e.preventDefault();
  const msg = $("m-checkin-msg");
  const code = $("m-code").value.trim();
  if (!code) { msg.textContent = "Type or scan the checkpoint's code."; return; }
  const answers = {};
  for (const inp of $("m-items").querySelectorAll("[data-key]")) {
    if (inp.value === "") continue;
    answers[inp.dataset.key] = inp.dataset.kind === "reading" ? Number(inp.value) : inp.value === "yes";
  }
  try {
    const c = await call(`/patrols/${enc($("m-round").value)}/check-ins`, { method: "POST", body: { code, technician: me.technician, answers } });
    const flags = c.flags.map((f) => f.replace(/_/g, " "));
    msg.textContent = `Checked in${flags.length ? ` (${flags.join(", ")})` : ""}${c.ticket ? `; ticket #${c.ticket} opened for ${c.abnormal.join(", ")}` : ""}.`;
    $("m-code").value = "";
    await loadPatrols();
  } catch (err) { msg.textContent = err.status === 404 ? "No checkpoint with this code in the round." : err.message; }
}

/** Camera scan where the browser has BarcodeDetector (Chrome on Android); typing always works. */
async function scan() {
  const video = $("m-video"), msg = $("m-checkin-msg");
  let stream;
  try {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream; video.hidden = false;
    await video.play();
    msg.textContent = "Point the camera at the checkpoint's label.";
    const until = Date.now() + 30000;
    while (Date.now() < until) {
      const [hit] = await detector.detect(video);
      if (hit?.rawValue) {
        $("m-code").value = hit.rawValue.trim();
        showCheckpoint();
        msg.textContent = "Code read.";
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    msg.textContent = "No code seen: type it instead.";
  } catch (err) { msg.textContent = `Camera not available (${err.message}): type the code.`; }
  finally { stream?.getTracks().forEach((tr) => tr.stop()); video.hidden = true; }
}

// -- wiring ---------------------------------------------------------------------------------------
function wire() {
  $("m-key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    me.key = $("m-key").value.trim();
    $("m-key").value = "";
    if (me.key) sessionStorage.setItem(KEY, me.key);
    signIn();
  });
  $("m-pick-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const opt = $("m-pick").selectedOptions[0];
    if (opt) ready(opt.value, opt.textContent.replace(/ \(.*\)$/, ""));
  });
  $("m-signout").addEventListener("click", () => {
    forget(); jobs = []; current = null;
    for (const id of ["m-jobs-box", "m-job", "m-patrol", "m-signout"]) $(id).hidden = true;
    $("m-who").textContent = "";
    signIn();
  });
  $("m-jobs").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-id]");
    const t = li && jobs.find((x) => String(x.id) === li.dataset.id);
    if (t) openJob(t);
  });
  $("m-jobs").addEventListener("keydown", (e) => { if (e.key === "Enter") e.target.closest("li[data-id]")?.click(); });
  for (const b of $("m-job").querySelectorAll(".actions button")) b.addEventListener("click", () => move(b.dataset.to));
  $("m-storeys").addEventListener("click", (e) => { const b = e.target.closest("button[data-storey]"); if (b) drawPlan(b.dataset.storey); });
  $("m-fit").addEventListener("click", toggleFit);
  $("m-photo-form").addEventListener("submit", upload);
  $("m-checkin-form").addEventListener("submit", checkIn);
  $("m-code").addEventListener("input", showCheckpoint);
  $("m-round").addEventListener("change", showCheckpoint);
  $("m-scan").hidden = !("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia);
  $("m-scan").addEventListener("click", scan);
  setInterval(tick, 1000);
  setInterval(() => { if (me.technician && !document.hidden) refreshJobs().catch(() => {}); }, 30000);
}

wire();
signIn().catch((err) => { $("m-signin-msg").textContent = err.message; });
