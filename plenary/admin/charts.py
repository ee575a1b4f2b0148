"""Charts as server-rendered SVG: no JavaScript, no third-party code, allowed by the strict CSP.

Each chart is one inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>``, scaled to its container
(``viewBox``, width 100%), coloured with presentation attributes only (no ``style=""``) and with every label
escaped. The page shows the same figures as a table beside the chart.
"""

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

#: Colours (Bootstrap's primary blue and a lighter tint) and the text colour of the page.
BAR = "#0d6efd"
BAR_LIGHT = "#9ec5fe"
GRID = "#dee2e6"
TEXT = "currentColor"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', sans-serif"


def _attrs(**values) -> str:
    """XML attributes from keyword arguments (``class_`` → class, ``text_anchor`` → text-anchor), escaped."""
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in values.items()
                    if value is not None)  # fmt: skip


def _number(value: float) -> str:
    """Coordinates with at most one decimal (short, and the same on every platform)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str) -> float:
    """Rough width of ``text`` in ems: wide (CJK, full-width) characters count one, others about 0.55."""
    return sum(1.0 if ord(c) >= 0x1100 and not 0xD800 <= ord(c) < 0xE000 else 0.55 for c in text)


def shorten(text: str, max_ems: float) -> str:
    """``text``, cut with "…" so that it is about ``max_ems`` wide at most."""
    if _text_width(text) <= max_ems:
        return text
    kept = ""
    for char in text:
        if _text_width(kept + char) > max_ems - 0.6:
            break
        kept += char
    return kept.rstrip() + "…"


def _el(tag: str, content: str | None = None, **attrs) -> str:
    """One SVG element; ``content`` is inserted as it is (escape text before)."""
    if content is None:
        return f"<{tag} {_attrs(**attrs)}/>"
    return f"<{tag} {_attrs(**attrs)}>{content}</{tag}>"


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    attrs = {"viewBox": f"0 0 {width} {height}", "width": "100%", "class_": "chart", "role": "img",
             "aria_label": title, "aria_labelledby": f"{chart_id}-title {chart_id}-desc", "font_family": FONT,
             "font_size": "12"}  # fmt: skip
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(**attrs)}>'
            + _el("title", escape(title), id=f"{chart_id}-title") + _el("desc", escape(desc), id=f"{chart_id}-desc"))
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, int]], width: int = 360) -> Markup:
    """Horizontal bars, one per (label, value), labels left and values right of the bars."""
    row_height, bar_height, top = 26, 16, 6
    label_width = 136
    value_width = 36
    height = top * 2 + row_height * max(len(rows), 1)
    scale_max = max((value for _, value in rows), default=0) or 1
    bar_space = width - label_width - value_width - 8
    body = [_el("line", x1=label_width, y1=top - 2, x2=label_width, y2=height - top + 2, stroke=GRID)]
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        baseline = _number(y + row_height / 2 + 4)
        length = bar_space * value / scale_max
        label = str(label)
        body.append("<g>" + _el("title", f"{escape(label)}: {value}")
                    + _el("text", escape(shorten(label, (label_width - 10) / 12)), x=label_width - 6, y=baseline,
                          text_anchor="end", fill=TEXT)
                    + _el("rect", x=label_width, y=_number(y + (row_height - bar_height) / 2), width=_number(length),
                          height=bar_height, fill=BAR, rx="2")
                    + _el("text", str(value), x=_number(label_width + length + 4), y=baseline, fill=TEXT)
                    + "</g>")  # fmt: skip
    return _svg(chart_id, width, height, title, desc, body)


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round axis ticks from 0 to at least ``maximum`` (steps of 1, 2 or 5 × 10ⁿ, about ``count`` of them)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return list(range(0, math.ceil(maximum / step) * step + 1, step))


def timeline_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], daily: Sequence[int],
                   cumulative: Sequence[int], width: int = 360, height: int = 190) -> Markup:  # fmt: skip
    """Registrations over time: the running total as a line over a shaded area, each day's new ones as bars.

    ``labels`` names each day (only some are written under the axis); the three sequences have equal length.
    """
    left, right, top, bottom = 36, 10, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    days = max(len(cumulative), 1)
    ticks = nice_ticks(max(cumulative, default=0))
    y_max = ticks[-1] or 1

    def x(index: float) -> float:
        return left + (plot_w * (index + 0.5) / days)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    body = []
    for tick in ticks:
        body.append(_el("line", x1=left, y1=_number(y(tick)), x2=width - right, y2=_number(y(tick)), stroke=GRID))
        body.append(_el("text", str(tick), x=left - 5, y=_number(y(tick) + 4), text_anchor="end", fill=TEXT))
    bar_width = max(min(plot_w / days * 0.7, 14), 1)
    for index, value in enumerate(daily):
        if value:
            body.append(_el("rect", f"<title>{escape(labels[index])}: +{value}</title>",
                            x=_number(x(index) - bar_width / 2), y=_number(y(value)), width=_number(bar_width),
                            height=_number(plot_h * value / y_max), fill=BAR_LIGHT))  # fmt: skip
    if cumulative:
        line = " ".join(f"{_number(x(i))},{_number(y(v))}" for i, v in enumerate(cumulative))
        area = f"{_number(x(0))},{_number(y(0))} {line} {_number(x(len(cumulative) - 1))},{_number(y(0))}"
        body.append(_el("polygon", points=area, fill=BAR, fill_opacity="0.12"))
        body.append(_el("polyline", points=line, fill="none", stroke=BAR, stroke_width="2", stroke_linejoin="round"))
        if len(cumulative) == 1:
            body.append(_el("circle", cx=_number(x(0)), cy=_number(y(cumulative[0])), r="3", fill=BAR))
    body.append(_el("line", x1=left, y1=top + plot_h, x2=width - right, y2=top + plot_h, stroke=TEXT,
                    stroke_opacity="0.5"))  # fmt: skip
    # The first and last day under the axis, and one in between when there is room.
    last = len(labels) - 1
    shown = sorted({0, last, last // 2} if len(labels) > 4 else set(range(len(labels))))
    for index in shown:
        anchor = "start" if index == 0 and last > 0 else "end" if index == last and last > 0 else "middle"
        position = left if anchor == "start" else width - right if anchor == "end" else x(index)
        body.append(_el("text", escape(labels[index]), x=_number(position), y=height - 8, text_anchor=anchor,
                        fill=TEXT))  # fmt: skip
    return _svg(chart_id, width, height, title, desc, body)


#: The second series' colour (attendance online beside the hall's blue): Bootstrap's orange, readable on white.
SECOND = "#fd7e14"


def series_chart(chart_id: str, title: str, desc: str, labels: Sequence[str],
                 series: Sequence[tuple[str, Sequence[int], str]], width: int = 360,
                 height: int = 200) -> Markup:  # fmt: skip
    """Counts per time step as stacked bars, one colour per series (name, values, colour), with a legend.

    ``labels`` names each step (the first, middle and last are written under the axis); every series has as many
    values as there are labels.
    """
    left, right, top, bottom = 36, 10, 24, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    steps = max(len(labels), 1)
    totals = [sum(values[i] for _, values, _ in series) for i in range(len(labels))]
    ticks = nice_ticks(max(totals, default=0))
    y_max = ticks[-1] or 1

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    body = []
    x_legend = left
    for name, _, colour in series:
        body.append(_el("rect", x=x_legend, y=4, width=10, height=10, fill=colour, rx="2"))
        body.append(_el("text", escape(name), x=x_legend + 14, y=13, fill=TEXT))
        x_legend += 14 + _text_width(name) * 12 + 14
    for tick in ticks:
        body.append(_el("line", x1=left, y1=_number(y(tick)), x2=width - right, y2=_number(y(tick)), stroke=GRID))
        body.append(_el("text", str(tick), x=left - 5, y=_number(y(tick) + 4), text_anchor="end", fill=TEXT))
    slot = plot_w / steps
    bar_width = max(min(slot * 0.8, 14), 1)
    for index, label in enumerate(labels):
        base = 0
        x = left + slot * (index + 0.5) - bar_width / 2
        for name, values, colour in series:
            value = values[index]
            if value:
                body.append(_el("rect", f"<title>{escape(label)} · {escape(name)}: {value}</title>", x=_number(x),
                                y=_number(y(base + value)), width=_number(bar_width),
                                height=_number(plot_h * value / y_max), fill=colour))  # fmt: skip
            base += value
    body.append(_el("line", x1=left, y1=top + plot_h, x2=width - right, y2=top + plot_h, stroke=TEXT,
                    stroke_opacity="0.5"))  # fmt: skip
    last = len(labels) - 1
    shown = sorted({0, last, last // 2} if len(labels) > 4 else set(range(len(labels))))
    for index in shown:
        anchor = "start" if index == 0 and last > 0 else "end" if index == last and last > 0 else "middle"
        position = left if anchor == "start" else width - right if anchor == "end" else left + slot * (index + 0.5)
        body.append(_el("text", escape(labels[index]), x=_number(position), y=height - 8, text_anchor=anchor,
                        fill=TEXT))  # fmt: skip
    return _svg(chart_id, width, height, title, desc, body)
