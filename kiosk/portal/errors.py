"""What can go wrong when talking to the portal, sorted by what the caller should do about it."""

from __future__ import annotations


class PortalError(Exception):
    """Any failure to get a usable answer from the portal. `reason` is safe to log (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PortalUnavailable(PortalError):  # noqa: N818 - names read as outcomes at call sites
    """Network failure, timeout or server error that outlasted the retries: try again later."""


class PortalRejected(PortalError):  # noqa: N818
    """The portal refused the request (4xx). Sending it again unchanged will not help."""

    def __init__(self, reason: str, *, status: int, detail: str, problem_type: str = "about:blank") -> None:
        super().__init__(reason)
        self.status = status
        self.detail = detail
        self.problem_type = problem_type


class PortalAuthError(PortalError):
    """The portal did not accept the kiosk's credentials or token. Staff must check the configuration."""


class PortalProtocolError(PortalError):
    """The portal answered something that is not a valid answer (wrong type, HTML, too big, bad UTF-8)."""
