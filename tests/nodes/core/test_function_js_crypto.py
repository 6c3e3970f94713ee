"""Node's ``crypto`` module in JavaScript function nodes, bound through ``libs``.

Expected digests and error texts are Node.js 20's outputs for the same calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.core._js_crypto import HASHES, crypto_op, js_libs, libs_problems

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

CRYPTO = [{"var": "crypto", "module": "crypto"}]
FOX = "The quick brown fox jumps over the lazy dog"


def crypto_flow(func: str, libs: list[dict[str, Any]] | None = None, **props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t"},
        {
            "id": "f",
            "type": "function",
            "z": "t",
            "func": textwrap.dedent(func),
            "outputs": 1,
            "libs": CRYPTO if libs is None else libs,
            "wires": [["out"]],
            **props,
        },
        {"id": "out", "type": "test-sink", "z": "t"},
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]


async def run(func: str, libs: list[dict[str, Any]] | None = None, payload: Any = None) -> dict[str, Any]:
    """The message ``func`` returns; an exception it throws fails the test with its text."""
    guarded = f"try {{\n{textwrap.dedent(func)}\n}} catch (e) {{ return {{ threw: String(e) }}; }}"
    async with FlowHarness(crypto_flow(guarded, libs)) as h:
        h.send_to("f", {"payload": payload})
        [out] = await h.wait_for("out")
    assert "threw" not in out, out["threw"]
    return out


async def caught_errors(calls: list[str]) -> list[str]:
    """The catch node's msg.error.message for each call, made by its own message."""
    code = "const calls = [" + ",".join(f"() => {{ {c}; }}" for c in calls) + "]; calls[msg.payload](); return msg;"
    async with FlowHarness(crypto_flow(code)) as h:
        for i in range(len(calls)):
            h.send_to("f", {"payload": i})
        caught = await h.wait_for("err", len(calls))
    assert not h.received("out")
    return [m["error"]["message"] for m in sorted(caught, key=lambda m: m["payload"])]


