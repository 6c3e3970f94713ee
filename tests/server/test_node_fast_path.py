"""Node routes are served before the admin stack, without taking admin routes' precedence."""

from __future__ import annotations

from .conftest import AppFactory
from .helpers import V2, tab


def _endpoint(node_id: str, url: str, method: str = "get", body: str = "node") -> list[dict]:
    return [
        {"id": f"{node_id}-in", "type": "http in", "z": "t1", "url": url, "method": method,
         "wires": [[f"{node_id}-set"]]},
        {"id": f"{node_id}-set", "type": "change", "z": "t1",
         "rules": [{"t": "set", "p": "payload", "pt": "msg", "to": body, "tot": "str"}],
         "wires": [[f"{node_id}-out"]]},
        {"id": f"{node_id}-out", "type": "http response", "z": "t1", "statusCode": "", "headers": {},
         "wires": []},
    ]


def test_node_routes_served_and_admin_routes_keep_precedence(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(apiMaxLength="4kb")
    flows = [tab(), *_endpoint("a", "/hello/:who"), *_endpoint("b", "/flows"), *_endpoint("c", "/js/app.js"),
             *_endpoint("d", "/upload", method="post")]
    assert client.post("/flows", json={"flows": flows}, headers=V2).status_code == 200
    app = client.app
    assert app.node_fast_path is not None

    r = client.get("/hello/bob")
    assert (r.status_code, r.text) == (200, "node")
    assert app.node_fast_path.claims({"type": "http", "method": "GET", "path": "/hello/bob"})

    # an admin route wins over a node route on the same path, as before
    assert not app.node_fast_path.claims({"type": "http", "method": "GET", "path": "/flows"})
    assert client.get("/flows", headers=V2).json()["flows"] == flows
    # editor folders are not claimed either: the fallback still tries the file, then the node route
    assert not app.node_fast_path.claims({"type": "http", "method": "GET", "path": "/js/app.js"})
    assert client.get("/js/app.js").text == "node"

    # the admin body limit still applies to node routes
    assert client.post("/upload", content=b"x" * 8192).status_code == 413
    assert client.post("/upload", content=b"x" * 10).text == "node"
    assert client.get("/nowhere").status_code == 404


def test_node_routes_under_a_separate_admin_root(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(httpAdminRoot="/admin")
    flows = [tab(), *_endpoint("a", "/flows")]
    assert client.post("/admin/flows", json={"flows": flows}, headers=V2).status_code == 200
    assert client.app.node_fast_path.claims({"type": "http", "method": "GET", "path": "/flows"})
    assert client.get("/flows").text == "node"
    assert client.get("/admin/flows", headers=V2).json()["flows"] == flows
