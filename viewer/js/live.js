// Live updates: EventSource on /events (alarm|ticket|reading|technician), reconnecting with backoff.
import { has } from "./api.js";

const status = document.getElementById("live-status");
let source = null, retry = 1000, handlers = {};

export function init(h) {
  handlers = h;
  connect();
}

async function connect() {
  if (!has("/events")) { status.textContent = "no live feed"; return; }
  source = new EventSource("/events");
  source.onopen = () => { retry = 1000; status.textContent = "live"; status.classList.add("on"); };
  source.onerror = () => {
    status.textContent = "reconnecting"; status.classList.remove("on");
    source.close(); later();
  };
  for (const type of ["alarm", "ticket", "reading", "technician"]) {
    source.addEventListener(type, (e) => {
      let data = null;
      try { data = JSON.parse(e.data); } catch { data = e.data; }
      handlers[type]?.(data);
    });
  }
}

function later() {
  setTimeout(connect, retry);
  retry = Math.min(retry * 2, 30000);
}
