"""Retries and their timing, errors, redaction, timeouts and the concurrency limit."""

from __future__ import annotations

import asyncio
import email.utils
from pathlib import Path

import httpx
import pytest
from flowengine.nodes.openai.client import ClientOptions
from flowengine.nodes.openai.errors import APIResponseValidationError, APIStatusError, APITimeoutError
from flowengine.nodes.openai.retry import RetryPolicy, retry_after_seconds
from openai_fakes import make, run


def scripted(*responses: httpx.Response | Exception) -> tuple[list[httpx.Request], object]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return seen, handler


def test_retry_policy_statuses_and_override() -> None:
    p = RetryPolicy()
    assert all(p.should_retry(s) for s in (408, 409, 429, 500, 502, 503, 599, None))
    assert not any(p.should_retry(s) for s in (400, 401, 403, 404, 422))
    assert p.should_retry(400, {"x-should-retry": "true"})
    assert not p.should_retry(500, {"x-should-retry": "false"})


def test_retry_delays_backoff_jitter_and_retry_after() -> None:
    p = RetryPolicy(max_retries=5)
    assert p.delay(0, {}, lambda: 0.0) == 0.5
    assert p.delay(1, {}, lambda: 0.0) == 1.0
    assert p.delay(1, {}, lambda: 1.0) == 0.75  # 25 % jitter at most
    assert p.delay(6 - 1, {}, lambda: 0.0) is None  # retries exhausted
    assert RetryPolicy(max_retries=10).delay(6, {}, lambda: 0.0) == 8.0  # capped
    assert p.delay(0, {"retry-after-ms": "300"}, lambda: 0.0) == pytest.approx(0.3)
    assert p.delay(0, {"retry-after": "1.5"}, lambda: 0.0) == 1.5
    assert p.delay(0, {"retry-after": "200"}, lambda: 0.0) == 200  # > 120 s: the client parks the message
    assert RetryPolicy(max_retry_wait=100).delay(0, {"retry-after": "200"}, lambda: 0.0) is None
    assert p.delay(0, {"retry-after": "0"}, lambda: 0.0) == 0.5  # not positive: backoff
    date = email.utils.formatdate(1000.0 + 3, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=lambda: 1000.0) == pytest.approx(3.0)
    assert retry_after_seconds({"retry-after": "soon"}) is None


async def test_429_then_500_then_success_with_recorded_waits(tmp_path: Path) -> None:
    seen, handler = scripted(
        httpx.Response(429, headers={"retry-after-ms": "250"}, json={"error": {"message": "slow down"}}),
        httpx.Response(500, json={"error": {"message": "boom"}}),
        httpx.Response(200, json={"data": []}),
    )
    sleeps: list[float] = []
    node, host = make("openai-list-models", handler, tmp_path, sleeps=sleeps)
    await run(node, {"payload": 1})
    assert len(seen) == 3 and not host.errors
    assert [r.headers["x-stainless-retry-count"] for r in seen] == ["0", "1", "2"]
    assert sleeps[0] == pytest.approx(0.25)
    assert 0.75 <= sleeps[1] <= 1.0  # second backoff step: 1.0 s minus up to 25 % jitter
    assert host.sent[0]["payload"] == {"data": []}


async def test_a_429_holds_back_the_other_requests_of_the_key(tmp_path: Path) -> None:
    """A retry-after applies to the key, not just the request that got it: a request starting
    inside the window waits for the rest of it before sending (one shared bucket per config)."""
    seen, handler = scripted(
        httpx.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "slow down"}}),
        httpx.Response(200, json={"data": []}),
    )
    sleeps: list[float] = []
    node, host = make("openai-list-models", handler, tmp_path, sleeps=sleeps)
    await run(node, {"payload": 1})  # 429, waits 3 s (fake sleep: no time passes), 200
    await run(node, {"payload": 2})  # starts inside the window
    assert sleeps[0] == 3.0 and sleeps[1] == pytest.approx(3.0, abs=0.5) and len(sleeps) == 2
    assert len(seen) == 3 and not host.errors
    node.config_node("cfg").client().limited_until = 0.0  # window over: the next one goes at once
    await run(node, {"payload": 3})
    assert len(sleeps) == 2


async def test_connection_errors_are_retried_then_reported(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.ConnectError("refused"))
    sleeps: list[float] = []
    node, host = make("openai-list-models", handler, tmp_path, config={"max_retries": 3}, sleeps=sleeps)
    msg = {"payload": 1}
    await run(node, msg)
    assert len(seen) == 4 and len(sleeps) == 3
    err, emsg = host.errors[0]
    assert err.type == "connection_error" and emsg is msg


