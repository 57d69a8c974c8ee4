"""The console's statistics page: a fortnight of sessions, ratings and procedures in charts, and a CSV export
of every day kept. No personal data."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
)

from kiosk.files import paths
from kiosk.operations import Operation
from kiosk.ops.stats import DayFigures
from ui.common.widgets import button, label
from ui.console.charts import BarChart, Series
from ui.console.page import ConsolePage

log = logging.getLogger(__name__)

STATS_DAYS = 14



class StatsPage(ConsolePage):
    def _build_stats(self) -> None:
        layout = self._page("stats")
        self.stats_summary = label("", "console.stats.summary", "subtitle")
        layout.addWidget(self.stats_summary)
        charts = QGridLayout()
        self.chart_sessions = BarChart("console.chart.sessions")
        self.chart_procedures = BarChart("console.chart.procedures")
        self.chart_ratings = BarChart("console.chart.ratings")
        charts.addWidget(self.chart_sessions, 0, 0)
        charts.addWidget(self.chart_ratings, 0, 1)
        charts.addWidget(self.chart_procedures, 1, 0, 1, 2)
        layout.addLayout(charts, 1)
        row = QHBoxLayout()
        self.csv_label = label("", "console.csv.label", wrap=False)
        self.csv_path = QLineEdit()
        self.csv_path.setObjectName("console.csv.path")
        self.csv_export = button("", "console.csv.export", "primary")
        self.csv_export.clicked.connect(self.export_csv)
        row.addWidget(self.csv_label)
        row.addWidget(self.csv_path, 1)
        row.addWidget(self.csv_export)
        layout.addLayout(row)

    def _range(self) -> tuple[date, date]:
        end = self.runtime.clock.now().date()
        return end - timedelta(days=STATS_DAYS - 1), end

    def _default_csv_path(self) -> Path:
        return paths.data_dir() / "exports" / f"thong-ke-{self.runtime.clock.now():%Y%m%d}.csv"

    def refresh_stats(self) -> None:
        store = self.host.stats_store
        if store is None:
            return
        start, end = self._range()

        def read() -> list[DayFigures]:
            store.flush()
            return store.range(start, end)

        self.host.runner.run(Operation("statistics read", read), self._show_stats, self._status_failed)

    def _show_stats(self, days: list[DayFigures]) -> None:
        t = self.t
        start, end = self._range()
        by_day = {d.day: d for d in days}
        span = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.chart_sessions.set_data(t("console.chart.sessions"), [f"{d:%d/%m}" for d in span], [
            Series(t("console.chart.sessions_series"), "#0B5CAD",
                   tuple(float(by_day[d].sessions) if d in by_day else 0.0 for d in span))])
        ratings = [sum(d.ratings.get(str(n), 0) for d in days) for n in range(1, 6)]
        self.chart_ratings.set_data(t("console.chart.ratings"), [f"{n}★" for n in range(1, 6)], [
            Series(t("console.chart.ratings_series"), "#F59E0B", tuple(float(v) for v in ratings))])
        totals: dict[str, list[int]] = {}
        for figures in days:
            for code, p in figures.procedures.items():
                entry = totals.setdefault(code, [0, 0])
                entry[0] += p.completed
                entry[1] += p.abandoned
        codes = sorted(totals, key=lambda c: -(totals[c][0] + totals[c][1]))[:8]
        names = []
        for code in codes:
            try:
                names.append(self.runtime.catalog.get(code).name.get(self.lang))
            except KeyError:
                names.append(code)
        self.chart_procedures.set_data(t("console.chart.procedures"), names, [
            Series(t("console.chart.completed"), "#15803D", tuple(float(totals[c][0]) for c in codes)),
            Series(t("console.chart.abandoned"), "#B00020", tuple(float(totals[c][1]) for c in codes))])
        self.stats_summary.setText(t("console.stats.summary", days=STATS_DAYS, sessions=sum(d.sessions for d in days),
                                     completed=sum(d.completed for d in days),
                                     abandoned=sum(d.abandoned for d in days)))

    def export_csv(self) -> None:
        store = self.host.stats_store
        text = self.csv_path.text().strip()
        if store is None or not text:
            return
        target = Path(text).expanduser()
        _, end = self._range()
        first = date(2000, 1, 1)  # the export holds every day kept, not only the charts' fortnight

        def done(rows: int) -> None:
            self.say("console.csv.done", rows=rows, path=str(target))

        def failed(error: BaseException) -> None:
            reason = getattr(error, "strerror", None) or type(error).__name__
            self.say("console.csv.failed", reason=reason)

        self.host.runner.run(Operation("statistics export", lambda: store.export_csv(target, first, end)), done,
                             failed)
