"""Photos for the demo's catalogue: small PNG tiles drawn here, deterministically, without an image
library — a background coloured by the category's family, a pictogram of the thing (screen,
laptop, printer, desk, chair, cabinet, air conditioner, car, server, books) and the category code
in a small bitmap font, shaded per item so that two items never look quite the same.

Only the demo uses this; real photos are uploaded by the keeper at receipt (验收).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Colour = tuple[int, int, int]
WIDTH, HEIGHT = 320, 240

# category code prefix → (background, pictogram); the longest matching prefix wins.
FAMILIES: dict[str, tuple[Colour, str]] = {
    "A02010104": ((214, 226, 240), "server"),
    "A02010108": ((208, 228, 245), "laptop"),
    "A020101": ((205, 222, 242), "screen"),
    "A020210": ((228, 228, 236), "printer"),
    "A020211": ((226, 226, 238), "printer"),
    "A020213": ((232, 230, 240), "printer"),
    "A020618": ((214, 238, 238), "aircon"),
    "A020305": ((236, 224, 214), "car"),
    "A0501010": ((240, 230, 210), "desk"),
    "A0501030": ((238, 226, 214), "chair"),
    "A0501050": ((230, 232, 214), "cabinet"),
    "A04": ((238, 234, 220), "books"),
    "A05": ((236, 230, 216), "cabinet"),
    "A02": ((222, 230, 238), "screen"),
}
DEFAULT: tuple[Colour, str] = ((226, 230, 234), "cabinet")

INK: Colour = (52, 64, 84)
LIGHT: Colour = (250, 250, 252)
ACCENT: Colour = (180, 70, 60)

# 3×5 digits and the letter A, one string of 15 pixels each (row by row).
GLYPHS = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001001001001",
    "8": "111101111101111",
    "9": "111101111001111",
    "A": "010101111101101",
}


class Canvas:
    def __init__(self, background: Colour) -> None:
        self.rows = [bytearray(bytes(background) * WIDTH) for _ in range(HEIGHT)]

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        x0, x1 = max(0, x0), min(WIDTH, x1)
        if x1 <= x0:
            return
        run = bytes(colour) * (x1 - x0)
        for y in range(max(0, y0), min(HEIGHT, y1)):
            self.rows[y][x0 * 3 : x1 * 3] = run

    def frame(self, x0: int, y0: int, x1: int, y1: int, colour: Colour, width: int = 4) -> None:
        self.rect(x0, y0, x1, y0 + width, colour)
        self.rect(x0, y1 - width, x1, y1, colour)
        self.rect(x0, y0, x0 + width, y1, colour)
        self.rect(x1 - width, y0, x1, y1, colour)

    def text(self, x: int, y: int, text: str, colour: Colour, scale: int = 3) -> None:
        for char in text:
            glyph = GLYPHS.get(char)
            if glyph is not None:
                for i, bit in enumerate(glyph):
                    if bit == "1":
                        gx, gy = x + (i % 3) * scale, y + (i // 3) * scale
                        self.rect(gx, gy, gx + scale, gy + scale, colour)
            x += 4 * scale

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def _screen(c: Canvas, tone: Colour) -> None:
    c.rect(90, 50, 230, 140, INK)
    c.rect(98, 58, 222, 132, tone)
    c.rect(150, 140, 170, 162, INK)
    c.rect(120, 162, 200, 170, INK)


def _laptop(c: Canvas, tone: Colour) -> None:
    c.rect(100, 50, 220, 130, INK)
    c.rect(107, 57, 213, 123, tone)
    c.rect(80, 130, 240, 146, INK)
    c.rect(140, 134, 180, 138, LIGHT)


def _printer(c: Canvas, tone: Colour) -> None:
    c.rect(120, 40, 200, 80, LIGHT)
    c.frame(120, 40, 200, 80, INK, 3)
    c.rect(85, 80, 235, 150, INK)
    c.rect(95, 90, 150, 100, tone)
    c.rect(205, 92, 220, 100, ACCENT)
    c.rect(115, 150, 205, 170, LIGHT)
    c.frame(115, 150, 205, 170, INK, 3)


def _desk(c: Canvas, tone: Colour) -> None:
    c.rect(60, 80, 260, 96, INK)
    c.rect(70, 96, 82, 170, INK)
    c.rect(238, 96, 250, 170, INK)
    c.rect(170, 96, 236, 150, tone)
    c.frame(170, 96, 236, 150, INK, 3)
    c.rect(196, 110, 210, 114, INK)


def _chair(c: Canvas, tone: Colour) -> None:
    c.rect(125, 40, 195, 110, INK)
    c.rect(132, 47, 188, 103, tone)
    c.rect(115, 110, 205, 126, INK)
    c.rect(155, 126, 165, 160, INK)
    c.rect(120, 160, 200, 168, INK)


def _cabinet(c: Canvas, tone: Colour) -> None:
    c.rect(115, 35, 205, 175, INK)
    for top in (43, 88, 133):
        c.rect(123, top, 197, top + 37, tone)
        c.rect(150, top + 16, 170, top + 21, INK)


def _aircon(c: Canvas, tone: Colour) -> None:
    c.rect(60, 70, 260, 130, INK)
    c.rect(68, 78, 252, 122, LIGHT)
    for y in (100, 108, 116):
        c.rect(80, y, 240, y + 3, tone)
    c.rect(228, 84, 240, 90, ACCENT)


def _car(c: Canvas, tone: Colour) -> None:
    c.rect(110, 70, 210, 104, INK)
    c.rect(118, 77, 158, 100, LIGHT)
    c.rect(162, 77, 202, 100, LIGHT)
    c.rect(60, 104, 260, 148, tone)
    c.frame(60, 104, 260, 148, INK, 4)
    c.rect(85, 140, 125, 172, INK)
    c.rect(195, 140, 235, 172, INK)
    c.rect(242, 112, 256, 120, ACCENT)


def _server(c: Canvas, tone: Colour) -> None:
    for top in (45, 85, 125):
        c.rect(90, top, 230, top + 34, INK)
        c.rect(98, top + 8, 180, top + 26, tone)
        c.rect(200, top + 13, 208, top + 21, ACCENT)
        c.rect(212, top + 13, 220, top + 21, LIGHT)


def _books(c: Canvas, tone: Colour) -> None:
    for i, x in enumerate(range(95, 225, 26)):
        height = 100 + (i * 13) % 30
        c.rect(x, 170 - height, x + 20, 170, INK if i % 2 else tone)
        c.rect(x + 4, 180 - height, x + 16, 184 - height, LIGHT)
    c.rect(85, 170, 235, 176, INK)


PICTOGRAMS: dict[str, Callable[[Canvas, Colour], None]] = {
    "screen": _screen,
    "laptop": _laptop,
    "printer": _printer,
    "desk": _desk,
    "chair": _chair,
    "cabinet": _cabinet,
    "aircon": _aircon,
    "car": _car,
    "server": _server,
    "books": _books,
}


def family(category_code: str) -> tuple[Colour, str]:
    matches = [prefix for prefix in FAMILIES if category_code.startswith(prefix)]
    return FAMILIES[max(matches, key=len)] if matches else DEFAULT


def demo_photo(category_code: str, variant: int = 0) -> bytes:
    """A 320×240 PNG of an item of `category_code`; `variant` shades it (the same inputs always give
    the same bytes)."""
    background, kind = family(category_code)
    shade = (variant * 37) % 5 * 6
    background = (background[0] - shade, background[1] - shade // 2, background[2])
    tone = ((70 + variant * 53) % 160 + 60, (120 + variant * 29) % 120 + 100, (160 + variant * 71) % 90 + 150)
    canvas = Canvas(background)
    PICTOGRAMS[kind](canvas, tone)
    canvas.rect(0, HEIGHT - 28, WIDTH, HEIGHT, INK)
    canvas.text(10, HEIGHT - 22, category_code[:9], LIGHT)
    return canvas.png()
