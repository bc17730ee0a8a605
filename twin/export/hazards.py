"""The hazard ledger on paper and on the plan: CSV, a printable HTML page per building, and a
plan layer (rooms filled by their worst open hazard's risk).

Every text that came from a user (description, owner, names) is escaped in the HTML and the SVG;
the CSV is written by :mod:`csv` (quoting), and a cell that a spreadsheet would read as a formula
(``=``, ``+``, ``-``, ``@`` first) is prefixed with a quote (OWASP CSV injection advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from html import escape

from twin.export.live_overlays import SpaceFillLayer
from twin.live.hazards import OPEN_HAZARD_STATES, RISKS, Hazard, is_overdue
from twin.model import Twin

__all__ = ["CSV_COLUMNS", "RISK_COLOURS", "hazard_layer", "hazards_csv", "hazards_html"]

CSV_COLUMNS: tuple[str, ...] = (
    "id", "status", "overdue", "category", "risk", "location", "room", "storey", "building",
    "description", "found_by", "found_at", "owner", "deadline", "approver", "tickets",
)  # fmt: skip
RISK_COLOURS = {"low": "#5ac8fa", "medium": "#ffcc00", "high": "#ff9500", "critical": "#ff3b30"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _iso(dt: datetime | None) -> str:
    return dt.isoformat() if dt is not None else ""


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def _room(twin: Twin | None, guid: str | None) -> str:
    if twin is None or guid is None or guid not in twin.spaces:
        return ""
    return twin.spaces[guid].label


def _storey(twin: Twin | None, guid: str | None) -> str:
    st = twin.storeys.get(guid) if twin is not None and guid else None
    return (st.name or guid or "") if st else (guid or "")


def _row(h: Hazard, now: datetime, twin: Twin | None) -> list[str]:
    return [
        str(h.id), h.status, "yes" if is_overdue(h, now) else "no", h.category, h.risk,
        h.location, _room(twin, h.space), _storey(twin, h.storey), h.building or "",
        h.description, h.found_by, _iso(h.found_at), h.owner or "", _iso(h.deadline),
        h.approver or "", " ".join(str(t) for t in h.tickets),
    ]  # fmt: skip


def hazards_csv(hazards: Sequence[Hazard], now: datetime, twin: Twin | None = None) -> str:
    """The ledger as CSV (header :data:`CSV_COLUMNS`), one hazard a row, oldest first."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for h in sorted(hazards, key=lambda h: h.id):
        w.writerow([_cell(v) for v in _row(h, now, twin)])
    return buf.getvalue()


_STYLE = (
    "body{font-family:sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #999;padding:3px 6px;font-size:10pt;vertical-align:top}"
    "tr.overdue td{background:#fde2e0}.risk-critical,.risk-high{font-weight:bold}"
    "@media print{a{color:inherit}}"
)


def hazards_html(
    building: str, hazards: Sequence[Hazard], now: datetime, twin: Twin | None = None
) -> str:
    """A printable page: the building's hazards, open ones first (overdue marked), then
    closed and accepted ones; every user text escaped."""
    ordered = sorted(
        hazards,
        key=lambda h: (h.status not in OPEN_HAZARD_STATES, -RISKS.index(h.risk), h.id),
    )
    overdue = sum(1 for h in hazards if is_overdue(h, now))
    head = [c for c in CSV_COLUMNS if c not in ("building",)]
    rows = []
    for h in ordered:
        cells = dict(zip(CSV_COLUMNS, _row(h, now, twin), strict=True))
        cls = ' class="overdue"' if is_overdue(h, now) else ""
        tds = "".join(
            f'<td class="{escape(c)}-{escape(cells[c])}">{escape(cells[c])}</td>' if c == "risk"
            else f"<td>{escape(cells[c])}</td>" for c in head
        )  # fmt: skip
        rows.append(f"<tr{cls}>{tds}</tr>")
    title = f"Hazard ledger: {escape(building)}"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>"
        f"<p>Printed {escape(now.isoformat(timespec='minutes'))}: {len(hazards)} hazard(s), "
        f"{overdue} overdue.</p><table><thead><tr>"
        + "".join(f"<th>{escape(c)}</th>" for c in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>"
    )


def hazard_layer(hazards: Sequence[Hazard], storey: str, now: datetime) -> SpaceFillLayer:
    """Rooms on ``storey`` filled by the highest risk among their hazards (an element's hazard
    counts for its room); the tooltip counts them and the overdue ones."""
    worst: dict[str, tuple[int, int, int]] = {}  # space -> (risk rank, count, overdue)
    for h in hazards:
        if h.storey != storey or h.space is None:
            continue
        rank, n, late = worst.get(h.space, (-1, 0, 0))
        worst[h.space] = (max(rank, RISKS.index(h.risk)), n + 1, late + is_overdue(h, now))
    fills = {
        g: (RISK_COLOURS[RISKS[r]], f"{n} hazard(s), highest risk {RISKS[r]}, {late} overdue")
        for g, (r, n, late) in worst.items()
    }
    return SpaceFillLayer("hazards", fills, [(RISK_COLOURS[r], r) for r in RISKS])
