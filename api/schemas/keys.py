"""API keys: the creation body, the key as listed (never its secret) and the one-time answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = ["CallerOut", "KeyCreateIn", "KeyCreatedOut", "KeyOut", "Role"]

Role = Literal["viewer", "technician", "operator", "planner", "admin"]


class KeyCreateIn(StrictIn):
    role: Role = Field(examples=["operator"])
    name: str = Field(min_length=1, max_length=200, examples=["ops desk tablet"])
    technician: str | None = Field(None, description="technician id a technician key acts for")


class KeyOut(BaseModel):
    # Read from :class:`twin.live.records.ApiKey` (``KeyOut.model_validate(key)``).
    model_config = ConfigDict(from_attributes=True)

    id: str
    role: str
    name: str
    technician: str | None
    created: datetime | None
    revoked: datetime | None


class KeyCreatedOut(KeyOut):
    key: str = Field(description="the secret, shown this once", examples=["twin_3fa1c2d4e5b6_..."])


class CallerOut(BaseModel):
    """Who the server takes the caller for: the key's name, role and technician."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "name": "Ann's phone", "role": "technician", "technician": "tech-ann", "auth": True,
        }]}
    )  # fmt: skip

    name: str = Field(description="the key's name; `anonymous` without a key")
    role: str = Field(description="the role the request was granted")
    technician: str | None = Field(description="the technician a technician key acts for")
    auth: bool = Field(description="whether this server checks API keys (TWIN_AUTH)")
