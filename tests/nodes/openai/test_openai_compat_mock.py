"""Seed (node-red-openai) flows against the steady OpenAPI mock.

* ``../shared/openai/compat/seed-flow-example.json`` runs unchanged (a test sink stands in for the
  node ``out`` its wire names);
* each of the 57 seed methods sends the request the equivalent ``openai-*`` node sends (method,
  URL with query, headers, JSON body or multipart parts), and steady finds it valid: the 45 still in
  the API against the current spec, the 12 removed upstream against the 2023-11-08 spec
  (``STEADY_PATCH=1``);
* each of @inductiv's 143 REST wrappers (``OpenAI API``) sends the request its ``openai-*`` node sends;
* the example flows ``flows/compat-*.json`` run against the mock.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.catalog import load_catalog
from flowengine.nodes.openai.compat import SeedMethod, load_inductiv_methods, load_seed_methods
from openai_minimal import FILE, minimal_request
from openai_mock import SHARED, SPEC_2023, SPEC_CURRENT, SteadyMock, unavailable_reason
from test_openai_compat_seed import _form
from test_openai_mock import RecordingTransport

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]

CATALOG = load_catalog()
OPS = {e["type"]: e for e in CATALOG["operations"]}
METHODS = load_seed_methods()
MOCK_ROOT = Path(tempfile.gettempdir()) / "flowengine-openai-mock"
SEED_FLOW = SHARED / "openai/compat/seed-flow-example.json"
EXAMPLES = sorted((Path(__file__).parents[3] / "flows").glob("compat-*.json"))
# values for the optional parameters the seed read, so they are compared too
OPTIONAL = {"limit": 2, "order": "asc", "after": "a1", "before": "b1", "purpose": "assistants", "stream": "false",
            "n": 1, "user": "u1", "language": "en", "temperature": 0.5}


class TapTransport(RecordingTransport):
    """Records every request (read in full) next to steady's verdict."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await super().handle_async_request(request)


@pytest.fixture(scope="module")
def steady_current() -> Iterator[SteadyMock]:
    mock = SteadyMock(SPEC_CURRENT, MOCK_ROOT / "compat-current")
    mock.start()
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def steady_2023() -> Iterator[SteadyMock]:
    mock = SteadyMock(SPEC_2023, MOCK_ROOT / "compat-seed", patch=True)
    mock.start()
    yield mock
    mock.stop()


def _inputs(method: SeedMethod) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """``(seed node properties, seed msg, openai-* msg)`` asking for the same request: half the
    seed's parameters literal (``str``), half read from the message (``msg``)."""
    op_msg, _ = minimal_request(OPS[method.node_type], CATALOG["$defs"])
    payload = op_msg["payload"]
    props: dict[str, Any] = {"method": method.name}
    seed_msg: dict[str, Any] = {"filename": op_msg["filename"], "args": {}}
    first_file = True
    for i, p in enumerate(method.params):
        source = op_msg if p.kind == "param" else payload
        value = source.get(p.name, OPTIONAL.get(p.name))
        if value is None:
            continue
        source[p.name] = value
        if p.kind == "file" and first_file:  # the seed's upload comes from msg.payload
            seed_msg["payload"], first_file = value, False
        elif i % 2 == 0 and not isinstance(value, bytes):
            props[p.prop], props[p.prop + "Type"] = str(value), "str"
        else:
            props[p.prop], props[p.prop + "Type"] = f"args.{p.name}", "msg"
            seed_msg["args"][p.name] = value
    if method.json_body:
        seed_msg["payload"] = payload
    return props, seed_msg, op_msg


def _comparable(request: httpx.Request) -> dict[str, Any]:
    headers = {k: v for k, v in request.headers.items() if k not in ("content-type", "content-length")}
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        body: Any = _form(request)
    else:
        body = json.loads(request.content) if request.content else None
    return {"method": request.method, "path": request.url.path, "query": sorted(request.url.params.multi_items()),
            "headers": headers, "ctype": ctype.split(";")[0], "body": body}


