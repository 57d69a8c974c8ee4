"""The kiosk's side of the online-service portal: contract models and an HTTP client (client), the sync engine
that delivers the outbox in order, each dossier exactly once (sync), and everything the running kiosk asks of
the portal in blocking calls meant for a worker thread (link)."""

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
