"""Bar charts of the monitoring figures, drawn on the server as SVG.

A small renderer of our own rather than a library (pygal was considered): pygal's SVG carries a
`<style>` element and inline styles, and relies on JavaScript for its tooltips, which the site's
Content Security Policy refuses (style-src and script-src 'self'), and its output has no text
alternative of its own. Here each chart is plain shapes coloured by presentation
attributes, labelled as one image (`role="img"` with a title and description that say the
figures in words), and every chart is followed by the same figures in a table for screen
readers, and a CSV download. A suppressed count draws no bar (its length would reveal it): its
row says "fewer than 5". Every text is escaped.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from incidents.monitoring.figures import Figure

WIDTH = 640
ROW = 28
LABEL_WIDTH = 300
VALUE_WIDTH = 110
TOP = 8
# Presentation attributes, not styles: the CSP refuses style attributes and <style>, not these, and
# WeasyPrint reads them as the browser does.
TEXT = mark_safe('fill="#111111" font-size="14" font-family="DejaVu Sans, Arial, sans-serif"')


def bar_chart(figure: Figure, *, ident: str) -> SafeString:
    """The figure's first column as horizontal bars, one row per label."""
    values = [cells[0].value for _, cells in figure.rows]
    largest = max([value for value in values if value is not None] + [1])
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW * len(figure.rows)
    words = "; ".join(f"{label}: {cells[0].text}" for label, cells in figure.rows)
    parts = [format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        WIDTH, height, ident, ident, ident, figure.title, ident, words)]
    for index, (label, cells) in enumerate(figure.rows):
        y = TOP + index * ROW
        cell = cells[0]
        text = label if len(label) <= 42 else label[:41] + "…"
        parts.append(format_html('<text class="chart-label" x="{}" y="{}" text-anchor="end" {}>{}</text>',
                                 LABEL_WIDTH - 8, y + 19, TEXT, text))
        if cell.value is not None and cell.value > 0:
            length = max(round(span * cell.value / largest), 2)
            parts.append(format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="#1d3a5f"></rect>',
                LABEL_WIDTH, y + 5, length, ROW - 10))
            end = LABEL_WIDTH + length + 6
        else:
            end = LABEL_WIDTH + 6
        parts.append(format_html('<text class="chart-value{}" x="{}" y="{}" {}>{}</text>',
                                 " chart-suppressed" if cell.suppressed else "", end, y + 19, TEXT, cell.text))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))

