"""1-bit images to ESC/POS raster bytes (`GS v 0`), and back again for tests and diagnostics.

The receipt is printed as an image because printer code pages mangle Vietnamese letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PAPER_80MM_DOTS = 576
PAPER_58MM_DOTS = 384
MAX_STRIP_HEIGHT = 2303  # the smallest limit of GS v 0's yL/yH among common printers

ESC = 0x1B
GS = 0x1D
INIT = b"\x1b@"
PARTIAL_CUT = b"\x1dVB\x00"  # GS V 66 0: feed to the cutter, then cut leaving a hinge


@dataclass(frozen=True)
class MonoBitmap:
    """A 1-bit image: `rows` holds `height` rows of `stride` bytes, MSB leftmost, 1 = black.

    Bits past `width` in a row's last byte are always 0.
    """

    width: int
    height: int
    rows: bytes

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"bitmap must be at least 1x1 dots, not {self.width}x{self.height}")
        if len(self.rows) != self.stride * self.height:
            needed = self.stride * self.height
            raise ValueError(f"{self.width}x{self.height} bitmap needs {needed} bytes, got {len(self.rows)}")
        pad_mask = (1 << (self.stride * 8 - self.width)) - 1
        if pad_mask and any(self.rows[(y + 1) * self.stride - 1] & pad_mask for y in range(self.height)):
            raise ValueError("bits past the bitmap width must be 0")

    @property
    def stride(self) -> int:
        """Bytes per row."""
        return (self.width + 7) // 8

    @classmethod
    def from_rows(cls, width: int, rows: Sequence[bytes]) -> MonoBitmap:
        """A bitmap from packed rows; bits past `width` are cleared."""
        if width < 1:
            raise ValueError(f"bitmap must be at least 1 dot wide, not {width}")
        stride = (width + 7) // 8
        pad_mask = 0xFF ^ ((1 << (stride * 8 - width)) - 1)
        packed = bytearray()
        for y, row in enumerate(rows):
            if len(row) != stride:
                raise ValueError(f"row {y} has {len(row)} bytes, a {width}-dot row needs {stride}")
            packed += row[:-1]
            packed.append(row[-1] & pad_mask)
        return cls(width, len(rows), bytes(packed))

    @classmethod
    def from_bools(cls, pixels: Sequence[Sequence[bool]]) -> MonoBitmap:
        """A bitmap from rows of dots (True = black); all rows must have the same length."""
        if not pixels:
            raise ValueError("bitmap must have at least one row")
        width = len(pixels[0])
        stride = (width + 7) // 8
        rows = []
        for y, line in enumerate(pixels):
            if len(line) != width:
                raise ValueError(f"row {y} has {len(line)} dots, row 0 has {width}")
            value = 0
            for dot in line:
                value = (value << 1) | bool(dot)
            rows.append((value << (stride * 8 - width)).to_bytes(stride, "big"))
        return cls.from_rows(width, rows)

    @classmethod
    def blank(cls, width: int, height: int) -> MonoBitmap:
        """An all-white bitmap."""
        return cls(width, height, bytes(((width + 7) // 8) * height))

    def get(self, x: int, y: int) -> bool:
        """Whether the dot at column x, row y is black."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"({x}, {y}) is outside a {self.width}x{self.height} bitmap")
        return bool(self.rows[y * self.stride + x // 8] & (0x80 >> (x % 8)))

    def row(self, y: int) -> bytes:
        """The packed bytes of row y."""
        if not 0 <= y < self.height:
            raise IndexError(f"row {y} is outside a bitmap of height {self.height}")
        return self.rows[y * self.stride : (y + 1) * self.stride]

    def widened(self, width: int) -> MonoBitmap:
        """This bitmap with white columns added on the right up to `width` dots."""
        if width < self.width:
            raise ValueError(f"cannot widen a {self.width}-dot bitmap to {width} dots")
        stride = (width + 7) // 8
        extra = bytes(stride - self.stride)
        return MonoBitmap(width, self.height, b"".join(self.row(y) + extra for y in range(self.height)))


def raster_commands(
    bitmap: MonoBitmap,
    strip_height: int = 128,
    *,
    paper_dots: int = PAPER_80MM_DOTS,
    feed_lines: int = 2,
    cut: bool = True,
) -> bytes:
    """The ESC/POS job printing `bitmap`: ESC @, one `GS v 0` per strip of at most `strip_height`
    rows, `feed_lines` blank lines (ESC d) and a partial cut.

    The width is padded to whole bytes; a bitmap wider than `paper_dots` (576 for 80 mm paper,
    384 for 58 mm) raises ValueError.
    """
    if bitmap.width > paper_dots:
        raise ValueError(f"bitmap is {bitmap.width} dots wide, the paper takes at most {paper_dots}")
    if not 1 <= strip_height <= MAX_STRIP_HEIGHT:
        raise ValueError(f"strip height must be 1 to {MAX_STRIP_HEIGHT} rows, not {strip_height}")
    if not 0 <= feed_lines <= 255:
        raise ValueError(f"feed must be 0 to 255 lines, not {feed_lines}")
    stride = bitmap.stride
    out = bytearray(INIT)
    for top in range(0, bitmap.height, strip_height):
        rows = min(strip_height, bitmap.height - top)
        out += bytes((GS, 0x76, 0x30, 0x00)) + stride.to_bytes(2, "little") + rows.to_bytes(2, "little")
        out += bitmap.rows[top * stride : (top + rows) * stride]
    if feed_lines:
        out += bytes((ESC, 0x64, feed_lines))
    if cut:
        out += PARTIAL_CUT
    return bytes(out)


# Commands decode_raster steps over: prefix → number of parameter bytes that follow it.
_SKIPPED: dict[bytes, int] = {
    b"\x0a": 0,  # LF
    b"\x1b@": 0,  # ESC @ initialise
    b"\x1b2": 0,  # ESC 2 default line spacing
    b"\x1b3": 1,  # ESC 3 n line spacing
    b"\x1ba": 1,  # ESC a n justification
    b"\x1bd": 1,  # ESC d n feed lines
    b"\x1bJ": 1,  # ESC J n feed dots
    b"\x10\x04": 1,  # DLE EOT n status query
}
_CUT_WITHOUT_N = frozenset({0, 1, 48, 49})
_CUT_WITH_N = frozenset({65, 66, 97, 98, 103, 104})


def decode_raster(data: bytes) -> MonoBitmap:  # noqa: C901 (a byte-level parser of the ESC/POS commands the printer receives)
    """The image a byte stream prints: all `GS v 0` strips stacked top to bottom.

    Other commands that `raster_commands` or the status queries produce are skipped. Raises ValueError
    for an unknown command, a truncated one, strips of different widths, a scaled raster mode,
    or a stream without any image.
    """
    pos = 0
    stride: int | None = None
    height = 0
    image = bytearray()
    while pos < len(data):
        if data[pos : pos + 3] == b"\x1dv0":
            header = data[pos + 3 : pos + 8]
            if len(header) < 5:
                raise ValueError(f"GS v 0 at offset {pos} is cut short")
            mode = header[0]
            if mode not in (0, 48):
                raise ValueError(f"GS v 0 at offset {pos} uses scaled mode {mode}, only normal is supported")
            x_bytes = int.from_bytes(header[1:3], "little")
            rows = int.from_bytes(header[3:5], "little")
            if x_bytes == 0 or rows == 0:
                raise ValueError(f"GS v 0 at offset {pos} has an empty image")
            if stride is not None and x_bytes != stride:
                raise ValueError(f"GS v 0 at offset {pos} is {x_bytes} bytes wide, earlier strips {stride}")
            size = x_bytes * rows
            body = data[pos + 8 : pos + 8 + size]
            if len(body) != size:
                raise ValueError(f"GS v 0 at offset {pos} promises {size} bytes of image, {len(body)} follow")
            stride = x_bytes
            height += rows
            image += body
            pos += 8 + size
            continue
        if data[pos : pos + 2] == b"\x1dV":
            if pos + 2 >= len(data):
                raise ValueError(f"GS V at offset {pos} is cut short")
            mode = data[pos + 2]
            if mode in _CUT_WITHOUT_N:
                pos += 3
            elif mode in _CUT_WITH_N:
                if pos + 3 >= len(data):
                    raise ValueError(f"GS V at offset {pos} is cut short")
                pos += 4
            else:
                raise ValueError(f"GS V at offset {pos} has unknown cut mode {mode}")
            continue
        for prefix, params in _SKIPPED.items():
            if data.startswith(prefix, pos):
                end = pos + len(prefix) + params
                if end > len(data):
                    raise ValueError(f"command {prefix.hex(' ')} at offset {pos} is cut short")
                pos = end
                break
        else:
            raise ValueError(f"unknown ESC/POS byte 0x{data[pos]:02X} at offset {pos}")
    if stride is None:
        raise ValueError("the stream holds no raster image")
    return MonoBitmap(stride * 8, height, bytes(image))
