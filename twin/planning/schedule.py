"""Calendar rules for planned work: maintenance intervals, patrol schedules, PM compliance.

Pure functions over dates (no store, no campus), so the live repositories and the bench share
one arithmetic. Two small grammars, both documented in docs/maintenance.md and docs/patrols.md:

* an **interval** (preventive maintenance): ``daily``, ``weekly``, ``monthly``, ``quarterly``,
  ``half-yearly``, ``yearly`` or ``every N days|weeks|months|years``;
* a **patrol schedule**: ``daily``, ``weekdays`` or ``weekly on mon,thu``, each optionally
  followed by ``at HH:MM[,HH:MM…]`` (default ``at 08:00``); times are UTC.

Fixed schedules count every due date from the plan's anchor (``anchor + k·interval``, so a plan
anchored on 31 January falls due on 28/29 February and then 31 March, without drift); floating
schedules count from the last completion.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from twin.errors import InvalidInput

__all__ = [
    "GRACE_SHARE",
    "Interval",
    "PatrolSchedule",
    "add_interval",
    "compliance",
    "fixed_dues",
    "floating_next",
    "grace_deadline",
    "parse_interval",
    "parse_schedule",
    "round_starts",
    "week_of",
]

#: SMRP 5.4.1: a PM order is on time when completed within 10 % of its interval after its due date.
GRACE_SHARE = 0.10

_ALIASES = {
    "daily": (1, "days"),
    "weekly": (1, "weeks"),
    "monthly": (1, "months"),
    "quarterly": (3, "months"),
    "half-yearly": (6, "months"),
    "yearly": (1, "years"),
    "annually": (1, "years"),
}
_EVERY = re.compile(r"^every\s+(\d{1,4})\s+(day|week|month|year)s?$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleInvalid(InvalidInput):
    slug = "schedule-invalid"
    title = "Schedule or interval not understood"


@dataclass(frozen=True, slots=True)
class Interval:
    """``n`` calendar units (days, weeks, months or years)."""

    n: int
    unit: str  # days | weeks | months | years

    def __str__(self) -> str:
        return f"every {self.n} {self.unit}"


def parse_interval(text: str) -> Interval:
    """``quarterly`` → ``Interval(3, "months")``; ScheduleInvalid (422) for anything else."""
    s = " ".join(text.strip().lower().split())
    if s in _ALIASES:
        return Interval(*_ALIASES[s])
    m = _EVERY.match(s)
    if m is None or int(m.group(1)) < 1:
        raise ScheduleInvalid(
            "an interval is daily, weekly, monthly, quarterly, half-yearly, yearly or "
            "'every N days|weeks|months|years'",
            interval=text[:100],
        )
    return Interval(int(m.group(1)), m.group(2) + "s")


def add_interval(d: date, iv: Interval, k: int = 1) -> date:
    """``d`` plus ``k`` intervals; months and years clamp to the month's last day."""
    if iv.unit == "days":
        return d + timedelta(days=iv.n * k)
    if iv.unit == "weeks":
        return d + timedelta(weeks=iv.n * k)
    months = iv.n * k * (12 if iv.unit == "years" else 1)
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def fixed_dues(anchor: date, iv: Interval, until: date, *, since: date | None = None) -> list[date]:
    """Every ``anchor + k·interval`` (k ≥ 0) in ``[since, until]`` (``since`` defaults to the
    anchor), counted from the anchor each time so month clamping never drifts."""
    out: list[date] = []
    lo = since or anchor
    k = 0
    while True:
        d = add_interval(anchor, iv, k)
        if d > until:
            return out
        if d >= lo:
            out.append(d)
        k += 1


def floating_next(anchor: date, iv: Interval, last_completed: date | None) -> date:
    """The next due date of a floating schedule: one interval after the last completion, or the
    anchor before any."""
    return anchor if last_completed is None else add_interval(last_completed, iv)


def grace_deadline(due: date, iv: Interval) -> datetime:
    """The end of an order's on-time window: the due day's end plus 10 % of the interval (the
    interval measured from this due date to the next, in days)."""
    days = (add_interval(due, iv) - due).days
    end_of_due = datetime.combine(due, time(0), UTC) + timedelta(days=1)
    return end_of_due + timedelta(days=days * GRACE_SHARE)


@dataclass(frozen=True, slots=True)
class Compliance:
    due: int  # orders whose on-time window has closed (or that are completed)
    on_time: int
    late: int  # completed after the window
    missed: int  # not completed, window closed
    share: float | None  # on_time / due; None when nothing was due


def compliance(
    orders: Iterable[tuple[date, Interval, datetime | None]], *, now: datetime
) -> Compliance:
    """SMRP PM compliance of ``(due, interval, completed)`` orders as of ``now``: an order
    counts once its grace window has closed or it is completed; on time when completed before
    the window closes. Orders still inside their window and open are not judged yet."""
    due = on_time = late = missed = 0
    for d, iv, done in orders:
        deadline = grace_deadline(d, iv)
        if done is None and now < deadline:
            continue
        due += 1
        if done is None:
            missed += 1
        elif done <= deadline:
            on_time += 1
        else:
            late += 1
    return Compliance(due, on_time, late, missed, on_time / due if due else None)


# ---- patrol schedules ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PatrolSchedule:
    weekdays: frozenset[int]  # 0 = Monday
    times: tuple[time, ...]


_SCHED = re.compile(r"^(daily|weekdays|weekly on ([a-z,\s]+?))(?:\s+at\s+([\d:,\s]+))?$")


def parse_schedule(text: str) -> PatrolSchedule:
    """``weekly on mon,thu at 07:30`` → Mondays and Thursdays at 07:30 UTC."""
    s = " ".join(text.strip().lower().split())
    m = _SCHED.match(s)
    bad = ScheduleInvalid(
        "a schedule is 'daily', 'weekdays' or 'weekly on mon,thu', optionally followed by "
        "'at HH:MM[,HH:MM]'",
        schedule=text[:100],
    )
    if m is None:
        raise bad
    if m.group(1) == "daily":
        days = frozenset(range(7))
    elif m.group(1) == "weekdays":
        days = frozenset(range(5))
    else:
        names = [x.strip() for x in (m.group(2) or "").split(",") if x.strip()]
        if not names or any(n[:3] not in _DAYS for n in names):
            raise bad
        days = frozenset(_DAYS.index(n[:3]) for n in names)
    times: list[time] = []
    for part in (m.group(3) or "08:00").split(","):
        hm = part.strip().split(":")
        if len(hm) != 2 or not all(x.isdigit() for x in hm):
            raise bad
        h, mi = int(hm[0]), int(hm[1])
        if h > 23 or mi > 59:
            raise bad
        times.append(time(h, mi))
    return PatrolSchedule(days, tuple(sorted(set(times))))


def round_starts(sched: PatrolSchedule, start: datetime, end: datetime) -> list[datetime]:
    """Every scheduled start in ``[start, end)`` (aware UTC datetimes), in time order."""
    out: list[datetime] = []
    day = start.astimezone(UTC).date()
    while datetime.combine(day, time(0), UTC) < end:
        if day.weekday() in sched.weekdays:
            for t in sched.times:
                at = datetime.combine(day, t, UTC)
                if start <= at < end:
                    out.append(at)
        day += timedelta(days=1)
    return out


def week_of(d: datetime) -> str:
    """ISO week label, e.g. ``2026-W48`` (the completion-rate KPI's bucket)."""
    y, w, _ = d.astimezone(UTC).isocalendar()
    return f"{y}-W{w:02d}"
