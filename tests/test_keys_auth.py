"""API keys in the store: hashed at rest, shown once, revocable, constant-time checked; and the
API authenticator built on them."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from api.auth import Principal, StoreAuthenticator
from twin.errors import InvalidInput, NotFound
from twin.live import audit, keys, technicians
from twin.live.store import LiveStore
from twin.live.tables_ops import api_keys


def test_secret_is_hashed_and_checked(store: LiveStore) -> None:
    secret, rec = keys.create_key(store, "operator", "desk")
    prefix, key_id, raw = secret.split("_", 2)
    assert (prefix, key_id) == ("twin", rec.id) and len(raw) >= 40
    with store.engine.connect() as conn:
        stored = conn.execute(select(api_keys.c.hash).where(api_keys.c.id == rec.id)).scalar_one()
    assert stored == hashlib.sha256(raw.encode()).hexdigest() and raw not in stored
    assert keys.authenticate(store, secret) == rec
    assert keys.authenticate(store, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert keys.authenticate(store, f"twin_{rec.id}") is None
    assert keys.authenticate(store, "Bearer whatever") is None
    # another key's id with this secret fails
    _, other = keys.create_key(store, "viewer", "screen")
    assert keys.authenticate(store, f"twin_{other.id}_{raw}") is None


def test_revoke_and_roles(store: LiveStore) -> None:
    secret, rec = keys.create_key(store, "viewer", "screen", actor="root")
    revoked = keys.revoke_key(store, rec.id, "root")
    assert revoked.revoked is not None and keys.authenticate(store, secret) is None
    assert keys.revoke_key(store, rec.id, "root").revoked == revoked.revoked
    assert [k.id for k in keys.list_keys(store, include_revoked=False)] == []
    with pytest.raises(InvalidInput):
        keys.create_key(store, "superuser", "x")
    with pytest.raises(InvalidInput):
        keys.create_key(store, "technician", "phone")
    with pytest.raises(NotFound):
        keys.create_key(store, "technician", "phone", technician="ghost")
    with pytest.raises(NotFound):
        keys.revoke_key(store, "nope", "root")
    actions = [e.action for e in audit.list_audit(store, target=f"key:{rec.id}")]
    assert actions == ["key.revoke", "key.revoke", "key.create"]


def test_authenticator_adapts_to_principal(store: LiveStore) -> None:
    technicians.register_technician(store, "ann", name="Ann", skills=["general"], actor="a")
    secret, rec = keys.create_key(store, "technician", "ann's phone", technician="ann")

    class _State:
        pass

    class _App:
        state = _State()

    app = _App()
    auth = StoreAuthenticator(app)  # type: ignore[arg-type]
    assert auth.authenticate(secret) is None  # no store yet: nobody gets in
    app.state.store = store  # type: ignore[attr-defined]
    assert auth.authenticate(secret) == Principal("ann's phone", "technician", "ann", rec.id)
    assert auth.authenticate("twin_x_y") is None
