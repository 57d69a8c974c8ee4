"""The papers a resident scans for one dossier: pages per paper, one PDF per paper, and the size limits.

Limits are the kiosk's own (the portal's real upload limits are not published in anything checked): a PDF of
one paper at most `MAX_PAPER_BYTES`, the scans of one dossier together at most `MAX_DOSSIER_BYTES`, at most
`MAX_PAGES` pages per paper. A page that would break a limit is refused with a message and nothing already
scanned is lost (`kiosk.scanning.images.with_page`, which builds the PDF).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.outbox.store import Attachment

if TYPE_CHECKING:  # image processing loads when the first page is scanned (kiosk.scanning.images.with_page)
    from kiosk.scanning.images import Page

MAX_PAGES = 10
MAX_PAPER_BYTES = 5 * 1024 * 1024
MAX_DOSSIER_BYTES = 20 * 1024 * 1024


class LimitExceeded(Exception):  # noqa: N818 - reads as the situation
    """Adding the page would break a size limit; `message_key` says which."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


@dataclass
class ScannedPaper:
    """One paper's pages and its PDF, in memory until the dossier is sealed in the outbox."""

    paper_id: str
    pages: list[Page] = field(default_factory=list)
    pdf: bytes = b""

    def __repr__(self) -> str:  # never the images in logs or tracebacks
        return f"ScannedPaper({self.paper_id!r}, {len(self.pages)} pages, {len(self.pdf)} bytes)"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    def forget(self) -> None:
        """Drop the images and the PDF (the reset does this, then drops the paper itself)."""
        for page in self.pages:
            page.image.close()
        self.pages.clear()
        self.pdf = b""


def manifest(papers: Mapping[str, ScannedPaper]) -> list[dict[str, Any]]:
    """What the dossier says of its scans: per paper its id, pages, size and SHA-256 (never the content)."""
    return [{"paper_id": p.paper_id, "pages": len(p.pages), "bytes": len(p.pdf), "sha256": p.sha256,
             "media_type": "application/pdf"} for p in papers.values() if p.pages]


def attachments_for(payload: Mapping[str, Any], scans: Mapping[str, ScannedPaper]) -> list[Attachment]:
    """The PDFs to seal into the outbox with a dossier: those its payload lists, from the session's scans."""
    listed = [entry["paper_id"] for entry in payload.get("attachments", ())]
    return [Attachment(key, len(scans[key].pages), scans[key].pdf) for key in listed if key in scans]
