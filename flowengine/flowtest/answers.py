"""OpenAI nodes pointed at recorded or made-up answers: an ``httpx.MockTransport`` built from a test
file's ``openai`` list, placed where the OpenAI config node looks for a transport
(``settings.extra["openai_transport"]``). Nothing leaves the process.
"""

from __future__ import annotations

import json

import httpx

from .spec import MISSING, MockAnswer

__all__ = ["TRANSPORT_KEY", "answer_transport"]

TRANSPORT_KEY = "openai_transport"


def _response(answer: MockAnswer) -> httpx.Response:
    headers = dict(answer.headers)
    if answer.sse is not None:
        lines = [f"data: {json.dumps(e) if not isinstance(e, str) else e}\n\n" for e in answer.sse]
        headers.setdefault("content-type", "text/event-stream")
        return httpx.Response(answer.status, headers=headers, content="".join(lines).encode())
    if answer.text is not None:
        headers.setdefault("content-type", "text/plain")
        return httpx.Response(answer.status, headers=headers, content=answer.text.encode())
    body = answer.json if answer.json is not MISSING else {}
    return httpx.Response(answer.status, headers=headers, json=body)


def answer_transport(answers: tuple[MockAnswer, ...], requests: list[httpx.Request] | None = None
                     ) -> httpx.MockTransport:
    """A transport answering each request with the first answer whose ``path`` ends the request's
    path (and whose ``method`` matches, when given) and that has not served its ``times`` yet; 404
    with an OpenAI-style error otherwise. Requests are appended to ``requests`` when given."""
    served = [0] * len(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        for i, answer in enumerate(answers):
            if answer.times is not None and served[i] >= answer.times:
                continue
            if request.url.path.endswith(answer.path) and answer.method in (None, request.method):
                served[i] += 1
                return _response(answer)
        text = f"the test file has no answer for {request.method} {request.url.path}"
        return httpx.Response(404, json={"error": {"message": text, "type": "invalid_request_error",
                                                   "code": "no_mocked_answer", "param": None}})

    return httpx.MockTransport(handle)
