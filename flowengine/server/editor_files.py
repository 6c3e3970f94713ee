"""The editor's static files (index.html, css/, js/, vendor/), served from memory.

The editor is ~70 small ES modules. Served one by one through a thread hop each (stat, open, read),
a first load spent ~260 ms of the server's single thread on them, and the browser found the modules
level by level as each import arrived. Here each file is read once and kept with its ETag until its
size or modification time changes (one ``os.stat`` a request), a repeated load is answered
``304 Not Modified``, and ``index.html`` gets a ``<link rel="modulepreload">`` for every module in
``js/`` so that the browser asks for all of them at once.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from email.utils import formatdate

from starlette.types import Receive, Scope, Send

__all__ = ["EditorFiles"]

INDEX = "index.html"
PRELOAD_BEFORE = '<script type="module"'


@dataclass(frozen=True)
class _File:
    stamp: tuple[int, ...]  # (st_mtime_ns, st_size) of the file, and js/'s st_mtime_ns for index.html
    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes


class EditorFiles:
    """Serves the files under ``folder``; nothing outside it, whatever the path says."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.path.realpath(folder)
        self._paths: dict[str, str] = {}  # request path -> full path, for files found (bounded by the folder)
        self._files: dict[str, _File] = {}

    def resolve(self, rel: str) -> str | None:
        """The file a request path (relative to the admin root) names, relative to the folder, or None.
        A folder stands for its index.html."""
        full = self._paths.get(rel)
        if full is None:
            full = self._find(rel)
            if full is None:
                return None
            self._paths[rel] = full
        elif not os.path.isfile(full):
            del self._paths[rel]
            return None
        return os.path.relpath(full, self.folder)

    def _find(self, rel: str) -> str | None:
        full = os.path.realpath(os.path.join(self.folder, rel))
        if os.path.commonpath([self.folder, full]) != self.folder:
            return None
        if os.path.isdir(full):
            full = os.path.join(full, INDEX)
        return full if os.path.isfile(full) else None

    async def serve(self, name: str, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer a GET/HEAD for ``name`` (as ``resolve`` returned it): 200, or 304 when the
        client's ``If-None-Match`` holds the file's ETag. False, with nothing sent, when the file
        went away since ``resolve``."""
        try:
            file = self._load(name)
        except FileNotFoundError:
            self._paths.clear()
            return False
        if _etag_matches(scope, file.etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [h for h in file.headers if h[0] in (b"etag", b"cache-control")]})
            await send({"type": "http.response.body", "body": b""})
            return True
        await send({"type": "http.response.start", "status": 200, "headers": file.headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else file.body})
        return True

    def _load(self, name: str) -> _File:
        full = os.path.join(self.folder, name)
        st = os.stat(full)
        stamp: tuple[int, ...] = (st.st_mtime_ns, st.st_size)
        if name == INDEX and os.path.isdir(js := os.path.join(self.folder, "js")):
            stamp += (os.stat(js).st_mtime_ns,)  # a module added or removed changes the preloads
        cached = self._files.get(name)
        if cached is not None and cached.stamp == stamp:
            return cached
        with open(full, "rb") as fh:
            body = fh.read()
        if name == INDEX:
            body = self._with_preloads(body)
        file = _make_file(name, stamp, body, st.st_mtime)
        self._files[name] = file
        return file

    def _with_preloads(self, page: bytes) -> bytes:
        """index.html with a modulepreload link for each module in js/, before its first module script."""
        folder = os.path.join(self.folder, "js")
        if not os.path.isdir(folder):
            return page
        text = page.decode("utf-8")
        at = text.find(PRELOAD_BEFORE)
        if at < 0:
            return page
        links = "".join(f'<link rel="modulepreload" href="js/{m}">\n  '
                        for m in sorted(os.listdir(folder)) if m.endswith(".js"))
        return (text[:at] + links + text[at:]).encode("utf-8")


def _make_file(name: str, stamp: tuple[int, ...], body: bytes, mtime: float) -> _File:
    media, _ = mimetypes.guess_type(name)
    media = media or "application/octet-stream"
    if media.startswith("text/"):
        media += "; charset=utf-8"
    etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'.encode()
    headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode()),
               (b"etag", etag), (b"last-modified", formatdate(mtime, usegmt=True).encode()),
               (b"cache-control", b"no-cache"), (b"x-content-type-options", b"nosniff")]
    return _File(stamp, body, headers, etag)


def _etag_matches(scope: Scope, etag: bytes) -> bool:
    for key, value in scope["headers"]:
        if key == b"if-none-match":
            return any(tag.strip().removeprefix(b"W/") == etag for tag in value.split(b","))
    return False
