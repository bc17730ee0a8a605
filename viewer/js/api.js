// Fetch wrapper: JSON/text with RFC 9457 problem documents turned into readable errors.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function request(path, { method = "GET", body, as = "json" } = {}) {
  const init = { method, headers: { Accept: as === "json" ? "application/json" : "*/*" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(path, init);
  if (!res.ok) {
    let problem = { title: res.statusText };
    try { problem = await res.json(); } catch { /* not a problem document */ }
    throw new ApiError(res.status, problem);
  }
  if (as === "text") return res.text();
  if (as === "buffer") return res.arrayBuffer();
  return res.json();
}

export const get = (path) => request(path);
export const getText = (path) => request(path, { as: "text" });
export const post = (path, body) => request(path, { method: "POST", body });

/** Like get, but an absent feature (404/405/501/503) resolves to null instead of throwing. */
export async function optional(path, as = "json") {
  try {
    return await request(path, { as });
  } catch (err) {
    if (err instanceof ApiError && [404, 405, 501, 503].includes(err.status)) return null;
    throw err;
  }
}

export const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") s.set(k, v);
  const t = s.toString();
  return t ? `?${t}` : "";
};

// Which endpoints this server has, read once from its OpenAPI document, so absent features are
// hidden without ever requesting them (a 404 would show up as a console error).
let paths = null;
const norm = (p) => p.replace(/\{[^}]*\}/g, "{}");

export async function loadCapabilities() {
  try {
    const doc = await get("/openapi.json");
    paths = new Set(Object.keys(doc.paths || {}).map(norm));
  } catch {
    paths = null;
  }
}

/** True when the server documents this path template, e.g. has("/storeys/{g}/plan.svg"). */
export const has = (template) => paths === null || paths.has(norm(template));
