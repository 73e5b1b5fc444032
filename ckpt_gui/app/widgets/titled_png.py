"""A saved histogram's title: the variable's whole path and the checkpoint it is from,
painted above the exported plot at the image's own width. The plot's on-screen title is
cut to the panel's width ("model/_functional…rations/3/_kernel" in an 800 px PNG that
could hold it whole) and names no checkpoint: a saved image stands on its own."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

TITLE_PX, LEAST_TITLE_PX = 16, 10  # the path's font: smaller, down to the least, before it is cut
CAPTION_PX = 12  # the checkpoint's line
MARGIN = 12  # px around the lines
LINE_GAP = 4  # px between them


def title_lines(font: QFont, width: int, path: str, caption: str, scale: float = 1.0) -> list[tuple[QFont, str]]:
    """The lines to paint in ``width`` px: the path in the largest size that holds it whole
    (cut in the middle only below the least size), then the caption; ``scale``: the export's
    enlargement of the plot (its axes' text grows with it: the title too)."""
    room = width - 2 * MARGIN
    title_font = QFont(font)
    title_font.setBold(True)  # before measuring: bold is wider
    for size in range(max(round(TITLE_PX * scale), LEAST_TITLE_PX), LEAST_TITLE_PX - 1, -1):
        title_font.setPixelSize(size)
        if QFontMetrics(title_font).horizontalAdvance(path) <= room:
            break
    shown = QFontMetrics(title_font).elidedText(path, Qt.TextElideMode.ElideMiddle, room)
    lines = [(title_font, shown)]
    if caption:
        caption_font = QFont(font)
        caption_font.setPixelSize(max(round(CAPTION_PX * scale), CAPTION_PX))
        lines.append((caption_font, QFontMetrics(caption_font).elidedText(caption, Qt.TextElideMode.ElideMiddle, room)))
    return lines


def with_title(image: QImage, font: QFont, path: str, caption: str, scale: float = 1.0) -> QImage:
    """``image`` with a band above it holding ``path`` and ``caption``, on the plot's own
    background (its top-left pixel), in black or white, whichever reads on it."""
    lines = title_lines(font, image.width(), path, caption, scale)
    heights = [QFontMetrics(f).height() for f, _ in lines]
    band = MARGIN + sum(heights) + LINE_GAP * (len(lines) - 1)  # half a margin above, half below
    titled = QImage(image.width(), image.height() + band, QImage.Format.Format_ARGB32)
    background = image.pixelColor(0, 0)
    titled.fill(background)
    painter = QPainter(titled)
    try:
        painter.setPen(QColor("black") if background.lightnessF() > 0.5 else QColor("white"))
        top = MARGIN // 2
        for (line_font, text), height in zip(lines, heights, strict=True):
            painter.setFont(line_font)
            painter.drawText(QRect(MARGIN, top, image.width() - 2 * MARGIN, height), Qt.AlignmentFlag.AlignCenter, text)
            top += height + LINE_GAP
        painter.drawImage(0, band, image)
    finally:
        painter.end()
    return titled
