"""Inline SVG charts for the dashboard (no script, no CDN): the abandonment funnel and weekly usage."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from html import escape
from typing import Any

PALETTE = ("#1f6f8b", "#e07a1f", "#3c8d2f", "#8b3c8d", "#b0303a", "#5b5b5b")


def _bars(rows: list[tuple[str, int, str]], title: str, width: int = 560) -> str:
    """Horizontal bars: (label, value, colour); values are written beside each bar."""
    bar_h, gap, label_w = 22, 6, 220
    top = max((v for _, v, _ in rows), default=0) or 1
    height = len(rows) * (bar_h + gap) + 4
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value, colour) in enumerate(rows):
        y = i * (bar_h + gap)
        w = max(1, int((width - label_w - 60) * value / top)) if value else 0
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="13">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"/>'
                     f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def funnel_svgs(usage_rows: list[Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    """One chart per procedure: started, abandoned at each step (most first), completed."""
    totals: dict[str, dict[str, Any]] = {}
    for row in usage_rows:
        for code, figures in (row.body.get("procedures") or {}).items():
            entry = totals.setdefault(code, {"started": 0, "completed": 0, "steps": defaultdict(int)})
            entry["started"] += figures.get("started", 0)
            entry["completed"] += figures.get("completed", 0)
            for step, count in (figures.get("abandoned_at_step") or {}).items():
                entry["steps"][step] += count
    charts: list[tuple[str, str]] = []
    for code in sorted(totals, key=lambda c: -totals[c]["started"]):
        entry = totals[code]
        rows = [(labels["started"], entry["started"], PALETTE[0])]
        rows += [(labels["abandoned_at"].format(step=step), n, PALETTE[1])
                 for step, n in sorted(entry["steps"].items(), key=lambda item: -item[1])]
        rows.append((labels["completed"], entry["completed"], PALETTE[2]))
        charts.append((code, _bars(rows, f"{labels['funnel']} {code}")))
    return charts


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_svg(usage_rows: list[Any], site_of: dict[str, str], weeks: int, today: date, title: str,
               week_label: str) -> str:
    """Grouped columns: sessions per site for each of the last `weeks` weeks (Monday to Sunday)."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    sites = sorted({site_of[r.kiosk_id] for r in usage_rows if r.kiosk_id in site_of})
    sessions: dict[tuple[date, str], int] = defaultdict(int)
    for row in usage_rows:
        site = site_of.get(row.kiosk_id)
        if site is not None:
            sessions[(week_start(row.day), site)] += int(row.body.get("sessions", 0))
    top = max(sessions.values(), default=0) or 1
    width, height, base, left = 640, 240, 200, 40
    slot = (width - left) / weeks
    col = max(4.0, (slot - 10) / max(1, len(sites)))
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#888"/>']
    for i, start in enumerate(starts):
        x0 = left + i * slot
        for j, site in enumerate(sites):
            value = sessions.get((start, site), 0)
            h = int(170 * value / top)
            tip = f"{escape(site)} {start:%d/%m}: {value}"
            parts.append(f'<rect x="{x0 + j * col:.1f}" y="{base - h}" width="{col - 1:.1f}" height="{h}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{tip}</title></rect>')
        parts.append(f'<text x="{x0:.1f}" y="{base + 16}" font-size="11">{week_label} {start:%d/%m}</text>')
    for j, site in enumerate(sites):
        parts.append(f'<rect x="{left + j * 150}" y="{base + 26}" width="12" height="12" '
                     f'fill="{PALETTE[j % len(PALETTE)]}"/><text x="{left + j * 150 + 16}" y="{base + 37}" '
                     f'font-size="12">{escape(site)}</text>')
    parts.append("</svg>")
    return "".join(parts)
