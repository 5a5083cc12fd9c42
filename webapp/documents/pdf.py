"""The drawing primitives both documents share: an A4 page in the built-in Chinese CID font
(STSong-Light, Adobe-GB1, which every PDF reader carries), titles, label/value lines and ruled
tables that continue on the next page."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
ROW_HEIGHT = 7 * mm


@dataclass
class Column:
    title: str
    width: float  # in mm
    align: str = "left"  # left, right, center


@dataclass
class Page:
    """A canvas with a cursor that moves down the page; ``ensure`` starts a new page when the
    next block would not fit (the header repeats via ``on_new_page``)."""

    canvas: Canvas
    buffer: io.BytesIO
    y: float = PAGE_HEIGHT - MARGIN
    page_no: int = 1
    footer: str = ""
    _headers: list[tuple[Sequence[Column], float]] = field(default_factory=list)

    def ensure(self, height: float) -> bool:
        if self.y - height >= MARGIN + 10 * mm:
            return False
        self._footer()
        self.canvas.showPage()
        self.page_no += 1
        self.y = PAGE_HEIGHT - MARGIN
        return True

    def title(self, text: str, size: float = 18) -> None:
        self.canvas.setFont(FONT, size)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, self.y - size, text)
        self.y -= size + 6 * mm

    def text(self, text: str, size: float = 10.5, x: float = MARGIN, gap: float = 6 * mm) -> None:
        self.ensure(gap)
        self.canvas.setFont(FONT, size)
        self.canvas.drawString(x, self.y - size, text)
        self.y -= gap

    def fields(self, pairs: Sequence[tuple[str, str]], per_line: int = 2, size: float = 10.5) -> None:
        """Label：value pairs, ``per_line`` to a line."""
        width = (PAGE_WIDTH - 2 * MARGIN) / per_line
        for i in range(0, len(pairs), per_line):
            self.ensure(6 * mm)
            self.canvas.setFont(FONT, size)
            for j, (label, value) in enumerate(pairs[i:i + per_line]):
                self.canvas.drawString(MARGIN + j * width, self.y - size, f"{label}：{value}")
            self.y -= 6 * mm

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
              size: float = 9) -> None:
        """A ruled table; when it runs over the page the header row is drawn again."""
        self._row(columns, [c.title for c in columns], size, header=True)
        for row in rows:
            if self.ensure(ROW_HEIGHT):
                self._row(columns, [c.title for c in columns], size, header=True)
            self._row(columns, row, size)

    def _row(self, columns: Sequence[Column], cells: Sequence[str], size: float,
             header: bool = False) -> None:
        c, x, top = self.canvas, MARGIN, self.y
        c.setFont(FONT, size)
        c.setLineWidth(0.8 if header else 0.4)
        for col, cell in zip(columns, cells):
            w = col.width * mm
            c.rect(x, top - ROW_HEIGHT, w, ROW_HEIGHT)
            base = top - ROW_HEIGHT + (ROW_HEIGHT - size) / 2 + 1
            if col.align == "right" and not header:
                c.drawRightString(x + w - 1.5 * mm, base, cell)
            elif col.align == "center" or header:
                c.drawCentredString(x + w / 2, base, cell)
            else:
                c.drawString(x + 1.5 * mm, base, cell)
            x += w
        self.y -= ROW_HEIGHT

    def space(self, height: float = 4 * mm) -> None:
        self.y -= height

    def _footer(self) -> None:
        self.canvas.setFont(FONT, 8)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, MARGIN / 2,
                                      f"{self.footer}  第 {self.page_no} 页".strip())

    def finish(self) -> bytes:
        self._footer()
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def new_page(title: str, subject: str = "", footer: str = "") -> Page:
    """A document of A4 pages; ``title`` becomes the PDF's title metadata too."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setSubject(subject or title)
    canvas.setCreator("ETS 网关缴费人门户")
    return Page(canvas=canvas, buffer=buf, footer=footer)


def yuan(amount) -> str:
    """A Decimal amount as printed on tax documents: thousands separators, 2 places."""
    return f"{amount:,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def capital_yuan(amount) -> str:
    """The amount in Chinese capitals as tax documents print it (人民币大写), e.g.
    1,234.50 → 壹仟贰佰叁拾肆元伍角整."""
    cents = int((amount * 100).to_integral_value())
    if cents == 0:
        return "零元整"
    yuan_part, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out = ""
    if yuan_part:
        sections, n = [], yuan_part
        while n:
            sections.append(n % 10000)
            n //= 10000
        for idx in range(len(sections) - 1, -1, -1):
            sec = sections[idx]
            if sec == 0:
                if out and not out.endswith("零"):
                    out += "零"
                continue
            if out and sec < 1000 and not out.endswith("零"):
                out += "零"
            text, zero = "", False
            for pos in range(3, -1, -1):
                d = sec // 10 ** pos % 10
                if d == 0:
                    zero = bool(text)
                    continue
                if zero:
                    text += "零"
                    zero = False
                text += _DIGITS[d] + _UNITS[pos]
            out += text + _SECTIONS[idx]
        out = out.rstrip("零") + "元"
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan_part:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    else:
        out += "整"
    return out
