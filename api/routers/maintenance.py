"""Preventive maintenance: plans, generated work orders, completion, SMRP compliance, and the
certificates of statutory inspections (expiring and expired listed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.planned import (
    CertificateIn,
    CertificateOut,
    ComplianceOut,
    GeneratedOut,
    GenerateOrdersIn,
    OrderCompleteIn,
    PlanIn,
    PlanOut,
    PmOrderOut,
)
from api.strict import DbId
from twin.live.maintenance import Certificate
from twin.service import maintenance as pm

router = APIRouter(tags=["maintenance"], responses=PROBLEM_RESPONSES)

_Day = Annotated[date | None, Query(description="ISO date, e.g. 2027-01-31")]


@router.post("/pm-plans", status_code=201, response_model=PlanOut,
             summary="Create a preventive maintenance plan")  # fmt: skip
def create_plan(body: PlanIn, store: StoreDep, who: PrincipalDep) -> PlanOut:
    """A preventive maintenance plan for one element or every element of a kind: interval or
    counter, lead time, checklist, fixed or floating schedule."""
    p = store.maintenance.create_plan(**body.model_dump(), actor=who.name)
    return PlanOut.model_validate(p)


@router.get("/pm-plans", response_model=list[PlanOut], summary="Preventive maintenance plans")
def list_plans(store: StoreDep) -> list[PlanOut]:
    """The preventive maintenance plans."""
    return [PlanOut.model_validate(p) for p in store.maintenance.plans()]


@router.post("/pm-orders/generate", response_model=GeneratedOut,
             summary="Generate the work orders due within the lead time (idempotent)")  # fmt: skip
def generate(
    body: GenerateOrdersIn, store: StoreDep, campus: CampusDep, who: PrincipalDep
) -> GeneratedOut:
    """Create the work orders falling due within each plan's lead time; running it twice creates
    nothing twice."""
    made = pm.generate_orders(
        campus, store, today=body.today or datetime.now(UTC).date(), actor=who.name,
        horizon_days=body.horizon_days,
    )  # fmt: skip
    return GeneratedOut(
        created=len(made), orders=[PmOrderOut.model_validate(o) for o in made[:1000]]
    )


@router.get("/pm-orders", response_model=list[PmOrderOut], summary="Preventive work orders")
def list_orders(
    store: StoreDep,
    plan: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    element: Annotated[str | None, Query(max_length=64)] = None,
    due_from: _Day = None,
    due_to: _Day = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[PmOrderOut]:
    """Preventive work orders, filterable by plan and element."""
    got = store.maintenance.orders(
        plan=plan, element=element, due_from=due_from, due_to=due_to, open_only=open_only,
        limit=limit,
    )  # fmt: skip
    return [PmOrderOut.model_validate(o) for o in got]


@router.post(
    "/pm-orders/{order_id}/complete", response_model=PmOrderOut,
    summary="Complete a preventive work order (moves the next due date)",
    responses={409: PROBLEM_RESPONSES[422] | {"description": "Already completed"}},
)  # fmt: skip
def complete(
    order_id: DbId, body: OrderCompleteIn, store: StoreDep, who: PrincipalDep
) -> PmOrderOut:
    """Close a preventive order with its checklist answers; the plan's next due date moves on and a
    failed item opens a follow-up order."""
    at = body.at or datetime.now(UTC)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    o = store.maintenance.complete(order_id, actor=who.name, at=at, results=body.results)
    return PmOrderOut.model_validate(o)


@router.get("/pm-compliance", response_model=ComplianceOut,
            summary="PM compliance (SMRP: on time within 10 % of the interval)")  # fmt: skip
def compliance(store: StoreDep, due_from: _Day = None, due_to: _Day = None) -> ComplianceOut:
    """The share of preventive orders completed on time, as SMRP measures it (a grace of 10 % of the
    interval), against the 90 % target."""
    c = store.maintenance.compliance(now=datetime.now(UTC), due_from=due_from, due_to=due_to)
    return ComplianceOut.model_validate(c)


def _cert_out(c: Certificate, today: date, soon: date) -> CertificateOut:
    state = "expired" if c.valid_until < today else "expiring" if c.valid_until < soon else "valid"
    return CertificateOut.model_validate(c).model_copy(update={"state": state})


@router.post("/certificates", status_code=201, response_model=CertificateOut,
             summary="Record an inspection certificate")  # fmt: skip
def add_certificate(body: CertificateIn, store: StoreDep, who: PrincipalDep) -> CertificateOut:
    """Record an inspection certificate (number, issuer, valid until) for an element such as a lift
    or a pressure vessel."""
    c = store.maintenance.add_certificate(**body.model_dump(), actor=who.name)
    today = datetime.now(UTC).date()
    return _cert_out(c, today, today + timedelta(days=30))


@router.get("/certificates", response_model=list[CertificateOut],
            summary="Inspection certificates; with expiring_within_days, only the latest per "
            "element that expires within that many days or has expired")  # fmt: skip
def list_certificates(
    store: StoreDep,
    element: Annotated[str | None, Query(max_length=64)] = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> list[CertificateOut]:
    """Inspection certificates; expiring_within_days lists what needs renewing soon or has
    expired."""
    today = datetime.now(UTC).date()
    soon = today + timedelta(days=expiring_within_days if expiring_within_days is not None else 30)
    before = soon if expiring_within_days is not None else None
    got = store.maintenance.certificates(element=element, valid_until_before=before)
    return [_cert_out(c, today, soon) for c in got]
