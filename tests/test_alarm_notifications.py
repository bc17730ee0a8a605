"""Escalation and notifications on SQLite and PostgreSQL, against real receivers on 127.0.0.1:
an HTTP server (webhooks: HMAC-SHA256 signature checked independently, idempotency key, retries
with back-off, delivery log, nothing lost while the receiver is down or across a store restart)
and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.alarm_inbox_support import MIN_US, add_alarm, wipe_alarms
from tests.mqtt_support import free_port
from twin.live.db import now_us
from twin.live.store import LiveStore, open_store
from twin.service import alarm_inbox as inbox_svc
from twin.service.notifications import backoff_us, run_once

SECRET = "s3cret"
S = 1_000_000


class Receiver:
    """A webhook receiver: answers each POST with the next scripted status (then 200)."""

    def __init__(self, statuses: list[int], port: int = 0) -> None:
        self.statuses = list(statuses)
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((dict(self.headers.items()), body))
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def st(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    wipe_alarms(opened_store[0])
    return opened_store[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([503])
    yield r
    r.close()


def _signed(headers: dict[str, str], body: bytes) -> bool:
    want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Twin-Signature"], want)


def test_unacknowledged_alarm_escalates_once_and_is_retried(
    st: LiveStore, receiver: Receiver
) -> None:
    now = now_us()
    st.notifications.add_rule("desk → supervisor", after_minutes=5, level=1, min_severity="major")
    ch = st.notifications.add_channel("supervisor", "webhook", receiver.url, SECRET, level=1)
    due = add_alarm(st, sensor="o2", severity="critical", raised_us=now - 10 * MIN_US)
    add_alarm(st, sensor="young", severity="critical", raised_us=now - 1 * MIN_US)
    add_alarm(st, sensor="minor", severity="minor", raised_us=now - 10 * MIN_US)
    add_alarm(st, sensor="acked", raised_us=now - 10 * MIN_US, acknowledged_us=now)
    shelved = add_alarm(st, sensor="shelved", raised_us=now - 10 * MIN_US)
    inbox_svc.shelve(st, shelved, "ops", "known fault", 60)

    first = run_once(st, now)
    assert (first.queued, first.delivered, first.failed) == (1, 0, 1)  # receiver answered 503
    (out,) = st.notifications.outbox()
    assert out.key == f"alarm:{due}:level:1" and out.channel == ch.id
    assert out.delivered_us is None and out.next_us >= now + backoff_us(1)
    assert [(a.ok, a.status) for a in st.notifications.attempts(out.id)] == [(False, 503)]

    again = run_once(st, now + 1 * S)  # not yet due again, nothing queued twice
    assert (again.queued, again.delivered, again.failed) == (0, 0, 0)
    later = run_once(st, now + backoff_us(1) + 5 * S)
    assert (later.queued, later.delivered) == (0, 1)
    (out,) = st.notifications.outbox()
    assert out.delivered_us is not None and out.attempts == 2
    assert [a.ok for a in st.notifications.attempts(out.id)] == [False, True]

    assert len(receiver.got) == 2
    (h1, b1), (h2, b2) = receiver.got
    assert b1 == b2 and h1["Idempotency-Key"] == h2["Idempotency-Key"] == out.key
    assert _signed(h1, b1) and _signed(h2, b2)
    assert not _signed({"X-Twin-Signature": h1["X-Twin-Signature"]}, b1 + b" ")
    doc = json.loads(b1)
    assert doc["alarm"]["id"] == due and doc["level"] == 1 and doc["idempotency_key"] == out.key


def test_next_level_and_backoff() -> None:
    assert [backoff_us(n) // S for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_us(30) // S == 3600


def test_second_level_only_to_its_channels(st: LiveStore, receiver: Receiver) -> None:
    now = now_us()
    st.notifications.add_rule("l1", after_minutes=5, level=1, min_severity="info")
    st.notifications.add_rule("l2", after_minutes=15, level=2, min_severity="info")
    c1 = st.notifications.add_channel("desk", "webhook", receiver.url, SECRET, level=1)
    c2 = st.notifications.add_channel("duty manager", "webhook", receiver.url, SECRET, level=2)
    aid = add_alarm(st, raised_us=now - 10 * MIN_US)
    receiver.statuses.clear()
    assert run_once(st, now).queued == 1
    assert run_once(st, now + 6 * MIN_US).queued == 1  # now 16 minutes old: level 2
    keys = {(o.key, o.channel) for o in st.notifications.outbox()}
    assert keys == {(f"alarm:{aid}:level:1", c1.id), (f"alarm:{aid}:level:2", c2.id)}
    assert run_once(st, now + 60 * MIN_US).queued == 0


def test_nothing_lost_while_the_receiver_is_down(opened_store: tuple[LiveStore, str, Path]) -> None:
    st, url, _ = opened_store
    wipe_alarms(st)
    now = now_us()
    port = free_port()
    st.notifications.add_rule("l1", after_minutes=0, level=1, min_severity="info")
    st.notifications.add_channel("desk", "webhook", f"http://127.0.0.1:{port}/hook", SECRET)
    add_alarm(st, raised_us=now - MIN_US)
    down = run_once(st, now)
    assert (down.queued, down.failed) == (1, 1)
    (out,) = st.notifications.outbox()
    assert "Connect" in out.last_error
    restarted = open_store(url)  # the process restarts while the receiver is down
    rec = Receiver([], port=port)
    try:
        up = run_once(restarted, now + backoff_us(1) + S)
        assert up.delivered == 1 and len(rec.got) == 1
        assert rec.got[0][0]["Idempotency-Key"] == out.key
    finally:
        rec.close()
        restarted.close()


def test_email_through_a_local_smtp_server(st: LiveStore) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    got: list[Any] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            got.append(message)

    port = free_port()
    ctl = Controller(Keep(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        now = now_us()
        st.notifications.add_rule("l1", after_minutes=5, level=1, min_severity="major")
        st.notifications.add_channel(
            "on-call", "email", f"smtp://127.0.0.1:{port}/oncall@hospital.example", level=1
        )
        aid = add_alarm(st, severity="critical", raised_us=now - 10 * MIN_US)
        res = run_once(st, now)
        assert (res.queued, res.delivered) == (1, 1)
        (msg,) = got
        assert msg["To"] == "oncall@hospital.example"
        assert msg["X-Idempotency-Key"] == f"alarm:{aid}:level:1"
        assert json.loads(msg.get_payload(decode=True))["alarm"]["id"] == aid
    finally:
        ctl.stop()
    # the relay is gone now: the next notification waits in the outbox
    add_alarm(st, sensor="s2", severity="critical", raised_us=now - 10 * MIN_US)
    res = run_once(st, now)
    assert (res.queued, res.delivered, res.failed) == (1, 0, 1)


def test_api_channels_rules_outbox(
    opened_store: tuple[LiveStore, str, Path], receiver: Receiver
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    st, url, tmp = opened_store
    wipe_alarms(st)
    settings = Settings(auth=True, anonymous_read=False, store_url=url, cache_dir=tmp / "cache",
                        stale_sweep_s=0)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        admin = {"X-API-Key": st.keys.create("admin", "root")[0]}
        op = {"X-API-Key": st.keys.create("operator", "desk")[0]}
        hook = {"name": "pager", "kind": "webhook", "target": receiver.url, "secret": SECRET}
        r = c.post("/notification-channels", json=hook, headers=op)
        assert r.status_code == 403 and r.headers["content-type"].startswith(
            "application/problem+json"
        )
        bad = c.post("/notification-channels", json={**hook, "target": "file:///etc/passwd"},
                     headers=admin)  # fmt: skip
        assert bad.status_code == 422
        r = c.post("/notification-channels", json=hook, headers=admin)
        assert r.status_code == 201 and "secret" not in r.json()
        rule = {"name": "l1", "after_minutes": 5, "level": 1, "min_severity": "major"}
        assert c.post("/escalation-rules", json=rule, headers=admin).status_code == 201
        assert c.post("/escalation-rules", json={**rule, "level": 0},
                      headers=admin).status_code == 422  # fmt: skip
        add_alarm(st, severity="critical", raised_us=now_us() - 10 * MIN_US)
        run = c.post("/notifications/run", headers=op).json()
        assert run == {"queued": 1, "delivered": 0, "failed": 1}  # the receiver said 503 first
        (out,) = c.get("/notifications", headers=op).json()
        log = c.get(f"/notifications/{out['id']}/attempts", headers=op).json()
        assert [(a["ok"], a["status"]) for a in log] == [(False, 503)]
        acts = {e.action for e in st.audit.list()}
        assert {"notification_channel.create", "escalation_rule.create",
                "notifications.run"} <= acts  # fmt: skip


def test_demo_seeds_escalation_once(st: LiveStore) -> None:
    from twin.live.demo_alarms import DEMO_ESCALATION, seed_demo_alarms

    assert seed_demo_alarms(st) == len(DEMO_ESCALATION) == 3
    assert seed_demo_alarms(st) == 0
    assert sorted(r.level for r in st.notifications.rules()) == [1, 1, 2]


def test_work_order_sla_breach_escalates_once(st: LiveStore, receiver: Receiver) -> None:
    """An emergency alarm's automatic ticket not responded to in 30 min (the default emergency
    SLA) escalates the alarm, acknowledged or not; a planned ticket's 24 h clock has not run out."""
    from tests.alarm_inbox_support import set_alarm

    receiver.statuses.clear()
    now = now_us()
    st.notifications.add_channel("supervisor", "webhook", receiver.url, SECRET, level=1)
    hot = add_alarm(st, sensor="o2", severity="critical", raised_us=now, acknowledged_us=now)
    calm = add_alarm(st, sensor="t", severity="minor", raised_us=now)
    for aid, prio in ((hot, "emergency"), (calm, "planned")):
        t = st.tickets.create(title=f"alarm {aid}", priority=prio, actor="rule", alarm=aid)
        set_alarm(st, aid, ticket=t.id)
    assert run_once(st, now + 5 * MIN_US).queued == 0
    late = run_once(st, now + 31 * MIN_US)
    assert (late.queued, late.delivered) == (1, 1)
    doc = json.loads(receiver.got[0][1])
    assert doc["event"] == "alarm.sla_breached" and doc["alarm"]["id"] == hot
    assert doc["sla"]["respond_breached"] is True and doc["level"] == 1
    assert run_once(st, now + 90 * MIN_US).queued == 0
