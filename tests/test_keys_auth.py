"""API keys in the store: hashed at rest, shown once, revocable, constant-time checked; and the
API authenticator built on them."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from api.auth import Principal, StoreAuthenticator
from twin.errors import InvalidInput, NotFound
from twin.live.store import LiveStore
from twin.live.tables_ops import api_keys


def test_secret_is_hashed_and_checked(store: LiveStore) -> None:
    secret, rec = store.keys.create("operator", "desk")
    prefix, key_id, raw = secret.split("_", 2)
    assert (prefix, key_id) == ("twin", rec.id) and len(raw) >= 40
    with store.engine.connect() as conn:
        stored = conn.execute(select(api_keys.c.hash).where(api_keys.c.id == rec.id)).scalar_one()
    assert stored == hashlib.sha256(raw.encode()).hexdigest() and raw not in stored
    assert store.keys.authenticate(secret) == rec
    assert store.keys.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.keys.authenticate(f"twin_{rec.id}") is None
    assert store.keys.authenticate("Bearer whatever") is None
    # another key's id with this secret fails
    _, other = store.keys.create("viewer", "screen")
    assert store.keys.authenticate(f"twin_{other.id}_{raw}") is None


def test_revoke_and_roles(store: LiveStore) -> None:
    secret, rec = store.keys.create("viewer", "screen", actor="root")
    revoked = store.keys.revoke(rec.id, "root")
    assert revoked.revoked is not None and store.keys.authenticate(secret) is None
    assert store.keys.revoke(rec.id, "root").revoked == revoked.revoked
    assert [k.id for k in store.keys.list(include_revoked=False)] == []
    with pytest.raises(InvalidInput):
        store.keys.create("superuser", "x")
    with pytest.raises(InvalidInput):
        store.keys.create("technician", "phone")
    with pytest.raises(NotFound):
        store.keys.create("technician", "phone", technician="ghost")
    with pytest.raises(NotFound):
        store.keys.revoke("nope", "root")
    actions = [e.action for e in store.audit.list(target=f"key:{rec.id}")]
    assert actions == ["key.revoke", "key.revoke", "key.create"]


def test_authenticator_adapts_to_principal(store: LiveStore) -> None:
    store.technicians.register("ann", name="Ann", skills=["general"], actor="a")
    secret, rec = store.keys.create("technician", "ann's phone", technician="ann")

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
