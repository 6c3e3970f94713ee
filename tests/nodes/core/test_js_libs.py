"""The function node's JavaScript libraries (nodes/core/js) evaluated in QuickJS.

Most cases live in js_libs_cases/*.json as [JavaScript expression, expected serialised value]
pairs. The expected values come from Node.js 22 with @node-red/util 5.0.7, the setup the
Node-RED corpus was captured with (js_libs_cases/regenerate.js rewrites them); the tests only need
QuickJS. js_libs_cases/serialise.js turns a value (or what an expression throws) into comparable
JSON in both engines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import quickjs
from flowengine.nodes.core.js import LIBRARY_FILES, library_source

CASES_DIR = Path(__file__).with_name("js_libs_cases")
SERIALISE = (CASES_DIR / "serialise.js").read_text(encoding="utf-8")
ADDED_GLOBALS = {"util", "Buffer", "__RED_util", "__fe_crypto", "TextEncoder", "TextDecoder"}


def new_context(lazy: bool = True) -> quickjs.Context:
    ctx = quickjs.Context()
    ctx.eval(library_source(lazy))
    ctx.eval(SERIALISE + "\n0")
    return ctx


def evaluate(ctx: quickjs.Context, source: str) -> str:
    ctx.set("__src", source)
    result = ctx.eval("__case(__src)")
    assert isinstance(result, str)
    return result


def load_cases() -> Iterator[Any]:
    for path in sorted(CASES_DIR.glob("*.json")):
        for index, (source, expected) in enumerate(json.loads(path.read_text(encoding="utf-8"))["cases"]):
            yield pytest.param(source, expected, id=f"{path.stem}-{index}")


@pytest.fixture(scope="module")
def ctx() -> quickjs.Context:
    return new_context()


@pytest.mark.parametrize(("source", "expected"), list(load_cases()))
def test_matches_node(ctx: quickjs.Context, source: str, expected: str) -> None:
    assert evaluate(ctx, source) == expected


@pytest.mark.parametrize("lazy", [True, False])
def test_adds_exactly_the_documented_globals(lazy: bool) -> None:
    bare = set(quickjs.Context().eval("JSON.stringify(Object.getOwnPropertyNames(globalThis))")[2:-2].split('","'))
    ctx = quickjs.Context()
    ctx.eval(library_source(lazy))
    ctx.eval("util.format; Buffer.from; __RED_util.cloneMessage; 0")
    names = set(json.loads(ctx.eval("JSON.stringify(Object.getOwnPropertyNames(globalThis))")))
    assert names - bare == ADDED_GLOBALS
    assert ctx.eval("typeof __nrBufferCodec") == "undefined"  # the hand-over global is gone


@pytest.mark.parametrize("lazy", [True, False])
def test_strict_user_code_runs_after_the_libraries(lazy: bool) -> None:
    ctx = new_context(lazy)
    code = (
        '"use strict"; (() => { const b = Buffer.from("é"); '
        'return util.format("%s:%d", b.toString("hex"), b.length); })()'
    )
    assert ctx.eval(code) == "c3a9:2"


def test_lazy_globals_load_per_group_on_first_read() -> None:
    ctx = quickjs.Context()
    ctx.eval(library_source())
    kind = "(n) => typeof Object.getOwnPropertyDescriptor(globalThis, n).get === 'function' ? 'lazy' : 'loaded'"
    state = f"JSON.stringify(['util', 'Buffer', '__RED_util', 'TextEncoder'].map({kind}))"
    assert json.loads(ctx.eval(state)) == ["lazy"] * 4
    assert ctx.eval("typeof util.inspect") == "function"
    assert json.loads(ctx.eval(state)) == ["loaded", "lazy", "lazy", "lazy"]
    assert ctx.eval("new TextEncoder().encode('é').length") == 2
    assert json.loads(ctx.eval(state)) == ["loaded"] * 4


def test_assigning_a_lazy_global_first_keeps_the_value_and_the_libraries_whole() -> None:
    ctx = new_context()
    ctx.eval("Buffer = 'mine'; 0")
    assert ctx.eval("Buffer") == "mine"
    # RED.util still has the real Buffer: it was loaded before the assignment took effect.
    assert ctx.eval("JSON.stringify(__RED_util.ensureBuffer('ab'))") == '{"type":"Buffer","data":[97,98]}'
    assert ctx.eval("util.format('%s', 1)") == "1"


def test_eager_and_lazy_sources_behave_the_same() -> None:
    lazy, eager = new_context(True), new_context(False)
    cases = [param.values for param in load_cases()][::7]
    assert [evaluate(eager, source) for source, _ in cases] == [evaluate(lazy, source) for source, _ in cases]


def test_library_source_is_built_once_and_files_are_package_data() -> None:
    assert library_source() is library_source()
    folder = resources.files("flowengine.nodes.core.js")
    for name in LIBRARY_FILES:
        assert (folder / name).is_file()
        assert len((folder / name).read_text(encoding="utf-8").splitlines()) <= 400


def test_clone_message_shares_buffer_memory_like_node_red() -> None:
    # lodash.clonedeep copies a Buffer with slice(): a view on the same bytes (node-red#5953).
    ctx = new_context()
    code = """(() => { const m = {payload: Buffer.from([1, 2]), o: {a: 1}}; const c = __RED_util.cloneMessage(m);
        c.payload[0] = 9; c.o.a = 2; return JSON.stringify([m.payload[0], Buffer.isBuffer(c.payload), m.o.a]); })()"""
    assert json.loads(ctx.eval(code)) == [9, True, 1]


# The JavaScript of three function nodes from the Node-RED corpus (corpus-next/fn_*.flow.json), run on
# the same input; expected: the captured debug output (Buffers in the sidebar's encoding).
DEBUG_ENCODE = """function __debug(v) {
  if (Buffer.isBuffer(v)) return {type: "Buffer", data: Array.from(v), __enc__: true, length: v.length};
  if (typeof v === "number" && !Number.isFinite(v)) return {__enc__: true, type: "number", data: String(v)};
  if (Array.isArray(v)) return v.map(__debug);
  if (v && typeof v === "object") { const o = {}; for (const k of Object.keys(v)) o[k] = __debug(v[k]); return o; }
  return v;
}
var RED = {util: __RED_util};
0"""

FN_BUFFER = """const b = Buffer.from("héllo wörld", "utf8");
msg.info = {
    len: b.length, strLen: "héllo wörld".length,
    hex: b.toString("hex", 0, 4), b64: Buffer.from("hi!").toString("base64"),
    fromB64: Buffer.from("aGkh", "base64").toString(),
    latin1: Buffer.from([0xe9]).toString("latin1"), badUtf8: Buffer.from([0xff, 0x41]).toString(),
    json: JSON.stringify(Buffer.from([1, 2, 3])),
    inIsBuffer: Buffer.isBuffer(msg.bin), inLen: msg.bin.length, inFirst: msg.bin[0],
    u16: Buffer.from([1, 2]).readUInt16BE(0), eq: Buffer.from("ab").equals(Buffer.from([97, 98]))
};
msg.payload = b.slice(0, 6);
msg.concat = Buffer.concat([Buffer.from([1, 2]), Buffer.from([3])]);
msg.alloc = Buffer.alloc(3, 0xff);
msg.bin[0] = 200;
return msg;"""

FN_RED_UTIL = """const copy = RED.util.cloneMessage(msg);
copy.payload.deep.v = "changed in copy";
msg.original = msg.payload.deep.v;
msg.copyPayload = copy.payload;
msg.got = RED.util.getMessageProperty(msg, "payload.list[1].name");
msg.gotTop = RED.util.getMessageProperty(msg, "msg.payload.deep.v");
try { msg.gotMissing = RED.util.getMessageProperty(msg, "payload.nope.deeper"); }
catch (e) { msg.gotMissingError = e.name; }
RED.util.setMessageProperty(msg, "made.by.path[0].x", "x");
RED.util.setMessageProperty(msg, "notmade.here", 1, false);
msg.norm = RED.util.normalisePropertyExpression('a["b"].c[0]');
msg.cmp = [RED.util.compareObjects({a: 1, b: [1]}, {b: [1], a: 1}), RED.util.compareObjects({a: 1}, {a: "1"})];
msg.ensure = [RED.util.ensureString({k: 1}), RED.util.ensureString(7), RED.util.ensureBuffer("ab")];
return msg;"""


FN_MATH_STRING = """msg.payload = {
    round: [Math.round(2.5), Math.round(-2.5), Math.round(0.49999999999999994)],
    floatSum: 0.1 + 0.2, fixed: [(1.005).toFixed(2), (2.5).toFixed(0), (1e21).toFixed(2)],
    prec: (123.456).toPrecision(4), expo: (123456).toExponential(2),
    parse: [parseInt("08"), parseInt("0x1F"), parseInt("12px"), parseFloat("3.14abc"), Number(""), Number(" 12 "),
            Number("12px"), Number("0x10"), +true, Number(null)],
    mod: [-7 % 3, 7 % -3, 5.5 % 2], div: [7 / 2, Math.trunc(-7 / 2), Math.floor(-7 / 2)],
    bits: [1 << 31, -1 >>> 0, 5 & 3, 5 | 3, 5 ^ 3, ~5, 2 ** 32 | 0],
    radix: [(255).toString(16), (10).toString(2), (0.5).toString(2)],
    big: Number.MAX_SAFE_INTEGER + 2, tiny: 5e-324 / 2, minmax: [Math.max(1, "3", 2), Math.min()],
    hypot: Math.hypot(3, 4), sign: Math.sign(-3),
    sortDefault: [10, 9, 1, 100].sort(), sortNum: [10, 9, 1, 100].sort((a, b) => a - b)
};
msg.str = {
    pad: "7".padStart(3, "0"), repeat: "ab".repeat(3), upper: "straße".toUpperCase(),
    emojiLen: "😀".length, codePoints: [..."😀a"].length, slice: "abcdef".slice(-3, -1),
    substring: "abcdef".substring(4, 1),
    split: "a,b,,c".split(","), splitLimit: "a,b,c".split(",", 2), replaceFirst: "aaa".replace("a", "b"),
    replaceAll: "aaa".replaceAll("a", "b"), trim: "  x  ".trim(), includes: "hello".includes("ell"),
    indexOf: "hello".indexOf("z"), charCode: "A".charCodeAt(0), fromCode: String.fromCharCode(72, 105),
    template: `${1 + 1}-${"x"}-${null}-${undefined}`, plus: "5" + 3, minus: "5" - 3, concatArr: [1, [2, 3]] + "",
    uri: encodeURIComponent("a b&c/é"), cmp: ["a" < "B", "10" < "9", 10 < 9], objStr: String({})
};
return msg;"""

NAN = {"__enc__": True, "type": "number", "data": "NaN"}
INF = {"__enc__": True, "type": "number", "data": "Infinity"}


def buffer_json(data: list[int]) -> dict[str, Any]:
    return {"type": "Buffer", "data": data, "__enc__": True, "length": len(data)}


CORPUS_FUNCTIONS = [
    pytest.param(FN_BUFFER, '{payload: "text", bin: Buffer.from([104, 105])}', {
        "payload": buffer_json([104, 195, 169, 108, 108, 111]), "bin": buffer_json([200, 105]),
        "info": {"len": 13, "strLen": 11, "hex": "68c3a96c", "b64": "aGkh", "fromB64": "hi!", "latin1": "é",
                 "badUtf8": "\ufffdA", "json": '{"type":"Buffer","data":[1,2,3]}', "inIsBuffer": True, "inLen": 2,
                 "inFirst": 104, "u16": 258, "eq": True},
        "concat": buffer_json([1, 2, 3]), "alloc": buffer_json([255, 255, 255]),
    }, id="fn_buffer"),
    pytest.param(FN_RED_UTIL, '{payload: {deep: {v: "orig"}, list: [{name: "zero"}, {name: "one"}]}}', {
        "payload": {"deep": {"v": "orig"}, "list": [{"name": "zero"}, {"name": "one"}]}, "original": "orig",
        "copyPayload": {"deep": {"v": "changed in copy"}, "list": [{"name": "zero"}, {"name": "one"}]},
        "got": "one", "gotTop": "orig", "gotMissingError": "TypeError", "made": {"by": {"path": [{"x": "x"}]}},
        "norm": ["a", "b", "c", 0], "cmp": [True, False], "ensure": ['{"k":1}', "7", buffer_json([97, 98])],
    }, id="fn_red_util"),
    pytest.param(FN_MATH_STRING, '{payload: "go"}', {
        "payload": {
            "round": [3, -2, 0], "floatSum": 0.30000000000000004, "fixed": ["1.00", "3", "1e+21"], "prec": "123.5",
            "expo": "1.23e+5", "parse": [8, 31, 12, 3.14, 0, 12, NAN, 16, 1, 0], "mod": [-1, 1, 1.5],
            "div": [3.5, -3, -4], "bits": [-2147483648, 4294967295, 1, 7, 6, -6, 0], "radix": ["ff", "1010", "0.1"],
            "big": 9007199254740992, "tiny": 0, "minmax": [3, INF], "hypot": 5, "sign": -1,
            "sortDefault": [1, 10, 100, 9], "sortNum": [1, 9, 10, 100],
        },
        "str": {
            "pad": "007", "repeat": "ababab", "upper": "STRASSE", "emojiLen": 2, "codePoints": 2, "slice": "de",
            "substring": "bcd", "split": ["a", "b", "", "c"], "splitLimit": ["a", "b"], "replaceFirst": "baa",
            "replaceAll": "bbb", "trim": "x", "includes": True, "indexOf": -1, "charCode": 65, "fromCode": "Hi",
            "template": "2-x-null-undefined", "plus": "53", "minus": 2, "concatArr": "1,2,3",
            "uri": "a%20b%26c%2F%C3%A9", "cmp": [False, True, False], "objStr": "[object Object]",
        },
    }, id="fn_math_string"),
]


@pytest.mark.parametrize(("code", "msg", "expected"), CORPUS_FUNCTIONS)
def test_corpus_function_code(code: str, msg: str, expected: dict[str, Any]) -> None:
    ctx = new_context()
    ctx.eval(DEBUG_ENCODE)
    ctx.set("__code", code)
    result = ctx.eval(f"JSON.stringify(__debug(new Function('msg', __code)({msg})))")
    assert json.loads(result) == expected