async def test_timeouts_are_retried_and_become_timeout_errors(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.ReadTimeout("slow"))
    node, host = make("openai-list-models", handler, tmp_path, config={"max_retries": 1, "timeout": 0.5})
    await run(node, {"payload": 1})
    assert len(seen) == 2
    assert isinstance(host.errors[0][0], APITimeoutError)
    assert seen[0].extensions["timeout"]["read"] == 0.5


async def test_http_error_details_and_no_retry_on_400(tmp_path: Path) -> None:
    body = {"error": {"message": "bad model", "type": "invalid_request_error", "param": "model", "code": "nope"}}
    seen, handler = scripted(httpx.Response(400, json=body, headers={"x-request-id": "req_9"}))
    node, host = make("openai-create-embedding", handler, tmp_path, props={"model": "x"})
    msg = {"payload": "hi", "original": True}
    await run(node, msg)
    assert len(seen) == 1
    err, emsg = host.errors[0]
    assert isinstance(err, APIStatusError)
    assert err.details == {"message": "Error code: 400 - bad model", "status": 400, "type": "invalid_request_error",
                           "code": "nope", "param": "model", "body": body, "request_id": "req_9"}
    assert emsg["original"] is True and emsg["openai"]["error"]["status"] == 400
    assert node.last_error and "400" in node.last_error


async def test_retry_after_beyond_max_retry_wait_fails_fast(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.Response(429, headers={"retry-after": "700"}, json={}))
    sleeps: list[float] = []
    node, host = make("openai-list-models", handler, tmp_path, sleeps=sleeps)
    await run(node, {"payload": 1})  # maxRetryWait: 10 minutes by default
    assert len(seen) == 1 and host.errors[0][0].status == 429 and sleeps == []
    assert "is more than maxRetryWait, 600 s" in str(host.errors[0][0])


async def test_a_long_retry_after_parks_the_message_outside_its_slot(tmp_path: Path) -> None:
    # issue 18 fault 7: a 429 asking for 300 s used to fail at once; now the message waits,
    # without holding a concurrency slot, and the status says so
    seen, handler = scripted(httpx.Response(429, headers={"retry-after": "300"}, json={}),
                             httpx.Response(200, json={"data": []}))
    parked_slots: list[int] = []
    node, host = make("openai-list-models", handler, tmp_path, config={"max_concurrency": 1})
    client = host.nodes["cfg"].client()

    now = [1000.0]

    async def watching_sleep(delay: float) -> None:
        parked_slots.append(client.limiter.in_flight)
        assert host.statuses[-1]["text"] == "waiting for rate limit (300 s)"
        now[0] += delay

    client._sleep = watching_sleep
    client._clock = lambda: now[0]
    await run(node, {"payload": 1})
    assert len(seen) == 2 and host.errors == [] and len(host.sent) == 1
    assert parked_slots == [0]  # the slot was free while the message waited


async def test_api_key_never_appears_in_errors_status_or_repr(tmp_path: Path) -> None:
    key = "sk-secret-key"
    _seen, handler = scripted(httpx.ConnectError(f"proxy said Bearer {key}"))
    node, host = make("openai-list-models", handler, tmp_path, config={"max_retries": 0})
    await run(node, {"payload": 1})
    err, emsg = host.errors[0]
    assert key not in str(err) and key not in repr(emsg) and "***" in str(err)
    cfg = host.nodes["cfg"]
    assert key not in repr(cfg.options()) and key not in repr(ClientOptions(api_key=key))
    node._publish_status()
    assert all(key not in str(s) for s in host.statuses)
    assert all(key not in text for _, text in host.logs)