async def _compare(methods: list[SeedMethod], mock: SteadyMock, tmp_path: Path) -> TapTransport:
    tap = TapTransport()
    service = {"secureApiKeyHeaderOrQueryName": "Authorization", "secureApiKeyIsQuery": False,
               "apiBase": mock.base_url, "max_retries": 0, "credentials": {"secureApiKeyValue": "Bearer sk-seed"}}
    flows: list[dict[str, Any]] = [
        {"id": "openai-service", "type": "openai-service", **service},
        {"id": "openai-api-service", "type": "openai-api-service", **service},
        {"id": "cfg", "type": "openai-config", "base_url": mock.base_url, "max_retries": 0,
         "credentials": {"api_key": "sk-seed"}},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    cases = []
    for i, method in enumerate(methods):
        props, seed_msg, op_msg = _inputs(method)
        seed_type = "openai" if i % 2 else "openai-api"
        flows.append({"id": f"seed{i}", "type": seed_type, "service": seed_type + "-service", "wires": [["out"]],
                      **props})
        flows.append({"id": f"op{i}", "type": method.node_type, "config": "cfg", "wires": [["out"]]})
        cases.append((method, seed_msg, op_msg))
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": tap})
    async with FlowHarness(flows, settings=settings) as h:
        for i, (method, seed_msg, op_msg) in enumerate(cases):
            before = len(tap.requests)
            h.send_to(f"seed{i}", seed_msg)
            await h.wait_for("out", 2 * i + 1, timeout=10)
            h.send_to(f"op{i}", op_msg)
            [*_, seed_out, op_out] = await h.wait_for("out", 2 * i + 2, timeout=10)
            assert not h.received("errors"), (method.name, h.received("errors")[0]["error"])
            seed_req, op_req = tap.requests[before:]
            assert _comparable(seed_req) == _comparable(op_req), method.name
            assert seed_req.method == method.http.split()[0], method.name
            assert seed_out["statusCode"] == op_out["openai"]["status"] and seed_out["payload"] is not None
    await tap.aclose()
    return tap


def _as_path(value: Any) -> Any:
    """File content as @inductiv takes it: a path (here inside the file directory)."""
    if value == FILE:
        return "upload.png"
    return [_as_path(v) for v in value] if isinstance(value, list) else value


async def test_each_inductiv_rest_method_sends_what_its_openai_node_sends(steady_current: SteadyMock,
                                                                         tmp_path: Path) -> None:
    by_id = {e["operationId"]: e for e in CATALOG["operations"]}
    methods = [m for m in load_inductiv_methods().values() if m.operation]
    assert len(methods) == 143
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "upload.png").write_bytes(FILE)
    tap = TapTransport()
    flows: list[dict[str, Any]] = [
        {"id": "host", "type": "Service Host", "apiBase": steady_current.base_url, "max_retries": 0,
         "credentials": {"secureApiKeyValue": "sk-ind"}},
        {"id": "cfg", "type": "openai-config", "base_url": steady_current.base_url, "max_retries": 0,
         "credentials": {"api_key": "sk-ind"}},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    cases = []
    for i, method in enumerate(methods):
        entry = by_id[str(method.operation)]
        op_msg, _ = minimal_request(entry, CATALOG["$defs"])
        params = {k: v for k, v in op_msg.items() if k not in ("payload", "filename")}
        params.update({k: _as_path(v) for k, v in op_msg["payload"].items()})
        flows.append({"id": f"ind{i}", "type": "OpenAI API", "service": "host", "method": method.name,
                      "property": "payload", "propertyType": "msg", "wires": [["out"]]})
        flows.append({"id": f"op{i}", "type": entry["type"], "config": "cfg", "wires": [["out"]]})
        cases.append((method, {"payload": params}, op_msg))
    async with FlowHarness(flows, settings=Settings(user_dir=tmp_path, extra={"openai_transport": tap})) as h:
        for i, (method, ind_msg, op_msg) in enumerate(cases):
            before = len(tap.requests)
            h.send_to(f"ind{i}", ind_msg)
            await h.wait_for("out", 2 * i + 1, timeout=10)
            h.send_to(f"op{i}", op_msg)
            [*_, ind_out, op_out] = await h.wait_for("out", 2 * i + 2, timeout=10)
            assert not h.received("errors"), (method.name, h.received("errors")[0]["error"])
            ind_req, op_req = tap.requests[before:]
            assert _comparable(ind_req) == _comparable(op_req), method.name
            data = op_out["payload"].get("data") if isinstance(op_out["payload"], dict) else None
            if method.output_data and isinstance(data, list):
                assert isinstance(ind_out["payload"], list), method.name
            else:
                assert type(ind_out["payload"]) is type(op_out["payload"]), method.name
    await tap.aclose()
    assert len(tap.requests) == 2 * 143 and tap.unexpected() == []


async def test_the_seed_flow_example_runs_unchanged(steady_current: SteadyMock, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if not SEED_FLOW.exists():
        pytest.skip(f"needs {SEED_FLOW} (set FLOWENGINE_SHARED)")
    monkeypatch.setenv("OPENAI_BASE_URL", steady_current.base_url)
    flows = json.loads(SEED_FLOW.read_text())
    tab = next(n["id"] for n in flows if n["type"] == "tab")
    tap = TapTransport()
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hi"}]}
    async with FlowHarness([*flows, {"id": "out", "type": "test-sink", "z": tab}],
                           settings=Settings(user_dir=tmp_path, extra={"openai_transport": tap})) as h:
        h.send_to("chat", {"payload": chat})
        [out] = await h.wait_for("out", 1, timeout=10)
    await tap.aclose()
    [request] = tap.requests
    assert request.headers["authorization"] == "Bearer sk-seed"
    assert str(request.url) == steady_current.base_url + "/chat/completions"
    assert json.loads(request.content) == chat
    assert out["statusCode"] == 200 and isinstance(out["payload"].get("choices"), list)
    assert tap.unexpected() == []


async def test_each_current_seed_method_sends_what_its_openai_node_sends(steady_current: SteadyMock,
                                                                         tmp_path: Path) -> None:
    methods = [m for m in METHODS.values() if not m.removed_upstream]
    assert len(methods) == 45
    tap = await _compare(methods, steady_current, tmp_path)
    assert len(tap.requests) == 90 and tap.unexpected() == []
    multipart = [r for r in tap.requests if r.headers.get("content-type", "").startswith("multipart/")]
    assert len(multipart) == 2 * 5  # files, transcriptions, translations, image edits and variations
    assert sum(r.url.params.get("limit") == "2" for r in tap.requests) == 2 * 6  # the six with a limit


async def test_each_removed_seed_method_sends_what_its_openai_node_sends(steady_2023: SteadyMock,
                                                                         tmp_path: Path) -> None:
    methods = [m for m in METHODS.values() if m.removed_upstream]
    assert len(methods) == 12
    tap = await _compare(methods, steady_2023, tmp_path)
    assert len(tap.requests) == 24 and tap.unexpected() == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_the_example_flows_run_against_the_mock(example: Path, steady_current: SteadyMock, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", steady_current.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-example")
    flows: list[dict[str, Any]] = json.loads(example.read_text())
    on_error = {d for n in flows if n["type"] == "catch" for d in n["wires"][0]}
    debugs = {n["id"] for n in flows if n["type"] == "debug"} - on_error
    async with FlowHarness(flows, settings=Settings(user_dir=tmp_path)) as h:
        for node in flows:
            if node["type"] == "inject":
                assert h.inject(node["id"])
        seen: set[str] = set()
        for _ in range(50):
            seen = {d.get("id") for t, d in h.events if t == "debug" and isinstance(d, dict)}
            if debugs <= seen:
                break
            await h.wait_event("debug", timeout=5)
        assert debugs <= seen and not seen & on_error, (debugs - seen, h.logs[-5:])
        assert not [entry for entry in h.logs if entry[0] >= 40], h.logs
