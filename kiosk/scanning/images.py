"""Turning a raw scan into what the portal gets: cropped, straightened, grey or black-and-white, one PDF per paper.

Deskewing uses a projection profile: the page, reduced and made black-and-white, is turned through small angles
and the angle whose rows are most uneven (text lines fall into few rows) wins. Limit: it corrects up to
`MAX_SKEW_DEG` either way, which covers a paper laid a little crooked on the glass, not one laid sideways.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageChops, ImageOps

from kiosk.scanning import papers
from kiosk.scanning.device import RawScan
from kiosk.scanning.papers import LimitExceeded, ScannedPaper

MAX_SKEW_DEG = 5.0
SKEW_STEP_DEG = 0.5
MIN_DPI, MAX_DPI = 200, 300
BACKGROUND_TOLERANCE = 40  # grey levels a margin may differ from the scanner's lid and still count as margin
Image.MAX_IMAGE_PIXELS = 120_000_000  # a decompression bomb is refused (A4 at 1200 dpi is ~140 Mpx)


class Colour(StrEnum):
    GREY = "grey"
    BLACK_WHITE = "bw"


class ImageError(Exception):
    """The scanner's data is not an image."""

    message_key = "scan.error.failed"


@dataclass(frozen=True)
class Page:
    """One processed page, held in memory only (sealed into the outbox as part of the paper's PDF)."""

    image: Image.Image
    dpi: int

    def __repr__(self) -> str:
        return f"Page({self.image.width}x{self.image.height}, {self.dpi} dpi)"


def process(raw: RawScan, colour: Colour = Colour.GREY, dpi: int = 200) -> Page:
    """Decode, crop the margins, straighten, reduce to `dpi` (200-300) and make grey or black-and-white."""
    dpi = max(MIN_DPI, min(MAX_DPI, int(dpi)))
    try:
        with Image.open(io.BytesIO(raw.data)) as decoded:
            image = ImageOps.grayscale(decoded) if decoded.mode != "L" else decoded.copy()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"the scanner's data is not an image ({type(exc).__name__})") from None
    image = crop_margins(image)
    image = deskew(image)
    if raw.resolution > dpi:
        scale = dpi / raw.resolution
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.LANCZOS)
    else:
        dpi = raw.resolution if raw.resolution >= MIN_DPI else dpi
    if colour is Colour.BLACK_WHITE:
        image = image.point(lambda v: 255 if v > 160 else 0).convert("1")
    return Page(image, dpi)


def crop_margins(image: Image.Image, pad: int = 8) -> Image.Image:
    """Cut away the margin around the paper: whatever matches the colour of the scan's corners."""
    corner = image.getpixel((0, 0))
    background = Image.new(image.mode, image.size, corner)
    diff = ImageChops.difference(image, background).point(lambda v: 255 if v > BACKGROUND_TOLERANCE else 0)
    box = diff.getbbox()
    if box is None:
        return image  # a blank page: nothing to crop to
    left, top, right, bottom = box
    box = (max(0, left - pad), max(0, top - pad), min(image.width, right + pad), min(image.height, bottom + pad))
    if (box[2] - box[0]) * (box[3] - box[1]) < image.width * image.height // 20:
        return image  # a speck, not a paper: keep the whole scan
    return image.crop(box)


def skew_angle(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes the page's lines of text horizontal."""
    small = image.copy()
    small.thumbnail((400, 400))
    ink = small.point(lambda v: 255 if v < 128 else 0)
    best_angle, best_score = 0.0, -1.0
    steps = int(MAX_SKEW_DEG / SKEW_STEP_DEG)
    for index in range(-steps, steps + 1):
        angle = index * SKEW_STEP_DEG
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())  # ink per row
        mean = sum(rows) / len(rows)
        score = sum((r - mean) ** 2 for r in rows)
        if score > best_score + 1e-9 or (abs(score - best_score) <= 1e-9 and abs(angle) < abs(best_angle)):
            best_angle, best_score = angle, score
    return best_angle


def deskew(image: Image.Image) -> Image.Image:
    angle = skew_angle(image)
    if angle == 0.0:
        return image
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def to_pdf(pages: list[Page]) -> bytes:
    """One PDF holding the pages of one paper, each at its resolution (so it prints at its real size)."""
    if not pages:
        raise ValueError("a paper has at least one page")
    out = io.BytesIO()
    first, *rest = pages
    first.image.save(out, format="PDF", save_all=True, append_images=[p.image for p in rest],
                     resolution=float(first.dpi))
    return out.getvalue()


def preview_png(page: Page, longest: int = 900) -> bytes:
    """A reduced PNG of the page for the preview on screen."""
    small = page.image.convert("L")
    small.thumbnail((longest, longest))
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def with_page(paper_id: str, page: Page, kept: list[Page], others: Mapping[str, ScannedPaper]) -> ScannedPaper:
    """The paper made of `kept` pages plus `page`, its PDF built and checked against the limits (a worker's job:
    building the PDF takes a moment). `others` are the dossier's other papers, for the dossier limit."""
    pages = [*kept, page]
    if len(pages) > papers.MAX_PAGES:
        raise LimitExceeded("scan.limit.pages")
    pdf = to_pdf(pages)
    if len(pdf) > papers.MAX_PAPER_BYTES:
        raise LimitExceeded("scan.limit.paper")
    if len(pdf) + sum(len(p.pdf) for key, p in others.items() if key != paper_id) > papers.MAX_DOSSIER_BYTES:
        raise LimitExceeded("scan.limit.dossier")
    return ScannedPaper(paper_id, pages, pdf)
