"""The ``tcp request`` node: sends ``msg.payload`` to *server*:*port* (or ``msg.host``/``msg.port``
when the node leaves them empty) and sends the answer on, in a copy of the request message.

When the answer is complete (*out*):

* "time": *splitc* ms after its first byte arrived; "immed" sends and closes without waiting;
* "char": when the byte *splitc* arrives (a character, ``\\n``-style escape or ``0x..`` code);
* "count": after *splitc* bytes;
* "sit": never - every chunk read is an answer and the connection stays open; ``msg.reset``
  (true, or "host:port") closes connections.

Except in "sit" mode the connection is closed once the answer is out. One connection per
host:port; messages that arrive while it connects wait in a queue (``tcpMsgQueueSize``, oldest
dropped) and are written in order once it is up. With the ``socketTimeout`` setting (ms), a
connection idle that long shows "connect timeout" and is closed and opened again, as in Node-RED.
*ret* "string" turns the answer into UTF-8 text (in "sit" mode split on *newline*, with *trim*
re-attaching it).
"""

from __future__ import annotations

import asyncio
import codecs
import ssl
from collections import deque
from typing import Any

from flowengine.jsutil import js_string, to_number
from flowengine.message import clone_msg
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._tcp import (
    NetworkNode,
    TcpConnection,
    client_ssl,
    connect,
    connections_text,
    payload_bytes,
    port_number,
    setting,
    unescape,
)
from .tcp_in import CHUNK, TLS_PROPERTY

__all__ = ["NODES", "TcpRequest"]

_ESCAPES = {"\\n": "10", "\\r": "13", "\\t": "9", "\\e": "27", "\\f": "12", "\\0": "0"}


def split_char(text: Any) -> int | None:
    """The byte that ends an answer in "char" mode, read as Node-RED reads *splitc*."""
    s = str(text if text is not None else "")
    if s.startswith("\\"):
        for escaped, code in _ESCAPES.items():
            s = s.replace(escaped, code, 1)
        digits = s[: len(s) - len(s.lstrip("0123456789"))] if s[:1].isdigit() else ""
        return int(digits) if digits else None
    if s[:2] == "0x":
        try:
            return int(s[2:], 16)
        except ValueError:
            return None
    return ord(s[0]) if s else None


class _Link:
    """One host:port connection with the messages waiting to be written on it."""

    def __init__(self, key: str, size: int) -> None:
        self.key = key
        self.queue: deque[tuple[Msg, Done]] = deque(maxlen=max(size, 1))
        self.last: Msg = {}
        self.conn: TcpConnection | None = None
        self.connected = False
        self.connecting = False
        self.answer = bytearray()
        self.text = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.timer: asyncio.TimerHandle | None = None

    def fresh(self) -> None:
        """A new connection starts a new answer."""
        self.answer = bytearray()
        self.text = ""
        self.decoder.reset()


