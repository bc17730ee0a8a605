"""One root exception for the whole library.

Every error a caller can act on is a subclass of :class:`TwinError` that carries the HTTP status
the API turns it into (RFC 9457 problem documents are built from ``status``, ``title`` and the
message), so the web layer needs one handler and no mapping table that drifts from the library.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthError",
    "BuildingNotFound",
    "Conflict",
    "ElementNotFound",
    "Forbidden",
    "IfcLoadError",
    "IllegalTransition",
    "InvalidInput",
    "ModelConflict",
    "NetworkUnknown",
    "NoRoute",
    "NotFound",
    "PayloadTooLarge",
    "SpaceNotFound",
    "StoreUnavailable",
    "StoreyNotFound",
    "TwinError",
    "UnsupportedSchema",
]


class TwinError(Exception):
    """Root of every error the library raises on purpose.

    ``detail`` is the sentence a user reads; ``extra`` holds machine-readable context
    (identifiers, file names) that the API copies into the problem document.
    """

    status: int = 500
    title: str = "Internal error"
    slug: str = "internal-error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(TwinError):
    status = 422
    title = "Invalid input"
    slug = "invalid-input"


class PayloadTooLarge(InvalidInput):
    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class IfcLoadError(InvalidInput):
    """The file cannot become a twin: not IFC, truncated, or unreadable."""

    title = "IFC file cannot be loaded"
    slug = "ifc-load-error"


class UnsupportedSchema(IfcLoadError):
    title = "Unsupported IFC schema"
    slug = "unsupported-schema"


class NotFound(TwinError):
    status = 404
    title = "Not found"
    slug = "not-found"


class BuildingNotFound(NotFound):
    title = "Building not found"
    slug = "building-not-found"


class StoreyNotFound(NotFound):
    title = "Storey not found"
    slug = "storey-not-found"


class SpaceNotFound(NotFound):
    title = "Space not found"
    slug = "space-not-found"


class ElementNotFound(NotFound):
    title = "Element not found"
    slug = "element-not-found"


class Conflict(TwinError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class IllegalTransition(Conflict):
    title = "Illegal state transition"
    slug = "illegal-transition"


class NoRoute(Conflict):
    """No path exists under the given profile and restrictions; ``extra`` says what cuts it off."""

    title = "No route"
    slug = "no-route"


class NetworkUnknown(Conflict):
    """The model carries no distribution connectivity for this element: we refuse to invent one."""

    title = "Distribution network unknown"
    slug = "network-unknown"


class ModelConflict(Conflict):
    """A model's products collide with a served model's without being a revision of it or a
    discipline model of the same building; ``extra`` names the model and some colliding ids."""

    title = "Model collides with a served model"
    slug = "model-conflict"


class AuthError(TwinError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(TwinError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class StoreUnavailable(TwinError):
    status = 503
    title = "State store unavailable"
    slug = "store-unavailable"
