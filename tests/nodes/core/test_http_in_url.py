"""http in: ``msg.req``'s path, query, hostname and protocol read from the scope are exactly what
Starlette's parsed ``request.url`` gives, for plain and for awkward requests."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from nodes.core.http_in import url_parts

PATHS = [
    "/",
    "/a/b",
    "/bench/lat0",
    "/with space",
    "/caf\u00e9",
    "/a%2Fb",
    "/q?x",
    "/frag#x",
    "/back\\slash",
    "//double",
    "relative",
    "/tab\there",
    "/line\nbreak",
    "/x/",
    "/a;b=c",
    "/~user/@at",
]
QUERIES = [b"", b"i=1", b"a=1&a=2&b[c]=3", b"x=%20y", b"hash=#1", b"sp=a b", b"t=\t", b"u=caf%C3%A9"]
HOSTS: list[bytes | None] = [
    b"127.0.0.1:1880",
    b"LocalHost",
    b"example.com:80",
    b"[::1]:1880",
    b"host:99999",
    b"user@host",
    b"host:",
    b"",
    None,
    b"ex ample",
]


def scope(path: str, query: bytes, host: bytes | None, scheme: str = "http") -> dict[str, Any]:
    headers = [(b"accept", b"*/*")] + ([(b"host", host)] if host is not None else [])
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "query_string": query,
        "headers": headers,
        "scheme": scheme,
        "server": ("127.0.0.1", 1880),
        "client": ("127.0.0.1", 5000),
    }


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_same_as_starlettes_url(host: bytes | None, scheme: str) -> None:
    for path in PATHS:
        for query in QUERIES:
            request = Request(scope(path, query, host, scheme))
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope["headers"]}
            url = Request(scope(path, query, host, scheme)).url
            expected = (url.path, url.query, url.hostname or "", url.scheme)
            assert url_parts(request, headers) == expected, (path, query, host)