async def test_environment_fallbacks(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.Response(200, json={}))
    node, host = make("openai-list-models", handler, tmp_path, credentials={}, config={"base_url": ""})
    host.env_vars.update({"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "http://env.test/v9"})
    await run(node, {"payload": 1})
    assert str(seen[0].url) == "http://env.test/v9/models"
    assert seen[0].headers["authorization"] == "Bearer sk-env"


async def test_admin_key_falls_back_to_the_environment(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.Response(200, json={"data": []}))
    node, host = make("openai-list-projects", handler, tmp_path, credentials={})
    host.env_vars.update({"OPENAI_API_KEY": "sk-env-key", "OPENAI_ADMIN_KEY": "sk-env-admin"})
    await run(node, {"payload": 1})
    assert seen[-1].headers["authorization"] == "Bearer sk-env-admin"
    assert node.operation.entry["auth"] == "admin"
    # a key operation keeps the normal key
    key_node, key_host = make("openai-list-models", handler, tmp_path, credentials={})
    key_host.env_vars.update(host.env_vars)
    await run(key_node, {"payload": 1})
    assert seen[-1].headers["authorization"] == "Bearer sk-env-key"
    # a stored admin key wins over the environment
    node2, host2 = make("openai-list-projects", handler, tmp_path, credentials={"admin_key": "sk-stored-admin"})
    host2.env_vars.update(host.env_vars)
    await run(node2, {"payload": 1})
    assert seen[-1].headers["authorization"] == "Bearer sk-stored-admin"


async def test_x_should_retry_overrides_the_status_through_a_node(tmp_path: Path) -> None:
    # true: a 400 (never retried by status) is retried, then succeeds
    seen, handler = scripted(
        httpx.Response(400, headers={"x-should-retry": "true"}, json={"error": {"message": "try again"}}),
        httpx.Response(200, json={"data": [{"id": "m"}]}),
    )
    sleeps: list[float] = []
    node, host = make("openai-list-models", handler, tmp_path, sleeps=sleeps)
    await run(node, {"payload": 1})
    assert len(seen) == 2 and len(sleeps) == 1 and not host.errors
    assert host.sent[-1]["payload"] == {"data": [{"id": "m"}]}
    # false: a 503 (always retried by status) is not, and reaches the flow as the error
    seen2, handler2 = scripted(httpx.Response(503, headers={"x-should-retry": "false"},
                                              json={"error": {"message": "overloaded"}}))
    sleeps2: list[float] = []
    node2, host2 = make("openai-list-models", handler2, tmp_path, sleeps=sleeps2)
    await run(node2, {"payload": 1})
    assert len(seen2) == 1 and sleeps2 == []
    assert host2.errors[0][0].status == 503 and not host2.sent


async def test_status_shows_tokens_then_the_last_error_until_a_success(tmp_path: Path) -> None:
    """The status line reflects the latest state, as Node-RED users read it: an error shows until
    the next success clears it (the error itself went to catch nodes); the token count stays."""
    seen, handler = scripted(
        httpx.Response(200, json={"object": "list", "data": [], "usage": {"total_tokens": 7}}),
        httpx.Response(400, json={"error": {"message": "model not found", "type": "invalid_request_error"}}),
        httpx.Response(200, json={"usage": {"prompt_tokens": 2, "completion_tokens": 3}}),
    )
    node, host = make("openai-list-models", handler, tmp_path)
    node._publish_status()
    assert host.statuses[-1] == {}
    await run(node, {"payload": 1})
    node._publish_status()
    assert host.statuses[-1] == {"fill": "green", "shape": "dot", "text": "7 tokens"}
    await run(node, {"payload": 1})
    node._publish_status()
    assert host.statuses[-1]["fill"] == "red" and host.statuses[-1]["shape"] == "ring"
    assert host.statuses[-1]["text"] == "Error code: 400 - model not found"
    assert node.tokens == 7
    await run(node, {"payload": 1})
    node._publish_status()
    assert host.statuses[-1] == {"fill": "green", "shape": "dot", "text": "12 tokens"}
    assert node.last_error is None and len(seen) == 3
    node.on_close(False)


async def test_concurrency_limit_queues_the_excess(tmp_path: Path) -> None:
    active = 0
    peak = 0
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await release.wait()
        active -= 1
        return httpx.Response(200, json={"usage": {"total_tokens": 1}})

    node, host = make("openai-list-models", handler, tmp_path, config={"max_concurrency": 2})
    tasks = [asyncio.create_task(run(node, {"payload": i})) for i in range(5)]
    for _ in range(50):
        await asyncio.sleep(0)
        if node.in_flight == 2 and node.queued == 3:
            break
    assert (node.in_flight, node.queued) == (2, 3)
    node._publish_status()
    assert host.statuses[-1]["text"] == "2 in flight · 3 queued"
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2 and len(host.sent) == 5 and node.tokens == 5
    assert (node.in_flight, node.queued) == (0, 0)
    node.on_close(False)
    await host.nodes["cfg"].on_close(False)


async def test_key_echoed_in_an_error_body_is_redacted(tmp_path: Path) -> None:
    body = {"error": {"message": "Incorrect API key provided: sk-secret-key", "type": "invalid_request_error"}}
    _seen, handler = scripted(httpx.Response(401, json=body))
    node, host = make("openai-list-models", handler, tmp_path)
    await run(node, {"payload": 1})
    err, emsg = host.errors[0]
    assert "sk-secret-key" not in str(err) and "sk-secret-key" not in repr(emsg)
    assert err.status == 401 and err.details["body"]["error"]["message"].endswith("***")


async def test_admin_operations_fall_back_to_the_api_key(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.Response(200, json={"data": []}))
    node, _host = make("openai-list-projects", handler, tmp_path)
    await run(node, {"payload": 1})
    assert seen[0].headers["authorization"] == "Bearer sk-secret-key"


async def test_custom_auth_header_and_extra_headers(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.Response(200, json={}))
    node, _host = make("openai-list-models", handler, tmp_path,
                       config={"auth_header": "api-key", "headers": {"X-Trace": "t1"}})
    await run(node, {"payload": 1})
    assert seen[0].headers["api-key"] == "sk-secret-key" and "authorization" not in seen[0].headers
    assert seen[0].headers["x-trace"] == "t1"


async def test_key_in_the_query_and_extra_query_parameters(tmp_path: Path) -> None:
    """auth_query sends the key as a URL parameter (no auth header); query adds fixed parameters
    (Azure's api-version) before the operation's own; a key echoed in an error is redacted."""
    seen, handler = scripted(httpx.Response(200, json={"data": []}))
    node, _host = make("openai-list-files", handler, tmp_path, props={"limit": 5},
                       config={"auth_query": "key", "query": {"api-version": "2025-01-01"}})
    await run(node, {"payload": 1})
    url = seen[0].url
    assert url.params.get("key") == "sk-secret-key" and url.params.get("api-version") == "2025-01-01"
    assert url.params.get("limit") == "5" and "authorization" not in seen[0].headers
    seen, handler = scripted(httpx.Response(404, json={"error": {"message": f"no such thing at {url}"}}))
    node, host = make("openai-list-files", handler, tmp_path, config={"auth_query": "key", "max_retries": 0})
    await run(node, {"payload": 1})
    assert "sk-secret-key" not in str(host.errors[0][0]) and "sk-secret-key" not in repr(host.errors[0][0].details)


async def test_queue_bound_refuses_the_excess(tmp_path: Path) -> None:
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200, json={})

    node, host = make("openai-list-models", handler, tmp_path, config={"max_concurrency": 1, "max_queue": 2})
    tasks = [asyncio.create_task(run(node, {"payload": i})) for i in range(5)]
    for _ in range(50):
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*tasks)
    assert len(host.sent) == 3  # one in flight + two queued
    assert [e.type for e, _ in host.errors] == ["queue_full", "queue_full"]


