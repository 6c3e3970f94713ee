// Shared by test_js_libs.py (run in QuickJS) and regenerate.js (run in Node.js): turns the value of
// one case expression into comparable JSON text, telling Buffers, typed arrays, dates, errors,
// undefined, NaN, -0 and bigints apart, and catching what the expression throws.
function __ser(v) {
  const seen = new Set();
  function enc(x) {
    if (x === undefined) return { $: "undefined" };
    if (typeof x === "bigint") return { $: "bigint", v: String(x) };
    if (typeof x === "number" && (!Number.isFinite(x) || Object.is(x, -0))) return { $: "num", v: Object.is(x, -0) ? "-0" : String(x) };
    if (typeof x === "function") return { $: "function" };
    if (typeof x === "symbol") return { $: "symbol", v: String(x) };
    if (x === null || typeof x !== "object") return x;
    if (Buffer.isBuffer(x)) return { $: "Buffer", v: Array.from(x) };
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return { $: x.constructor.name, v: Array.from(x, String) };
    if (x instanceof Date) return { $: "Date", v: x.getTime() };
    if (x instanceof Error) return { $: "Error", name: x.name, message: x.message, code: x.code };
    if (seen.has(x)) return { $: "circular" };
    seen.add(x);
    let out;
    if (Array.isArray(x)) out = x.map(enc);
    else {
      out = {};
      for (const k of Object.keys(x)) out[k] = enc(x[k]);
      const p = Object.getPrototypeOf(x);
      if (p !== Object.prototype) out.$proto = p === null ? null : (p.constructor && p.constructor.name);
    }
    seen.delete(x);
    return out;
  }
  return JSON.stringify(enc(v));
}

function __case(src) {
  try {
    return __ser((0, eval)(src));
  } catch (e) {
    return JSON.stringify({ $throw: e && e.name, code: e && e.code, message: e && e.message, str: e && String(e) });
  }
}

// Buffer.toString() of `bytes`, and whether a fatal TextDecoder accepts them.
function __utf8(bytes) {
  let valid = true;
  try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes)); } catch (e) { valid = false; }
  return [Buffer.from(bytes).toString(), valid];
}
