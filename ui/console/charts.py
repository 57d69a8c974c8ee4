"""Simple bar charts painted with QPainter (QtCharts is not part of PySide6-Essentials)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: tuple[float, ...]


class BarChart(QWidget):
    """Grouped bars: one group per label, one bar per series, with the values written on the bars.

    The figures are also the widget's accessible description, so a screen reader (and a test) can read
    what the picture shows.
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = ""
        self.labels: tuple[str, ...] = ()
        self.series: tuple[Series, ...] = ()
        self.setMinimumSize(QSize(420, 240))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, title: str, labels: Sequence[str], series: Sequence[Series]) -> None:
        for item in series:
            if len(item.values) != len(labels):
                raise ValueError(f"series {item.name!r} has {len(item.values)} values for {len(labels)} labels")
        self.title = title
        self.labels = tuple(labels)
        self.series = tuple(series)
        self.setAccessibleName(title)
        parts = [f"{label}: " + ", ".join(f"{s.name} {s.values[i]:g}" for s in self.series)
                 for i, label in enumerate(self.labels)]
        self.setAccessibleDescription("; ".join(parts))
        self.update()

    def maximum(self) -> float:
        return max((v for s in self.series for v in s.values), default=0.0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().windowText().color()
        painter.fillRect(self.rect(), self.palette().base())
        font = QFont(self.font())
        font.setPixelSize(16)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        line = metrics.height()
        width, height = float(self.width()), float(self.height())
        painter.setPen(text_colour)
        painter.drawText(QRectF(8, 4, width - 16, line), Qt.AlignmentFlag.AlignLeft, self.title)
        legend_x = 8.0
        for item in self.series:
            painter.fillRect(QRectF(legend_x, 8 + line, 14, 14), QColor(item.colour))
            painter.drawText(QRectF(legend_x + 20, 4 + line, 240, line), Qt.AlignmentFlag.AlignLeft, item.name)
            legend_x += 28 + metrics.horizontalAdvance(item.name)
        top = 12 + 2 * line
        bottom = height - line - 8
        plot = QRectF(8, top, width - 16, max(1.0, bottom - top))
        painter.setPen(QColor(text_colour))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        peak = self.maximum()
        if not self.labels or not self.series:
            painter.end()
            return
        group = plot.width() / len(self.labels)
        bar = max(2.0, (group * 0.8) / len(self.series))
        widest = max(metrics.horizontalAdvance(label) for label in self.labels) + 8
        # Crowded axes (a fortnight of dates) label every n-th group rather than cut every label short.
        every = 1 if widest <= group or widest > 4 * group else math.ceil(widest / group)
        for i, label in enumerate(self.labels):
            x0 = plot.left() + i * group + group * 0.1
            for j, item in enumerate(self.series):
                value = item.values[i]
                h = 0.0 if peak <= 0 else (value / peak) * (plot.height() - line)
                rect = QRectF(x0 + j * bar, plot.bottom() - h, bar - 2, h)
                painter.fillRect(rect, QColor(item.colour))
                if value:
                    painter.drawText(QRectF(rect.left() - 10, rect.top() - line, rect.width() + 20, line),
                                     Qt.AlignmentFlag.AlignHCenter, f"{value:g}")
            if i % every:
                continue
            span = group * every
            painter.drawText(QRectF(plot.left() + i * group - (span - group) / 2, plot.bottom() + 2, span, line),
                             Qt.AlignmentFlag.AlignHCenter, metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                                                               int(span)))
        painter.end()
