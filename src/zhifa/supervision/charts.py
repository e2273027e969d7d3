"""Server-side SVG charts for the annual report (matplotlib, research: ecosystem.md "Charts in PDF
reports"). WeasyPrint runs no JavaScript, so the PDF and the staff page share these SVGs.

No pyplot: each chart is its own `Figure` drawn on the SVG canvas, so no global figure state is
kept between requests, and every text gets the Noto CJK font explicitly (no rcParams changes).
Text is written as paths (matplotlib's default `svg.fonttype`), so a viewer needs no CJK font.
"""

from __future__ import annotations

import functools
import io
import re

CHART_FONT = "Noto Sans CJK SC"
PALETTE = ("#1f5f8b", "#d9822b", "#3a8f5c", "#b5443c", "#7a5aa6", "#8c8c8c")


@functools.cache
def _font():
    from matplotlib.font_manager import FontProperties, findfont

    # fallback_to_default=False: a missing CJK font is an error, never a page of empty boxes.
    return FontProperties(fname=findfont(FontProperties(family=CHART_FONT), fallback_to_default=False))


def _svg(fig, prefix: str) -> str:
    """The figure as inline SVG: no XML prolog, and every id prefixed, so several charts on one
    page (or in one PDF) never resolve each other's glyphs and clip paths."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    text = text[text.index("<svg"):]
    return _ID_REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)


# id="x", href="#x" / xlink:href="#x", url(#x)
_ID_REF = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def bar_chart(*, title: str, labels: list[str], series: list[tuple[str, list[float]]], stacked: bool = True,
              unit: str = "", width: float = 6.4, key: str = "chart") -> str:
    """A horizontal bar chart (one bar per label; series stacked or side by side) as an SVG string;
    `key` prefixes its ids (unique per page)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    font = _font()
    height = max(1.6, 0.9 + 0.42 * max(len(labels), 1) * (1 if stacked else max(len(series), 1) * 0.6))
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    left = [0.0] * len(labels)
    bar_h = 0.6 if stacked else 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series):
        ys = positions if stacked else [p - 0.4 + bar_h * (i + 0.5) for p in positions]
        ax.barh(ys, values, height=bar_h, left=left if stacked else 0, label=name,
                color=PALETTE[i % len(PALETTE)])
        if stacked:
            left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_title(title, fontproperties=font, fontsize=11, loc="left")
    if unit:
        ax.set_xlabel(unit, fontproperties=font, fontsize=8)
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(font)
        tick.set_fontsize(8)
    ax.tick_params(axis="x", labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # counts are whole; amounts are large
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", linewidth=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    if len(series) > 1:
        fig.legend(prop=_legend_font(), frameon=False, ncols=min(len(series), 5), loc="outside lower center")
    return _svg(fig, key)


def _legend_font():
    font = _font().copy()
    font.set_size(8)
    return font
