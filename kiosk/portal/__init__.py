"""The kiosk's side of the online-service portal: contract models and an HTTP client."""

from kiosk.portal.client import CatalogResult, NotModified, PortalClient
from kiosk.portal.errors import (
    PortalAuthError,
    PortalError,
    PortalProtocolError,
    PortalRejected,
    PortalUnavailable,
)

__all__ = [
    "CatalogResult",
    "NotModified",
    "PortalAuthError",
    "PortalClient",
    "PortalError",
    "PortalProtocolError",
    "PortalRejected",
    "PortalUnavailable",
]
