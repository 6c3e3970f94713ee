"""Colour parsing and formatting as the ``tinycolor`` library does it for ``ui_colour_picker``.

``Colour.parse(value)`` reads ``#rgb``, ``#rrggbb``, ``#rrggbbaa``, ``rgb()/rgba()``, ``hsl()/hsla()``,
``hsv()``, CSS colour names and ``{r,g,b}`` / ``{h,s,l}`` / ``{h,s,v}`` objects (an unreadable value
is black, as tinycolor gives); ``to_string(format)`` writes hex, hex8, rgb, hsl or hsv, and
``to_object(format)`` gives tinycolor's ``toRgb`` / ``toHsl`` / ``toHsv`` objects.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Colour"]

_NAMES = {"black": "000000", "white": "ffffff", "red": "ff0000", "green": "008000", "blue": "0000ff",
          "yellow": "ffff00", "orange": "ffa500", "purple": "800080", "grey": "808080", "gray": "808080",
          "cyan": "00ffff", "magenta": "ff00ff", "lime": "00ff00", "pink": "ffc0cb", "brown": "a52a2a",
          "navy": "000080", "teal": "008080", "olive": "808000", "maroon": "800000", "silver": "c0c0c0",
          "transparent": "00000000"}
_FUNC = re.compile(r"^\s*(rgb|rgba|hsl|hsla|hsv|hsva)\s*\(\s*([^)]*)\)\s*$", re.IGNORECASE)
_HEX = re.compile(r"^\s*#?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})\s*$", re.IGNORECASE)


def _fraction(text: Any, scale: float) -> float:
    """A tinycolor ``bound01``: "50%" -> 0.5; 128 of 255 -> 0.5; values of 1 or less as given."""
    s = str(text).strip()
    if s.endswith("%"):
        return max(0.0, min(1.0, float(s[:-1]) / 100.0))
    n = float(s)
    if scale != 1 and n <= 1 and "." in s:
        return max(0.0, min(1.0, n))
    return max(0.0, min(1.0, n / scale))


@dataclass(frozen=True)
class Colour:
    r: float
    g: float
    b: float
    a: float = 1.0

    @classmethod
    def parse(cls, value: Any) -> Colour:
        try:
            return cls._parse(value)
        except (ValueError, TypeError, KeyError):
            return cls(0, 0, 0, 1)

    @classmethod
    def _parse(cls, value: Any) -> Colour:
        if isinstance(value, dict):
            a = float(value.get("a", 1))
            if {"r", "g", "b"} <= value.keys():
                return cls(_fraction(value["r"], 255) * 255, _fraction(value["g"], 255) * 255,
                           _fraction(value["b"], 255) * 255, a)
            if {"h", "s", "l"} <= value.keys():
                r, g, b = colorsys.hls_to_rgb(float(value["h"]) % 360 / 360, _fraction(value["l"], 100),
                                              _fraction(value["s"], 100))
                return cls(r * 255, g * 255, b * 255, a)
            if {"h", "s", "v"} <= value.keys():
                r, g, b = colorsys.hsv_to_rgb(float(value["h"]) % 360 / 360, _fraction(value["s"], 100),
                                              _fraction(value["v"], 100))
                return cls(r * 255, g * 255, b * 255, a)
            raise ValueError("not a colour object")
        text = str(value).strip().lower()
        text = _NAMES.get(text, text)
        m = _HEX.match(text)
        if m:
            digits = m.group(1)
            if len(digits) in (3, 4):
                digits = "".join(c * 2 for c in digits)
            alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
            return cls(int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha)
        f = _FUNC.match(text)
        if not f:
            raise ValueError("not a colour")
        kind, parts = f.group(1)[:3], [p for p in re.split(r"[\s,/]+", f.group(2).strip()) if p]
        alpha = _fraction(parts[3], 1) if len(parts) > 3 else 1.0
        if kind == "rgb":
            r, g, b = (_fraction(p, 255) * 255 for p in parts[:3])
            return cls(r, g, b, alpha)
        h = float(parts[0]) % 360 / 360
        if kind == "hsl":
            r, g, b = colorsys.hls_to_rgb(h, _fraction(parts[2], 100), _fraction(parts[1], 100))
        else:
            r, g, b = colorsys.hsv_to_rgb(h, _fraction(parts[1], 100), _fraction(parts[2], 100))
        return cls(r * 255, g * 255, b * 255, alpha)

    def _rgb(self) -> tuple[int, int, int]:
        return round(self.r), round(self.g), round(self.b)

    def to_string(self, fmt: str = "hex") -> str:
        r, g, b = self._rgb()
        alpha = round(self.a * 100) / 100
        if fmt == "hex8":
            return f"#{r:02x}{g:02x}{b:02x}{round(self.a * 255):02x}"
        if fmt == "rgb":
            return f"rgb({r}, {g}, {b})" if self.a == 1 else f"rgba({r}, {g}, {b}, {_num(alpha)})"
        if fmt in ("hsl", "hsv"):
            h, s, x = self._hsx(fmt)
            name = fmt if self.a == 1 else fmt + "a"
            tail = "" if self.a == 1 else f", {_num(alpha)}"
            return f"{name}({round(h)}, {round(s * 100)}%, {round(x * 100)}%{tail})"
        return f"#{r:02x}{g:02x}{b:02x}"

    def _hsx(self, fmt: str) -> tuple[float, float, float]:
        r, g, b = (c / 255 for c in (self.r, self.g, self.b))
        if fmt == "hsl":
            h, light, s = colorsys.rgb_to_hls(r, g, b)
            return h * 360, s, light
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return h * 360, s, v

    def to_object(self, fmt: str) -> dict[str, Any]:
        if fmt in ("hsl", "hsv"):
            h, s, x = self._hsx(fmt)
            return {"h": _num(h), "s": _num(s), ("l" if fmt == "hsl" else "v"): _num(x), "a": _num(self.a)}
        r, g, b = self._rgb()
        return {"r": r, "g": g, "b": b, "a": _num(self.a)}


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
