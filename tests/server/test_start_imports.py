"""What the server's start leaves for first use: libraries only some flows or requests need are not
run while the app is built (each costs a share of every start), and are loaded once when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The server's start as `flowengine serve` does it, in a fresh interpreter: the CLI and server
# modules, every bundled node package registered, the app built.
START = """
import sys, tempfile, types
from flowengine.cli import _parser, _settings
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app

settings = _settings(_parser().parse_args(["serve", "--user-dir", tempfile.mkdtemp()]))
runtime = Runtime(Registry.default(), settings, persist=False)
app = create_app(runtime, settings, start_runtime=False)


def ran(name):
    # absent, or still the placeholder of flowengine.lazy_module: the module's code has not run
    module = sys.modules.get(name)
    return module is not None and type(module) is types.ModuleType
"""

DEFERRED = (
    "httpx",
    "httpx_sse",
    "aiomqtt",
    "paho.mqtt.client",
    "selectolax.lexbor",
    "prometheus_client",
    "pydantic.v1",
    "pygments",
    "quickjs",
    "uvicorn.main",
    "click",
)


def run(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", START + code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_start_does_not_run_libraries_that_wait_for_first_use() -> None:
    run(f"""
ran_at_start = [name for name in {DEFERRED!r} if ran(name)]
assert not ran_at_start, ran_at_start
from fastapi.openapi.models import OpenAPI
assert not OpenAPI.__pydantic_complete__  # built by the first GET /openapi.json
""")


def test_first_use_loads_the_library_once_for_every_module_that_uses_it() -> None:
    run("""
from flowengine.nodes.core import _cookies, http_request, mqtt, mqtt_broker
from flowengine.nodes.openai import client

assert http_request.httpx.AsyncClient  # the first read loads it
assert ran("httpx") and sys.modules["httpx"] is http_request.httpx is _cookies.httpx is client.httpx
assert mqtt.aiomqtt.Client and ran("aiomqtt") and mqtt_broker.aiomqtt is sys.modules["aiomqtt"]
assert ran("paho.mqtt.client")  # aiomqtt's own import of it ran the lazy module

import uvicorn  # its config and server modules only, so far: the first other name runs its __init__

assert uvicorn.Server is sys.modules["uvicorn.server"].Server and not ran("uvicorn.main")
assert callable(uvicorn.run) and ran("uvicorn.main") and uvicorn.__version__

from starlette.testclient import TestClient

with TestClient(app) as client:
    assert client.get("/metrics").status_code == 200
    assert ran("prometheus_client")
    assert client.get("/openapi.json").json()["paths"]["/flows"]
""")
