"""A plain sixel decoder for tests: the reference the fast encoders are checked against.

It reads what xterm reads (raster attributes, colour registers in RGB percent, `!` counts,
`$` and `-`) into a grid of RGB triplets (None where nothing was drawn), one character at a
time: slow, and obviously right.
"""

from __future__ import annotations

import re

Pixel = tuple[int, int, int] | None

_DCS = re.compile(r'\x1bP[0-9;]*q"1;1;(\d+);(\d+)')


def decode(data: str) -> list[list[Pixel]]:
    """The picture `data` draws, row by row."""
    match = _DCS.match(data)
    assert match, "not a sixel picture with raster attributes"
    assert data.endswith("\x1b\\"), "no string terminator"
    width, height = int(match[1]), int(match[2])
    grid: list[list[Pixel]] = [[None] * width for _ in range(height)]
    registers: dict[int, tuple[int, int, int]] = {}
    colour: tuple[int, int, int] | None = None
    body = data[match.end() : -2]
    x = band = i = 0
    while i < len(body):
        char = body[i]
        if char == "#":
            number = re.match(r"#(\d+)(;2;(\d+);(\d+);(\d+))?", body[i:])
            assert number
            register = int(number[1])
            if number[2]:
                registers[register] = (int(number[3]), int(number[4]), int(number[5]))
            else:
                colour = registers[register]
            i += number.end()
            continue
        if char == "$":
            x = 0
        elif char == "-":
            x, band = 0, band + 1
        else:
            count = 1
            if char == "!":
                repeat = re.match(r"!(\d+)(.)", body[i:])
                assert repeat
                count, char = int(repeat[1]), repeat[2]
                i += repeat.end() - 1
            bits = ord(char) - 63
            assert 0 <= bits < 64, f"not a sixel character: {char!r}"
            for column in range(x, x + count):
                for bit in range(6):
                    y = band * 6 + bit
                    if bits >> bit & 1:
                        assert y < height and column < width, "drawn outside the raster"
                        assert colour is not None
                        grid[y][column] = colour
            x += count
        i += 1
    return grid


def percent(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """An RGB colour as sixel's percentages (rounded as the encoders round)."""
    r, g, b = ((value * 100 + 127) // 255 for value in rgb)
    return r, g, b
