"""``POST /node-check``: one node's problems as a deploy sees them (the editor's code fields use it)."""

from __future__ import annotations

from .helpers import TestClient


def test_function_code_syntax_in_its_language(client: TestClient) -> None:
    ok = client.post("/node-check", json={"type": "function", "func": "return msg;"})
    assert ok.status_code == 200 and ok.json() == {"problems": []}
    js = client.post("/node-check", json={"type": "function", "func": "let a = ;\nreturn msg;"}).json()["problems"]
    assert [p["property"] for p in js] == ["func"] and "line 1" in js[0]["message"] and js[0]["level"] == "warning"
    py = client.post("/node-check", json={"type": "function", "language": "python",
                                          "initialize": "x = 1\ndef f(:\n  pass"}).json()["problems"]
    assert [p["property"] for p in py] == ["initialize"] and "line 2" in py[0]["message"]
    assert "Python" in py[0]["message"]


def test_schema_problems_and_bad_bodies(client: TestClient) -> None:
    bad = client.post("/node-check", json={"type": "delay", "pauseType": "sometimes"}).json()["problems"]
    assert any(p["property"] == "pauseType" for p in bad)
    assert client.post("/node-check", json={"type": "no-such-type"}).json() == {"problems": []}
    assert client.post("/node-check", json=[1, 2]).status_code == 400
    broken = client.post("/node-check", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