class TcpRequest(NetworkNode):
    type = "tcp request"
    label = "tcp request"
    inputs = 1
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "server": {"type": "string", "default": "", "title": "Server",
                       "description": "Host to connect to; empty = msg.host."},
            "port": {"type": ["string", "number"], "default": "", "title": "Port",
                     "description": "Port to connect to; empty = msg.port."},
            "out": {"type": "string", "enum": ["time", "char", "count", "sit", "immed"], "default": "time",
                    "title": "Return", "description": "after a fixed timeout (ms), when a character is "
                    "received, after a fixed number of bytes, never (keep the connection open), or "
                    "immediately without waiting for a reply."},
            "ret": {"type": "string", "enum": ["buffer", "string"], "default": "buffer", "title": "Output",
                    "description": "The reply as a Buffer or as a UTF-8 string."},
            "splitc": {"type": ["string", "number"], "default": "0", "title": "Timeout / character / count",
                       "description": "ms to wait (time), the closing character such as \\n or 0x0A (char), or "
                       "the number of bytes (count)."},
            "newline": {"type": "string", "default": "", "title": "Split lines on",
                        "description": "In keep-open mode with string output: one message per delimited piece."},
            "trim": {"type": "boolean", "default": False, "title": "Re-attach delimiter",
                     "description": "Keep the delimiter at the end of each split line."},
            "tls": TLS_PROPERTY,
        },
    }
    help = node_help("tcp request")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.server = str(config.get("server") or "")
        self.port = to_number(config.get("port") or 0)
        self.out = str(config.get("out") or "time")
        self.ret = str(config.get("ret") or "buffer")
        self.newline = unescape(config.get("newline"), every=False)
        self.trim = config.get("trim") in (True, "true")
        splitc = config.get("splitc", "0")
        if self.out == "immed":
            self.out, splitc = "time", -1
        self.splitc: int | float | None = split_char(splitc) if self.out == "char" else to_number(splitc)
        self.links: dict[str, _Link] = {}
        self._last_key: str | None = None
        self._queue_size = int(setting(self, "tcpMsgQueueSize", 1000))
        idle = setting(self, "socketTimeout", None)
        self._idle_s: float | None = float(idle) / 1000.0 if idle else None
        """``socketTimeout`` (ms): a connection idle that long is closed and opened again."""

    def on_close(self, removed: bool) -> None:
        for link in self.links.values():
            if link.timer is not None:
                link.timer.cancel()
            if link.conn is not None:
                link.conn.destroy()
        self.links.clear()
        self.status({})

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        payload = msg.get("payload", UNDEFINED)
        if payload is not UNDEFINED and not isinstance(payload, bytes | bytearray | str):
            msg["payload"] = js_string(payload)
        host = self.server or msg.get("host", UNDEFINED)
        port = self.port or msg.get("port", UNDEFINED)
        if self.out == "sit" and msg.get("reset"):
            self._reset(msg["reset"])
            if "payload" not in msg:
                done()
                return
        key = f"{js_string(host)}:{js_string(port)}"
        if key != self._last_key:
            self.status({})
            self._last_key = key
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = _Link(key, self._queue_size)
        link.queue.append((msg, done))
        link.last = msg
        if not link.connecting and not link.connected:
            number = port_number(port)
            if not host or not number:
                self.warn("Host and/or port not set")
                link.queue.pop()
                done()
                return
            link.connecting = True
            self.spawn(self._run(link, js_string(host), number, msg))
        elif link.connected and link.conn is not None:
            self._write_queue(link)

    def _reset(self, reset: Any) -> None:
        keys = list(self.links) if reset is True else [reset] if isinstance(reset, str) and ":" in reset else []
        for key in keys:
            link = self.links.pop(key, None)
            if link is not None and link.conn is not None:
                link.conn.destroy()
        count = len(self.links)
        self.status({"fill": "green", "shape": "ring" if count == 0 else "dot", "text": connections_text(count)})

    def _write_queue(self, link: _Link) -> None:
        assert link.conn is not None
        while link.queue:
            msg, done = link.queue.popleft()
            if msg.get("payload", UNDEFINED) is not UNDEFINED:
                link.conn.write(payload_bytes(msg["payload"], False))
            done()

    async def _run(self, link: _Link, host: str, port: int, first: Msg) -> None:
        again = False
        while await self._connection(link, host, port, first, again):
            again = True
            # idle (or still connecting) for socketTimeout: Node-RED's 'timeout' handler shows it
            # and connects again
            if self.links.get(link.key) is not link:
                return
            self.status({"fill": "grey", "shape": "dot", "text": "connect timeout"})
            link.connected, link.connecting = False, True
            first = link.last

    async def _connection(self, link: _Link, host: str, port: int, first: Msg, again: bool = False) -> bool:
        """Connect, write the queue and read answers; True when the connection was idle (or not
        yet open) for ``socketTimeout`` ms, and so is to be opened again."""
        deadline = asyncio.timeout(self._idle_s)
        try:
            async with deadline:
                conn = await connect(self, host, port, client_ssl(self))
        except (OSError, ssl.SSLError, ValueError) as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                return True
            self.debug_log(f"tcp request to {link.key}: {exc!r}")
            self.status({"fill": "red", "shape": "ring", "text": "error"})
            self.error(f"connect failed {link.key}", first)
            if self.links.get(link.key) is link:
                del self.links[link.key]
            return False
        if self.links.get(link.key) is not link:  # reset while connecting
            conn.destroy()
            return False
        link.conn, link.connected, link.connecting = conn, True, False
        link.fresh()
        # Node-RED's reconnect after a timeout shows "connected" rather than the count
        text = "connected" if again else connections_text(len(self.links))
        self.status({"fill": "green", "shape": "dot", "text": text})
        self._write_queue(link)
        if self.out == "time" and isinstance(self.splitc, int | float) and self.splitc < 0:
            link.connected = False
            conn.end()
            del self.links[link.key]
            self.status({})
            return False
        return await self._read(link, conn)

    async def _read(self, link: _Link, conn: TcpConnection) -> bool:
        """Read answers until the connection ends; True when it was idle for ``socketTimeout``."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._idle_s):
                        data = await conn.reader.read(CHUNK)
                except TimeoutError:
                    if self.links.get(link.key) is not link or link.conn is not conn:
                        return False
                    conn.destroy()
                    link.conn = None
                    return True
                if not data:
                    break
                if self.links.get(link.key) is not link or link.conn is not conn:
                    return False
                self._answer(link, data)
            if not conn.ended_here and link.conn is conn:  # the server ended the connection
                self.status({"fill": "grey", "shape": "ring", "text": "disconnected"})
                link.connected = link.connecting = False
                link.conn = None
        except (OSError, ssl.SSLError) as exc:
            if self.links.get(link.key) is link:
                self.status({"fill": "red", "shape": "ring", "text": "error"})
                self.error(f"connect failed {link.key}", link.last)
                del self.links[link.key]
            self.debug_log(f"tcp request to {link.key}: {exc!r}")
        finally:
            conn.writer.close()
        return False

    def _reply(self, link: _Link, payload: bytes | str) -> Msg:
        msg = clone_msg(link.last)
        if self.ret == "string" and isinstance(payload, bytes):
            payload = payload.decode("utf-8", errors="replace")
        msg["payload"] = payload
        return msg

    def _finish(self, link: _Link) -> None:
        """The answer is out: close the connection (Node-RED destroys it)."""
        answer, link.answer = bytes(link.answer), bytearray()
        self.send(self._reply(link, answer))
        if link.conn is not None:
            self.status({})
            link.conn.destroy()
            self.links.pop(link.key, None)

    def _answer(self, link: _Link, data: bytes) -> None:
        if self.out == "sit":
            if self.ret != "string":
                self.send(self._reply(link, bytes(data)))
            elif not self.newline:
                self.send(self._reply(link, link.decoder.decode(data)))
            else:
                parts = (link.text + link.decoder.decode(data)).split(self.newline)
                link.text = parts.pop()
                base = self._reply(link, "")
                for part in parts:
                    msg = clone_msg(base)
                    msg["payload"] = part + self.newline if self.trim else part
                    self.send(msg)
            return
        if self.out == "time":
            link.answer += data
            if link.timer is None:
                delay = float(self.splitc) / 1000.0 if isinstance(self.splitc, int | float) else 0.0
                link.timer = self.call_later(delay if delay == delay else 0.0, lambda: self._timed_out(link))
            return
        for byte in data:  # "count" and "char" look at every byte
            link.answer.append(byte)
            if self.out == "count":
                complete = isinstance(self.splitc, int | float) and len(link.answer) >= self.splitc
            else:
                complete = byte == self.splitc
            if complete:
                self._finish(link)
                if self.links.get(link.key) is not link:
                    return

    def _timed_out(self, link: _Link) -> None:
        link.timer = None
        if self.links.get(link.key) is link:
            self._finish(link)


NODES = [TcpRequest]
