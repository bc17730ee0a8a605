"""API keys (admin only): create, list, revoke. :class:`api.auth.StoreAuthenticator` checks them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import SettingsDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.keys import CallerOut, KeyCreatedOut, KeyCreateIn, KeyOut

router = APIRouter(tags=["keys"], responses=PROBLEM_RESPONSES)


@router.post("/keys", status_code=201, response_model=KeyCreatedOut, summary="Create an API key")
def create_key(body: KeyCreateIn, store: StoreDep, who: PrincipalDep) -> KeyCreatedOut:
    """Issue an API key with a role (a technician key acts for one technician); the secret is shown
    once, in this answer only."""
    secret, record = store.keys.create(body.role, body.name, body.technician, actor=who.name)
    return KeyCreatedOut(key=secret, **KeyOut.model_validate(record).model_dump())


@router.get("/keys", response_model=list[KeyOut], summary="API keys (never their secrets)")
def list_keys(store: StoreDep, _who: PrincipalDep) -> list[KeyOut]:
    """API keys with their role and state; secrets are never returned."""
    return [KeyOut.model_validate(k) for k in store.keys.list()]


@router.get(
    "/whoami",
    response_model=CallerOut,
    summary="Who am I: the caller's name, role and technician",
    description="Answers for the key sent in `X-API-Key` (or for the anonymous caller): a "
    "technician's phone page signs in with its key and learns which technician it acts for. "
    "An unknown or revoked key is 401, as on every operation.",
)
def whoami(who: PrincipalDep, settings: SettingsDep) -> CallerOut:
    return CallerOut(name=who.name, role=who.role, technician=who.technician, auth=settings.auth)


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="Revoke an API key",
    description="Revoking the key the request is made with answers 409 unless `force=true`.",
    responses={409: PROBLEM_RESPONSES[422] | {"description": "That is the caller's own key"}},
)
def revoke_key(
    key_id: str,
    store: StoreDep,
    who: PrincipalDep,
    force: Annotated[bool, Query(description="also revoke the key making this request")] = False,
) -> KeyOut:
    return KeyOut.model_validate(
        store.keys.revoke(key_id, who.name, actor_key=who.key_id, force=force)
    )
