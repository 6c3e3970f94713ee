"""A scripted HTTP/1.1 server on 127.0.0.1 (asyncio streams, optional TLS) for client-node tests.

Unlike ``httpx.MockTransport`` it is a real socket, so httpx's timeouts, TLS verification, SNI,
proxies and connection reuse are exercised as in production.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "LocalHttp", "Seen"]


@dataclass
class Seen:
    """One request the server read."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int
    """Serial number of the TCP connection it came on (1 = first accepted)."""


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0


Handler = Callable[[Seen], Answer | Awaitable[Answer]]


class LocalHttp:
    """``async with LocalHttp(handler) as srv``: ``srv.url``, ``srv.seen`` (requests), ``srv.sni``."""

    def __init__(self, handler: Handler | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler or (lambda seen: Answer(body=b"ok"))
        self.ssl_context = ssl_context
        self.seen: list[Seen] = []
        self.sni: list[str | None] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        if ssl_context is not None:
            ssl_context.sni_callback = self._on_sni

    def _on_sni(self, sock: Any, name: str | None, ctx: ssl.SSLContext) -> None:
        self.sni.append(name)

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LocalHttp:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:  # so __aexit__ can end a conversation a client left open
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.connections += 1
        await self._conversation(reader, writer, self.connections)

    async def _conversation(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: int) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                seen = Seen(method, target, headers, body, conn)
                self.seen.append(seen)
                answer = self.handler(seen)
                if not isinstance(answer, Answer):
                    answer = await answer
                if answer.delay:
                    await asyncio.sleep(answer.delay)
                close = headers.get("connection", "").lower() == "close"
                out = [f"HTTP/1.1 {answer.status} X", f"content-length: {len(answer.body)}"]
                out += [f"{k}: {v}" for k, v in answer.headers]
                if close:
                    out.append("connection: close")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                if method != "HEAD":
                    writer.write(answer.body)
                await writer.drain()
                if close:
                    return
        except (ConnectionError, ssl.SSLError):
            return
        finally:
            writer.close()
