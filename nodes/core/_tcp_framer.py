"""How tcp in turns the bytes of one connection into payloads (its datamode, datatype, newline, trim).

* *stream* without a delimiter: one payload per chunk read (bytes, UTF-8 text or Base64 text);
* *stream* with a delimiter (``newline``) on text: one payload per delimited piece, the delimiter
  re-attached when ``trim`` is set (the editor calls it "re-attach delimiter"); what is left when
  the connection ends is a last payload;
* *single*: everything until the connection ends is one payload.

Node-RED decodes each chunk on its own, so a UTF-8 character cut between two reads becomes two
replacement characters and a single-mode Base64 text is the concatenation of per-chunk encodings;
here the text decoder carries a cut character to the next chunk and single mode encodes the
whole buffer once, which gives the text a user expects (and the same text whenever Node-RED's
chunks happen to fall on clean boundaries).
"""

from __future__ import annotations

import base64
import codecs

__all__ = ["Framer", "Payload"]

Payload = bytes | str


class Framer:
    """Payloads from one connection's bytes. ``split_base64``: Node-RED's server mode also
    splits Base64 text on the delimiter (its client mode splits UTF-8 text only)."""

    def __init__(self, datatype: str, stream: bool, newline: str, trim: bool, split_base64: bool) -> None:
        self.datatype = datatype if datatype in ("utf8", "base64") else "buffer"
        self.stream = stream
        self.newline = newline
        self.trim = trim
        self.splitting = bool(newline) and (self.datatype == "utf8" or (split_base64 and self.datatype == "base64"))
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._raw = bytearray()
        self._text = ""

    def _as_text(self, data: bytes) -> str:
        if self.datatype == "base64":
            return base64.b64encode(data).decode("ascii")
        return self._decoder.decode(data)

    def feed(self, data: bytes) -> list[Payload]:
        """The payloads complete after ``data`` arrived (none in single mode)."""
        if not self.stream:
            self._raw += data
            return []
        if self.splitting:
            self._text += self._as_text(data)
            parts = self._text.split(self.newline)
            self._text = parts.pop()
            return [p + self.newline if self.trim else p for p in parts]
        if self.datatype == "buffer":
            return [bytes(data)]
        text = self._as_text(data)
        return [text] if text else []

    def finish(self) -> Payload | None:
        """The last payload when the connection ends (None when there is nothing left)."""
        if not self.stream:
            raw, self._raw = bytes(self._raw), bytearray()
            if not raw:
                return None
            if self.datatype == "buffer":
                return raw
            return base64.b64encode(raw).decode("ascii") if self.datatype == "base64" else raw.decode(
                "utf-8", errors="replace")
        if self.splitting:
            rest = self._text + (self._decoder.decode(b"", final=True) if self.datatype == "utf8" else "")
            self._text = ""
            return rest or None
        return None