async def test_undecodable_body_and_unusable_base_url_are_reported(tmp_path: Path) -> None:
    seen, handler = scripted(httpx.Response(200, headers={"content-encoding": "gzip"},
                                            stream=httpx.ByteStream(b"not gzip")))
    node, host = make("openai-list-models", handler, tmp_path)
    await run(node, {"payload": 1})
    assert len(seen) == 1 and host.errors[0][0].type == "connection_error"
    assert "DecodingError" in str(host.errors[0][0])
    node2, host2 = make("openai-list-models", handler, tmp_path, config={"base_url": "not a url", "max_retries": 0})
    host2.settings.extra.pop("openai_transport")  # the real transport refuses the URL
    await run(node2, {"payload": 1})
    assert host2.errors[0][0].type == "connection_error"


@pytest.mark.parametrize("response, why", [
    (httpx.Response(200, headers={"content-type": "application/json", "x-request-id": "req_cut"},
                    content=b'{"object":"chat.completion","choices":[{"mess'), "not valid JSON"),
    (httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>Sign in to the wifi</html>"),
     "expected a JSON response, got text/html"),
    (httpx.Response(200, content=b"<html>no content type</html>"), "not valid JSON"),
])
async def test_a_2xx_body_that_is_not_json_is_an_error(tmp_path: Path, response: httpx.Response, why: str) -> None:
    """A cut or foreign body never reaches the flow as a payload: it is a catchable error with
    the start of the body, and it is not retried (the SDK's APIResponseValidationError)."""
    seen, handler = scripted(response)
    node, host = make("openai-create-chat-completion", handler, tmp_path, props={"model": "m"})
    await run(node, {"payload": "hi"})
    assert len(seen) == 1 and host.sent == []
    err, _ = host.errors[0]
    assert isinstance(err, APIResponseValidationError) and why in err.message
    assert err.details["type"] == "invalid_response" and err.details["status"] == 200
    assert err.details["body"] == response.text[:2000]


async def test_text_formats_stay_text(tmp_path: Path) -> None:
    _seen, handler = scripted(httpx.Response(200, headers={"content-type": "text/plain"}, content=b"hello there"))
    node, host = make("openai-create-transcription", handler, tmp_path,
                      props={"model": "whisper-1", "response_format": "text"})
    await run(node, {"payload": {"file": b"RIFF....WAVE"}, "filename": "a.wav"})
    assert host.errors == [] and host.sent[0]["payload"] == "hello there"
