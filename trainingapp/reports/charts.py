"""Charts as inline SVG built on the server: no script, no CDN, readable when printed.

Each chart carries a <title> and a <desc> listing its values, so screen readers get the
numbers; pages also show the same numbers in a table.
"""
from __future__ import annotations

from html import escape

PALETTE = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1")


def _text_width(text: str) -> float:
    return sum(1.0 if ord(ch) > 255 else 0.6 for ch in text)


def bar_chart(labels: list[str], series: list[tuple[str, list[float | None]]], *, title: str,
              percent: bool = False, max_value: float | None = None) -> str:
    """Horizontal grouped bars: one row per label, one bar per series; values may be None."""
    values = [v for _name, vs in series for v in vs if v is not None]
    top = max_value if max_value is not None else max(values + [1])
    top = top or 1
    label_width = min(max([_text_width(label) for label in labels] + [4]) * 13 + 10, 220)
    bar_height, gap = 14, 10
    row_height = bar_height * len(series) + gap
    legend_height = 24
    width, plot = 640, 640 - label_width - 70
    height = legend_height + row_height * len(labels) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'class="chart" preserveAspectRatio="xMinYMin meet">',
             f"<title>{escape(title)}</title>",
             "<desc>" + escape("; ".join(
                 f"{label}: " + ", ".join(f"{name} {_fmt(vs[i], percent)}" for name, vs in series)
                 for i, label in enumerate(labels))) + "</desc>"]
    x = label_width
    for index, (name, _values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="16" font-size="12">{escape(name)}</text>')
        x += 16 + _text_width(name) * 12 + 20
    for row, label in enumerate(labels):
        y = legend_height + row * row_height
        parts.append(f'<text x="{label_width - 6}" y="{y + row_height / 2}" font-size="12" '
                     f'text-anchor="end" dominant-baseline="middle">{escape(label)}</text>')
        for index, (_name, vs) in enumerate(series):
            value = vs[row]
            length = 0 if value is None else max(plot * min(value / top, 1), 0)
            by = y + index * bar_height
            parts.append(f'<rect x="{label_width}" y="{by}" width="{length:.1f}" height="{bar_height - 2}" '
                         f'fill="{PALETTE[index % len(PALETTE)]}"/>'
                         f'<text x="{label_width + length + 4:.1f}" y="{by + bar_height / 2}" font-size="11" '
                         f'dominant-baseline="middle">{escape(_fmt(value, percent))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def column_chart(labels: list[str], values: list[float], *, title: str) -> str:
    """Vertical bars, e.g. a score distribution or a monthly trend."""
    top = max(values + [1]) or 1
    width, height, base = 640, 240, 200
    step = (width - 40) / max(len(labels), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart">',
             f"<title>{escape(title)}</title>",
             "<desc>" + escape("; ".join(f"{label}: {_fmt(v, False)}" for label, v in zip(labels, values))) + "</desc>",
             f'<line x1="20" y1="{base}" x2="{width - 20}" y2="{base}" stroke="#6c757d"/>']
    for index, (label, value) in enumerate(zip(labels, values)):
        bar = (base - 30) * value / top
        x = 20 + index * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{base - bar:.1f}" width="{step * 0.7:.1f}" height="{bar:.1f}" '
                     f'fill="{PALETTE[0]}"/>'
                     f'<text x="{x + step * 0.35:.1f}" y="{base - bar - 4:.1f}" font-size="12" '
                     f'text-anchor="middle">{escape(_fmt(value, False))}</text>'
                     f'<text x="{x + step * 0.35:.1f}" y="{base + 16}" font-size="12" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value, percent: bool) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:g}"
