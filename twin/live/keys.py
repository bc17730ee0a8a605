"""API keys with roles, stored hashed.

A key reads ``twin_<id>_<secret>``: the id finds the row, the secret is checked against its
SHA-256 with a constant-time compare. The secret itself is shown once, at creation, and never
stored, so a leaked database does not leak working keys. The API adapts :class:`ApiKey` records
into its own principals (the library does not import the API). :class:`KeyRepository` is
``store.keys``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any

from sqlalchemy import Row, select

from twin.errors import Conflict, InvalidInput, NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.records import ApiKey, from_us
from twin.live.tables_ops import api_keys, technicians
from twin.live.txn import Db, transaction

__all__ = ["KEY_ROLES", "KeyRepository"]

log = logging.getLogger(__name__)

#: Same names as ``api.auth.ROLES`` (kept here so the library does not import the API).
KEY_ROLES: tuple[str, ...] = ("viewer", "technician", "operator", "planner", "admin")
_PREFIX = "twin"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _row(r: Row[Any]) -> ApiKey:
    return ApiKey(
        id=r.id,
        role=r.role,
        name=r.name,
        technician=r.technician,
        created=from_us(r.created),
        revoked=from_us(r.revoked),
    )


class KeyRepository:
    """API keys (table ``api_keys``); every write audited in its transaction."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def create(
        self,
        role: str,
        name: str,
        technician: str | None = None,
        actor: str = "cli",
    ) -> tuple[str, ApiKey]:
        """A new key: ``(secret key string, record)``; the string is not recoverable later.
        A technician key must name a registered technician (the one it acts for)."""
        if role not in KEY_ROLES:
            raise InvalidInput(f"role must be one of {', '.join(KEY_ROLES)}", role=role)
        if role == "technician" and not technician:
            raise InvalidInput("a technician key needs the technician id it acts for")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        with transaction(self._db) as conn:
            if technician is not None:
                q = select(technicians.c.id).where(technicians.c.id == technician)
                if conn.execute(q).first() is None:
                    raise NotFound(f"no technician {technician!r}", technician=technician)
            conn.execute(
                api_keys.insert().values(
                    id=key_id, hash=_hash(secret), role=role, name=name,
                    technician=technician, created=now_us(),
                )
            )  # fmt: skip
            audit.record(conn, actor, "key.create", f"key:{key_id}", {"role": role, "name": name})
            record = KeyRepository(conn).get(key_id)
        return f"{_PREFIX}_{key_id}_{secret}", record

    def get(self, key_id: str) -> ApiKey:
        with transaction(self._db) as conn:
            r = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if r is None:
            raise NotFound(f"no API key {key_id!r}", key=key_id)
        return _row(r)

    def revoke(
        self, key_id: str, actor: str, *, actor_key: str | None = None, force: bool = False
    ) -> ApiKey:
        """Revoke (idempotent: the first revocation time is kept). Revoking ``actor_key``, the
        key the caller is using, is a Conflict unless ``force``: an admin would lock itself out
        by a slip (and the last admin key would leave nobody able to create keys but the CLI)."""
        if actor_key is not None and key_id == actor_key and not force:
            raise Conflict(
                f"key {key_id!r} is the key you are using; "
                "revoke it with force=true if you mean to",
                key=key_id,
            )
        with transaction(self._db) as conn:
            repo = KeyRepository(conn)
            repo.get(key_id)
            conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked.is_(None))
                .values(revoked=now_us())
            )
            audit.record(conn, actor, "key.revoke", f"key:{key_id}", {})
            return repo.get(key_id)

    def authenticate(self, key: str) -> ApiKey | None:
        """The live key record for a presented key string, or None (unknown, wrong, revoked)."""
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] != _PREFIX:
            return None
        _, key_id, secret = parts
        with transaction(self._db) as conn:
            r = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if r is None or r.revoked is not None:
            return None
        if not hmac.compare_digest(r.hash, _hash(secret)):
            return None
        return _row(r)

    def list(self, include_revoked: bool = True) -> list[ApiKey]:
        q = select(api_keys).order_by(api_keys.c.created, api_keys.c.id)
        if not include_revoked:
            q = q.where(api_keys.c.revoked.is_(None))
        with transaction(self._db) as conn:
            return [_row(r) for r in conn.execute(q)]