# --- createHash ---------------------------------------------------------------------------------
async def test_create_hash_gives_nodes_digests_of_known_inputs() -> None:
    out = await run(
        """
        msg.payload = ["md5", "sha1", "sha256", "sha384", "sha512"].map(
            (alg) => crypto.createHash(alg).update(msg.text).digest("hex"));
        msg.upper = crypto.createHash("SHA256").update("").digest("hex");
        return msg;
    """.replace("msg.text", repr(FOX))
    )
    assert out["payload"] == [
        "9e107d9d372bb6826bd81d3542a419d6",
        "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
        "ca737f1014a48f4c0b6dd43cb177b0afd9e5169367544c494011e3317dbf9a509cb1e5dc1e85a941bbee3d7f2afbc9b1",
        "07e547d9586f6a73f73fbac0435ed76951218fb7d0c8d788a309d785436bbb642e93a252a954f23912547d1e8a3b5ed6e1bfd70978"
        "21233fa0538f3db854fee6",
    ]
    assert out["upper"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


async def test_update_takes_strings_in_their_encoding_and_buffers_and_chains() -> None:
    out = await run("""
        msg.utf8 = crypto.createHash("sha256").update("héllo").digest("base64");
        msg.latin1 = crypto.createHash("sha256").update("héllo", "latin1").digest("base64url");
        msg.hexIn = crypto.createHash("md5").update("616263", "hex").digest("hex");
        msg.unknownEnc = crypto.createHash("md5").update("abc", "nonsense").digest("hex");
        msg.chained = crypto.createHash("md5").update("a").update(Buffer.from("b")).update(new Uint8Array([99]))
            .digest("hex");
        msg.wide = crypto.createHash("sha1").update(new Uint16Array([0x6261, 0x63])).digest("hex");
        msg.raw = crypto.createHash("md5").update(Buffer.from([0, 255, 128])).digest("latin1");
        msg.buf = crypto.createHash("md5").update("abc").digest();
        msg.isBuffer = Buffer.isBuffer(crypto.createHash("md5").digest());
        const h = crypto.createHash("md5").update("a");
        msg.copied = [h.copy().update("b").digest("hex"), h.digest("hex")];
        return msg;
    """)
    assert out["utf8"] == "PEhZHY0JikU49eAT389AbpSOrE0yd7EL9hTildYGgXk="
    assert out["latin1"] == "xjwZ7R4O4HnyLdsNQRLPx5kTLIhoTrQjJMYrmJmwxsE"
    assert out["hexIn"] == out["unknownEnc"] == out["chained"] == "900150983cd24fb0d6963f7d28e17f72"
    assert out["wide"] == "686483805ac47ca14e03514f7481a7973b401762"
    assert out["raw"] == hashlib.md5(b"\x00\xff\x80").digest().decode("latin-1")
    assert out["buf"] == bytes.fromhex("900150983cd24fb0d6963f7d28e17f72") and out["isBuffer"] is True
    assert out["copied"] == ["187ef4436122d1cc2f40dc2b92f0eba0", "0cc175b9c0f1b6a831c399e269772661"]


async def test_a_buffer_updated_later_is_hashed_as_it_was() -> None:
    out = await run("""
        const b = Buffer.from("abc"); const h = crypto.createHash("md5").update(b); b[0] = 0;
        msg.payload = h.digest("hex"); return msg;
    """)
    assert out["payload"] == "900150983cd24fb0d6963f7d28e17f72"


async def test_a_megabyte_crosses_in_one_call() -> None:
    out = await run(
        "msg.payload = crypto.createHash('sha256').update(Buffer.alloc(1 << 20, 97)).digest('hex');return msg;"
    )
    assert out["payload"] == hashlib.sha256(b"a" * (1 << 20)).hexdigest()


# --- createHmac ---------------------------------------------------------------------------------
async def test_create_hmac_with_string_and_buffer_keys() -> None:
    out = await run(f"""
        msg.payload = [
            crypto.createHmac("sha256", "key").update({FOX!r}).digest("hex"),
            crypto.createHmac("md5", "").update("").digest("hex"),
            crypto.createHmac("sha512", Buffer.alloc(200, 1)).update("x").digest("base64"),
            crypto.createHmac("sha256", Buffer.from([1, 2, 3])).update("hi").update(Buffer.from("there"))
                .digest("base64"),
            crypto.createHmac("sha256", "k").digest("hex"),
        ];
        const h = crypto.createHmac("sha256", "k"); h.digest();
        msg.again = h.digest("hex");
        msg.copy = typeof h.copy;
        return msg;
    """)
    assert out["payload"] == [
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
        "74e6f7298a9c2d168935f58c001bad88",
        "VOkQoGx4TFms9Upagky7ekwNjW3PUSx1PE5PgxeS4PUaXB1gbLd+jV6NwQH36GZvzLminm37frjd+yU5wWpdJQ==",
        "ggjSsWTUC8zEVkr0L7QXu8mxcLTnv+gUsMKlz3Y0+qY=",
        "8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620",
    ]
    assert out["again"] == "" and out["copy"] == "undefined"  # Node's Hmac: an empty second digest, no copy()


# --- random, timingSafeEqual, getHashes ---------------------------------------------------------
async def test_random_values() -> None:
    out = await run("""
        const a = crypto.randomBytes(16), b = crypto.randomBytes(16);
        msg.bytes = [Buffer.isBuffer(a), a.length, a.equals(b), crypto.randomBytes(0).length];
        msg.uuids = [crypto.randomUUID(), crypto.randomUUID()];
        msg.ints = Array.from({ length: 200 }, () => crypto.randomInt(-3, 3));
        msg.below = Array.from({ length: 50 }, () => crypto.randomInt(2));
        msg.big = crypto.randomInt(2 ** 47, 2 ** 47 + 2);
        const filled = crypto.getRandomValues(new Uint32Array(4));
        const hmacKey = crypto.createHmac("md5", new Uint8Array([1]).buffer).digest("hex");
        msg.filled = [filled instanceof Uint32Array, filled.some((v) => v !== 0), hmacKey];
        return msg;
    """)
    assert out["bytes"] == [True, 16, False, 0]
    uuid4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert all(uuid4.match(u) for u in out["uuids"]) and out["uuids"][0] != out["uuids"][1]
    assert set(out["ints"]) == {-3, -2, -1, 0, 1, 2}
    assert set(out["below"]) <= {0, 1} and 2**47 <= out["big"] < 2**47 + 2
    assert out["filled"] == [True, True, hmac.new(b"\x01", b"", "md5").hexdigest()]


async def test_callback_forms_answer_asynchronously() -> None:
    out = await run("""
        const order = [];
        crypto.randomBytes(4, (err, buf) => order.push(["bytes", err, buf.length]));
        crypto.randomInt(1, 2, (err, n) => order.push(["int", err, n]));
        order.push(["sync"]);
        await null; await null;
        msg.payload = order; return msg;
    """)
    assert out["payload"] == [["sync"], ["bytes", None, 4], ["int", None, 1]]


async def test_timing_safe_equal_and_get_hashes() -> None:
    out = await run("""
        msg.eq = [crypto.timingSafeEqual(Buffer.from("abc"), Buffer.from("abc")),
                  crypto.timingSafeEqual(Buffer.from("abc"), Buffer.from("abd")),
                  crypto.timingSafeEqual(new Uint16Array([1]), Buffer.from([1, 0]))];
        msg.hashes = crypto.getHashes();
        return msg;
    """)
    assert out["eq"] == [True, False, True]
    assert {"md5", "sha1", "sha256", "sha384", "sha512"} <= set(out["hashes"])
    assert out["hashes"] == sorted(out["hashes"]) == list(HASHES)


async def test_pbkdf2() -> None:
    out = await run("""
        msg.sync = [crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha256").toString("hex"),
                    crypto.pbkdf2Sync(Buffer.from("pw"), new Uint8Array([1, 2]), 10, 0, "sha1").length];
        msg.payload = await new Promise((resolve, reject) => crypto.pbkdf2("pw", "salt", 1, 8, "sha512",
            (err, key) => err ? reject(err) : resolve(key.toString("hex"))));
        return msg;
    """)
    assert out["sync"] == ["0a38253555ce37f5c72a6b703f996814ebf241f203af146e93dcdeb031c5567e", 0]
    assert out["payload"] == "9bbcdf4f0b03e358"


# --- errors, as Node's, caught by a catch node ------------------------------------------------------
async def test_errors_are_nodes_and_reach_the_catch_node() -> None:
    data_type = (
        'TypeError [ERR_INVALID_ARG_TYPE]: The "data" argument must be of type string or an instance '
        "of Buffer, TypedArray, or DataView."
    )
    assert await caught_errors(
        [
            "crypto.createHash('foo')",
            "crypto.createHash(5)",
            "const h = crypto.createHash('md5'); h.digest(); h.digest()",
            "const h = crypto.createHash('md5'); h.digest(); h.update('a')",
            "crypto.createHash('md5').update(5)",
            "crypto.createHash('md5').update(null)",
            "crypto.createHmac('foo', 'k')",
            "crypto.createHmac('sha256')",
            "crypto.randomBytes(-1)",
            "crypto.randomBytes('a')",
            "crypto.randomInt(5, 1)",
            "crypto.randomInt(1.5)",
            "crypto.randomInt(0, 2 ** 48 + 1)",
            "crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab'))",
            "crypto.timingSafeEqual('a', Buffer.from('a'))",
            "crypto.pbkdf2Sync('pw', 'salt', 1000, 32)",
            "crypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'foo')",
            "crypto.pbkdf2Sync(5, 'salt', 1000, 32, 'sha256')",
            "crypto.pbkdf2Sync('pw', 'salt', 1.5, 32, 'sha256')",
            "crypto.pbkdf2('pw', 'salt', 1, 8, 'sha1')",
        ]
    ) == [
        "Error: Digest method not supported",
        'TypeError [ERR_INVALID_ARG_TYPE]: The "algorithm" argument must be of type string. Received type number (5)',
        "Error [ERR_CRYPTO_HASH_FINALIZED]: Digest already called",
        "Error [ERR_CRYPTO_HASH_FINALIZED]: Digest already called",
        f"{data_type} Received type number (5)",
        f"{data_type} Received null",
        "TypeError: Invalid digest: foo",
        'TypeError [ERR_INVALID_ARG_TYPE]: The "key" argument must be of type string or an instance of ArrayBuffer, '
        "Buffer, TypedArray, DataView, KeyObject, or CryptoKey. Received undefined",
        'RangeError [ERR_OUT_OF_RANGE]: The value of "size" is out of range. It must be >= 0 && <= 2147483647. '
        "Received -1",
        "TypeError [ERR_INVALID_ARG_TYPE]: The \"size\" argument must be of type number. Received type string ('a')",
        'RangeError [ERR_OUT_OF_RANGE]: The value of "max" is out of range. It must be greater than the value of '
        '"min" (5). Received 1',
        'TypeError [ERR_INVALID_ARG_TYPE]: The "max" argument must be a safe integer. Received type number (1.5)',
        'RangeError [ERR_OUT_OF_RANGE]: The value of "max - min" is out of range. It must be <= 281474976710655. '
        "Received 281_474_976_710_657",
        "RangeError: Input buffers must have the same byte length",
        'TypeError: The "buf1" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.',
        'TypeError [ERR_INVALID_ARG_TYPE]: The "digest" argument must be of type string. Received undefined',
        "TypeError: Invalid digest: foo",
        'TypeError [ERR_INVALID_ARG_TYPE]: The "password" argument must be of type string or an instance of '
        "ArrayBuffer, Buffer, TypedArray, or DataView. Received type number (5)",
        'RangeError [ERR_OUT_OF_RANGE]: The value of "iterations" is out of range. It must be an integer. Received 1.5',
        'TypeError [ERR_INVALID_ARG_TYPE]: The "callback" argument must be of type function. Received undefined',
    ]


async def test_errors_carry_nodes_codes() -> None:
    out = await run("""
        const codes = [];
        for (const f of [() => crypto.timingSafeEqual(Buffer.from("a"), Buffer.alloc(2)),
                         () => crypto.createHmac("foo", "k"), () => crypto.randomBytes(-1)]) {
            try { f(); } catch (e) { codes.push([e.name, e.code]); }
        }
        msg.payload = codes; return msg;
    """)
    assert out["payload"] == [
        ["RangeError", "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH"],
        ["TypeError", "ERR_CRYPTO_INVALID_DIGEST"],
        ["RangeError", "ERR_OUT_OF_RANGE"],
    ]


# --- binding -----------------------------------------------------------------------------------------
async def test_the_module_is_bound_to_its_var_in_every_code_block() -> None:
    libs = [{"var": "c", "module": "node:crypto"}]
    flow = crypto_flow(
        "msg.payload = [typeof crypto, context.get('init'), c.createHash('md5').digest('hex')];return msg;",
        libs,
        initialize="context.set('init', c.randomUUID().length);",
    )
    async with FlowHarness(flow) as h:
        h.send_to("f", {"payload": 1})
        [out] = await h.wait_for("out")
    assert out["payload"] == ["undefined", 36, "d41d8cd98f00b204e9800998ecf8427e"]


async def test_without_libs_there_is_no_crypto() -> None:
    out = await run("msg.payload = [typeof crypto, typeof __fe_crypto]; return msg;", libs=[])
    assert out["payload"] == ["undefined", "undefined"]


async def test_code_may_replace_the_bound_name() -> None:
    out = await run("crypto = 5; msg.payload = crypto; return msg;")
    assert out["payload"] == 5


# --- validation ------------------------------------------------------------------------------------
def test_crypto_in_libs_validates_and_other_modules_are_named_alone() -> None:
    registry = Registry.default()
    assert registry.validate({"id": "f", "type": "function", "func": "return msg", "libs": CRYPTO}) == []
    mixed = registry.validate(
        {
            "id": "f",
            "type": "function",
            "func": "return msg",
            "libs": [{"var": "mysql", "module": "mysql2/promise"}, *CRYPTO],
        }
    )
    assert [(p.property, p.level) for p in mixed] == [("libs", "error")]
    assert "not available in flowengine (no npm inside): mysql2/promise;" in mixed[0].message
    bad_var = registry.validate(
        {"id": "f", "type": "function", "func": "return msg", "libs": [{"var": "my-crypto", "module": "crypto"}]}
    )
    assert [(p.property, p.level) for p in bad_var] == [("libs", "error")] and "my-crypto" in bad_var[0].message


def test_libs_helpers() -> None:
    [taken] = libs_problems([{"var": "node", "module": "crypto"}])
    assert "Invalid module variable name: node" in taken
    assert libs_problems(None) == [] and libs_problems(CRYPTO) == []
    assert libs_problems("crypto") == ["must be a list of {var, module} entries"]
    assert js_libs([*CRYPTO, {"var": "os", "module": "os"}, "x", {"var": "1x", "module": "crypto"}]) == CRYPTO


# --- host side ---------------------------------------------------------------------------------------
def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_host_operations() -> None:
    assert base64.b64decode(crypto_op("hash", "SHA256", b64(b"abc"))).hex().startswith("ba7816bf")
    assert base64.b64decode(crypto_op("hash", "shake128", "")).hex() == "7f9c2ba4e88f827d616045507605853e"
    assert base64.b64decode(crypto_op("hmac", "md5", "", "")).hex() == "74e6f7298a9c2d168935f58c001bad88"
    assert len(base64.b64decode(crypto_op("random", 5))) == 5
    assert crypto_op("int", 7, 8) == 7 and crypto_op("int", 2.0**50, 2.0**50 + 1) == 2**50
    assert crypto_op("equal", b64(b"a"), b64(b"a")) is True and crypto_op("equal", b64(b"a"), b64(b"b")) is False
    with pytest.raises(ValueError, match="unsupported digest"):
        crypto_op("hash", "nope", "")
    with pytest.raises(ValueError, match="unknown crypto operation"):
        crypto_op("sign")


async def test_buffer_errors_reach_the_catch_node_as_node_prints_them() -> None:
    async with FlowHarness(crypto_flow("Buffer.alloc(-1); return msg;", libs=[])) as h:
        h.send_to("f", {"payload": 1})
        [caught] = await h.wait_for("err")
    assert caught["error"]["message"] == (
        'RangeError [ERR_OUT_OF_RANGE]: The value of "size" is out of range. '
        "It must be >= 0 && <= 9007199254740991. Received -1"
    )
    assert caught["error"]["code"] == "ERR_OUT_OF_RANGE"


async def test_global_get_gives_the_module_of_a_function_global_context_entry(tmp_path: Path) -> None:
    code = """
    const c = global.get("cryptoModule");
    msg.payload = [c.createHash("sha1").update("abc").digest("hex"), c === global.get("cryptoModule"),
                   global.get("plain"), typeof global.get("other")];
    return msg;
    """
    flow = crypto_flow(code, libs=[])
    modules = {"cryptoModule": {"module": "crypto"}, "plain": {"module": "os"}}
    settings = Settings.load(user_dir=tmp_path, functionGlobalContext=modules)
    async with FlowHarness(flow, settings=settings) as h:
        h.send_to("f", {"payload": 1})
        h.send_to("f", {"payload": 2})
        [first, second] = await h.wait_for("out", 2)
        stored = h.runtime.context.global_scope().get("cryptoModule")
    assert stored == {"module": "crypto"}  # the module object is not written back into context
    expected = ["a9993e364706816aba3e25717850c26c9cd0d89d", True, {"module": "os"}, "undefined"]
    assert first["payload"] == second["payload"] == expected


async def test_the_module_set_into_context_is_the_module_when_got_back() -> None:
    flow = [
        *crypto_flow("flow.set('kept', crypto); return msg;"),
        {
            "id": "g",
            "type": "function",
            "z": "t",
            "func": "msg.payload = flow.get('kept').randomUUID().length; return msg;",
            "wires": [["out"]],
        },
    ]
    async with FlowHarness(flow) as h:
        h.send_to("f", {"payload": 1})
        await h.wait_for("out")
        h.send_to("g", {"payload": 2})
        [_, out] = await h.wait_for("out", 2)
    assert out["payload"] == 36
