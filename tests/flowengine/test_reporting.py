"""reporting.py: how errors read for flows (``String(err)``)."""

from __future__ import annotations

from flowengine.errors import NodeError
from flowengine.jsvalues import JsError
from flowengine.reporting import error_text


class _JsError(Exception):
    js_name = "Error"


def test_error_text_reads_like_javascript():
    assert error_text("plain text") == "plain text"
    assert error_text(NodeError("as is")) == "as is"
    assert error_text(ValueError("boom")) == "ValueError: boom"
    assert error_text(_JsError("ENOENT: no such file")) == "Error: ENOENT: no such file"
    assert error_text(_JsError()) == "Error"


def test_a_javascript_error_with_its_own_to_string_reads_as_that():
    coded = JsError("TypeError", "bad", props={"code": "ERR_X"}, text="TypeError [ERR_X]: bad")
    assert error_text(coded) == "TypeError [ERR_X]: bad"
    assert error_text(JsError("TypeError", "bad")) == "TypeError: bad"
