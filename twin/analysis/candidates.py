"""Which network a fault is on: the candidates around a target, narrowed by what the record says.

Why: a room holds outlets of five networks. A ticket "O2 outlet leaking" with skill
``medical_gas`` is about the oxygen network; answering with the first network found in the room
(the power circuit) sends a technician to the wrong switchboard. The medium comes from the
record (``twin.media``: a ticket's skill, an alarm's sensor quantity), else from the element's
own systems; a room with no hint answers every network in it, ranked, each with its isolation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from twin.distribution.build import Networks
from twin.distribution.isolate import ImpactedSpace, Isolation, impact, isolate_nodes
from twin.kinds import ISOLATING_KINDS
from twin.media import media_of_quantity, media_of_skill, network_rank
from twin.model import Twin

__all__ = [
    "MediumHint",
    "NetworkCandidate",
    "candidates",
    "hint_from_quantity",
    "hint_from_skill",
]


@dataclass(frozen=True, slots=True)
class MediumHint:
    """What a record says about the medium: ``media``, and the ``rule`` that said it."""

    media: frozenset[str]
    rule: str  # "ticket skill", "alarm sensor quantity", "sensor quantity", "requested medium"
    detail: str  # the record's own words, e.g. "skill 'medical_gas'"


@dataclass(frozen=True, slots=True)
class NetworkCandidate:
    """One network around the target, with its own isolation and what closing it cuts."""

    medium: str
    rank: int
    systems: tuple[tuple[str, str], ...]  # (guid, name) of the systems the targets belong to
    element: str  # the first target (the room's outlet, the element itself)
    targets: tuple[str, ...]
    isolation: Isolation
    closing_affects: tuple[ImpactedSpace, ...]  # rooms that lose supply when it is isolated


def hint_from_skill(skill: str | None, rule: str = "ticket skill") -> MediumHint | None:
    media = media_of_skill(skill)
    return MediumHint(media, rule, f"skill {skill!r}") if media else None


def hint_from_quantity(
    quantity: str | None, rule: str = "alarm sensor quantity"
) -> MediumHint | None:
    media = media_of_quantity(quantity)
    return MediumHint(media, rule, f"quantity {quantity!r}") if media else None


def _groups(nets: Networks, nodes: Sequence[str]) -> dict[tuple[str, int], list[str]]:
    """The nodes per (medium, connected network) they sit in."""
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for n in nodes:
        for m in nets.media_of(n):
            groups[(m, nets.media[m].component[n])].append(n)
    return groups


def _systems(twin: Twin, medium: str, targets: Collection[str]) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for t in targets:
        e = twin.elements.get(t)
        for s in e.systems if e else ():
            sys = twin.systems.get(s)
            if sys is not None and sys.flow in (medium, "other"):
                found[s] = sys.name
    return tuple(sorted(found.items(), key=lambda kv: (kv[1], kv[0])))


def _targets(nets: Networks, nodes: list[str]) -> tuple[str, ...]:
    """A room's terminals in one network, else its other elements there (never its valves,
    unless nothing else of that network is in the room)."""
    terminals = [n for n in nodes if nets.kinds.get(n) == "terminal"]
    others = [n for n in nodes if nets.kinds.get(n) not in ISOLATING_KINDS]
    return tuple(sorted(terminals or others or nodes))


def _rank_texts(twin: Twin, systems: Sequence[tuple[str, str]]) -> list[str]:
    out = []
    for guid, name in systems:
        s = twin.systems.get(guid)
        out += [name, s.object_type, s.predefined_type] if s else [name]
    return out


def candidates(
    twin: Twin, nets: Networks, nodes: Sequence[str], hint: MediumHint | None, *, room: bool = False
) -> tuple[list[NetworkCandidate], list[str], str]:
    """Candidate networks of ``nodes`` (one element, or a ``room``'s elements), ranked.

    Returns the candidates, notes for ``assumptions``, and the rule that chose them.
    """
    groups = _groups(nets, nodes)
    notes: list[str] = []
    rule = "no hint: every network, ranked"
    if not room:
        e = twin.elements.get(nodes[0])
        rule = (
            "the element's own systems"
            if e is not None and e.systems
            else "the element's connections (it is in no system)"
        )
    if hint is not None:
        kept = {k: v for k, v in groups.items() if k[0] in hint.media}
        wanted = ", ".join(sorted(hint.media))
        if kept:
            groups, rule = kept, f"{hint.rule} ({hint.detail} -> {wanted})"
        else:
            notes.append(
                f"the {hint.rule} ({hint.detail} -> {wanted}) matches no network here: "
                "every network of the target is answered"
            )
    found = []
    for (medium, _comp), members in groups.items():
        targets = _targets(nets, members)
        systems = _systems(twin, medium, targets)
        iso = isolate_nodes(nets, targets, medium, twin=twin)
        affects = impact(nets, twin, iso.guids).spaces if iso.possible and iso.guids else ()
        rank = network_rank(medium, _rank_texts(twin, systems))
        found.append(NetworkCandidate(medium, rank, systems, targets[0], targets, iso, affects))
    found.sort(key=lambda c: (c.rank, [n for _g, n in c.systems], c.element))
    if len(found) > 1:
        order = ", ".join(f"{c.medium} ({'/'.join(n for _g, n in c.systems)})" for c in found)
        notes.append(f"{len(found)} candidate networks ({rule}), ranked: {order}")
    notes.append(f"network chosen by: {rule}")
    return found, notes, rule
