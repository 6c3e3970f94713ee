/*
 * Byte-level helpers of Buffer for the function-node sandbox (QuickJS), with Node.js's semantics:
 * string codecs, comparison and search.
 *
 * The first of the Buffer files: it starts their temporary hand-over global `__nrBufferCodec`
 * (red_util.js deletes it) and installs TextEncoder/TextDecoder when the engine has none.
 *
 * The fast paths chain QuickJS's native helpers (encodeURIComponent, btoa, atob,
 * Uint8Array.fromBase64/toBase64/toHex, ...), which beat a per-byte JavaScript loop by five to ten
 * times even for ten-byte strings; the loops below only run for input the native helpers reject.
 */
(function () {
  "use strict";

  const fromCharCode = String.fromCharCode;
  const u8IndexOf = Uint8Array.prototype.indexOf;
  const u8LastIndexOf = Uint8Array.prototype.lastIndexOf;
  const CHUNK = 8192;

  /** The canonical name of an encoding ("utf8", "hex", ...), or undefined when unknown. */
  function normalizeEncoding(enc) {
    if (enc === "utf8" || enc === "utf-8") return "utf8";
    switch (String(enc).toLowerCase()) {
      case "utf8": case "utf-8": return "utf8";
      case "hex": return "hex";
      case "base64": return "base64";
      case "base64url": return "base64url";
      case "latin1": case "binary": return "latin1";
      case "ascii": return "ascii";
      case "ucs2": case "ucs-2": case "utf16le": case "utf-16le": return "utf16le";
      default: return undefined;
    }
  }

  function codes(list) {
    let out = "";
    for (let i = 0; i < list.length; i += CHUNK) out += fromCharCode.apply(null, list.slice(i, i + CHUNK));
    return out;
  }

  /** One byte per char, as a string (the input of escape/atob-style helpers). */
  function latin1String(bytes) {
    return bytes.length === 0 ? "" : atob(bytes.toBase64());
  }

  /* ---- UTF-8 -------------------------------------------------------------------------------- */

  function utf8Encode(str) {
    // toWellFormed turns lone surrogates into U+FFFD, so the chain never throws (Node: EF BF BD).
    return Uint8Array.fromBase64(btoa(unescape(encodeURIComponent(str.toWellFormed()))));
  }

  function utf8Length(str) {
    return unescape(encodeURIComponent(str.toWellFormed())).length;
  }

  /** WHATWG decoding: each maximal invalid subpart becomes one U+FFFD (what V8 gives Node). */
  function utf8DecodeSlow(bytes) {
    const out = [];
    const end = bytes.length;
    let i = 0;
    while (i < end) {
      const c = bytes[i++];
      if (c < 0x80) { out.push(c); continue; }
      let need, cp, lower = 0x80, upper = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
      else if (c >= 0xe0 && c <= 0xef) {
        need = 2; cp = c & 0x0f;
        if (c === 0xe0) lower = 0xa0; else if (c === 0xed) upper = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3; cp = c & 0x07;
        if (c === 0xf0) lower = 0x90; else if (c === 0xf4) upper = 0x8f;
      } else { out.push(0xfffd); continue; }
      for (; need > 0; need--, i++) {
        const d = i < end ? bytes[i] : -1;
        if (d < lower || d > upper) break;
        lower = 0x80; upper = 0xbf;
        cp = (cp << 6) | (d & 0x3f);
      }
      if (need > 0) out.push(0xfffd);
      else if (cp > 0xffff) { cp -= 0x10000; out.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff)); }
      else out.push(cp);
    }
    return codes(out);
  }

  function utf8Decode(bytes) {
    const raw = latin1String(bytes);
    try {
      return decodeURIComponent(escape(raw));
    } catch (err) {
      if (!(err instanceof URIError)) throw err;
      return utf8DecodeSlow(bytes);
    }
  }

  /* ---- base64 / hex ------------------------------------------------------------------------- */

  const B64 = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) {
    B64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
  }
  B64[45] = 62; B64[95] = 63; // "-" and "_": Node accepts either alphabet for both encodings

  /** Node's lenient decoder: skips characters outside both alphabets, stops at the first "=". */
  function base64DecodeSlow(str) {
    const out = new Uint8Array((str.length * 3) >>> 2);
    let n = 0, acc = 0, have = 0;
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      if (ch === 61) break;
      const v = ch < 128 ? B64[ch] : -1;
      if (v < 0) continue;
      acc = (acc << 6) | v;
      if (++have === 4) {
        out[n++] = acc >> 16; out[n++] = (acc >> 8) & 255; out[n++] = acc & 255;
        acc = 0; have = 0;
      }
    }
    if (have === 2) out[n++] = acc >> 4;
    else if (have === 3) { out[n++] = acc >> 10; out[n++] = (acc >> 2) & 255; }
    return out.subarray(0, n);
  }

  function base64Decode(str, url) {
    try {
      return Uint8Array.fromBase64(str, { alphabet: url ? "base64url" : "base64", lastChunkHandling: "loose" });
    } catch {
      return base64DecodeSlow(str); // the strict native decoder rejects input Node's lenient one accepts
    }
  }

  function hexDecode(str) {
    const even = str.length & 1 ? str.slice(0, -1) : str;
    try {
      return Uint8Array.fromHex(even);
    } catch {
      // Node decodes pairs up to the first one that is not hex.
      const out = new Uint8Array(even.length >>> 1);
      let n = 0;
      for (; n < out.length; n++) {
        const pair = even.slice(2 * n, 2 * n + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(pair)) break;
        out[n] = parseInt(pair, 16);
      }
      return out.subarray(0, n);
    }
  }

  /* ---- one byte per char, UTF-16 ------------------------------------------------------------ */

  function latin1Encode(str) {
    try {
      return Uint8Array.fromBase64(btoa(str));
    } catch {
      const out = new Uint8Array(str.length); // chars above U+00FF: Node keeps the low byte
      for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i);
      return out;
    }
  }

  function asciiDecode(bytes) {
    return latin1String(bytes).replace(/[\x80-\xff]+/g,
      (run) => { let s = ""; for (let i = 0; i < run.length; i++) s += fromCharCode(run.charCodeAt(i) & 0x7f); return s; });
  }

  function utf16Encode(str) {
    const out = new Uint8Array(str.length * 2);
    for (let i = 0, j = 0; i < str.length; i++, j += 2) {
      const c = str.charCodeAt(i);
      out[j] = c & 255; out[j + 1] = c >>> 8;
    }
    return out;
  }

  function utf16Decode(bytes) {
    const units = new Array(bytes.length >>> 1);
    for (let i = 0; i < units.length; i++) units[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    return codes(units);
  }

  /* ---- dispatch ----------------------------------------------------------------------------- */

  /** String -> a fresh Uint8Array of its bytes in `enc` (a normalized name). */
  function encode(str, enc) {
    switch (enc) {
      case "utf8": return utf8Encode(str);
      case "hex": return hexDecode(str);
      case "base64": return base64Decode(str, false);
      case "base64url": return base64Decode(str, true);
      case "latin1": case "ascii": return latin1Encode(str);
      case "utf16le": return utf16Encode(str);
      default: throw new TypeError("Unknown encoding: " + enc);
    }
  }

  /** Bytes (a Uint8Array view) -> string in `enc` (a normalized name). */
  function decode(bytes, enc) {
    switch (enc) {
      case "utf8": return utf8Decode(bytes);
      case "hex": return bytes.toHex();
      case "base64": return bytes.toBase64();
      case "base64url": return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
      case "latin1": return latin1String(bytes);
      case "ascii": return asciiDecode(bytes);
      case "utf16le": return utf16Decode(bytes);
      default: throw new TypeError("Unknown encoding: " + enc);
    }
  }

  /** Bytes `str` takes in `enc`, computed the way Node's Buffer.byteLength does. */
  function byteLength(str, enc) {
    switch (enc) {
      case "utf8": return utf8Length(str);
      case "hex": return str.length >>> 1;
      case "latin1": case "ascii": return str.length;
      case "utf16le": return str.length * 2;
      default: { // base64, base64url
        let n = str.length;
        if (n > 0 && str.charCodeAt(n - 1) === 61) n--;
        if (n > 1 && str.charCodeAt(n - 1) === 61) n--;
        return (n * 3) >>> 2;
      }
    }
  }

  /* ---- comparison and search -------------------------------------------------------------- */

  function compareBytes(a, b) {
    if (a.length < 64 || b.length < 64) {
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
    }
    // Lowercase hex keeps byte order, and native toHex beats a JavaScript loop on long input.
    const x = a.toHex(), y = b.toHex();
    return x === y ? 0 : x < y ? -1 : 1;
  }

  /** Node's IndexOfOffset: where a search for `needleLength` bytes starts, or -1. */
  function searchStart(length, offset, needleLength, forward) {
    if (offset < 0) {
      if (offset + length >= 0) return length + offset;
      return forward || needleLength === 0 ? 0 : -1;
    }
    if (offset + needleLength <= length) return offset;
    if (needleLength === 0) return length;
    return forward ? -1 : length - 1;
  }

  function matchesAt(hay, needle, at) {
    for (let k = 1; k < needle.length; k++) if (hay[at + k] !== needle[k]) return false;
    return true;
  }

  /** Where `needle` occurs in `hay` (step 2: only at even offsets, as UTF-16 units), or -1. */
  function search(hay, needle, offset, forward, step) {
    let start = searchStart(hay.length, offset, needle.length, forward);
    if (needle.length === 0) return start;
    if (hay.length === 0 || start <= -1) return -1;
    if (step === 2) start &= ~1;
    const last = hay.length - needle.length;
    if ((forward && start > last) || needle.length > hay.length) return -1;
    const first = needle[0];
    if (forward) {
      for (let i = u8IndexOf.call(hay, first, start); i !== -1 && i <= last; i = u8IndexOf.call(hay, first, i + 1)) {
        if ((step === 1 || (i & 1) === 0) && matchesAt(hay, needle, i)) return i;
      }
    } else {
      for (let i = u8LastIndexOf.call(hay, first, Math.min(start, last)); i !== -1;
        i = i === 0 ? -1 : u8LastIndexOf.call(hay, first, i - 1)) {
        if ((step === 1 || (i & 1) === 0) && matchesAt(hay, needle, i)) return i;
      }
    }
    return -1;
  }

  /* ---- TextEncoder / TextDecoder (UTF-8 only, as WHATWG specifies for the encoder) ---------- */

  function viewBytes(input) {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && input instanceof SharedArrayBuffer)) {
      return new Uint8Array(input);
    }
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
  }

  /** Bytes at the end of `bytes` that start a UTF-8 sequence still waiting for continuation bytes. */
  function incompleteTail(bytes) {
    const n = bytes.length;
    for (let back = 1; back <= 3 && back <= n; back++) {
      const c = bytes[n - back];
      if (c >= 0x80 && c < 0xc0) continue;
      const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") { return utf8Encode(String(input)); }
    encodeInto(src, dest) {
      const str = String(src);
      let read = 0, written = 0;
      for (const ch of str) {
        const bytes = utf8Encode(ch);
        if (written + bytes.length > dest.length) break;
        dest.set(bytes, written);
        written += bytes.length;
        read += ch.length;
      }
      return { read, written };
    }
  }

  class TextDecoder {
    #fatal; #ignoreBOM; #pending = null; #bomSeen = false;
    constructor(label = "utf-8", options = {}) {
      const name = String(label).trim().toLowerCase();
      if (name !== "utf-8" && name !== "utf8" && name !== "unicode-1-1-utf-8") {
        const err = new RangeError(`The "${label}" encoding is not supported`);
        err.code = "ERR_ENCODING_NOT_SUPPORTED";
        throw err;
      }
      this.#fatal = Boolean(options && options.fatal);
      this.#ignoreBOM = Boolean(options && options.ignoreBOM);
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input, options = {}) {
      let bytes = viewBytes(input);
      if (this.#pending) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending); joined.set(bytes, this.#pending.length);
        bytes = joined; this.#pending = null;
      }
      if (options && options.stream) {
        const keep = incompleteTail(bytes);
        if (keep) { this.#pending = bytes.slice(bytes.length - keep); bytes = bytes.subarray(0, bytes.length - keep); }
      }
      let text;
      if (this.#fatal) {
        try {
          text = decodeURIComponent(escape(latin1String(bytes))); // throws exactly on invalid UTF-8
        } catch (err) {
          const invalid = new TypeError("The encoded data was not valid for encoding utf-8");
          invalid.code = "ERR_ENCODING_INVALID_ENCODED_DATA";
          throw invalid;
        }
      } else text = utf8Decode(bytes);
      if (!this.#ignoreBOM && !this.#bomSeen && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      // Only the start of a stream may carry a BOM; a call without {stream: true} ends the stream.
      this.#bomSeen = Boolean(options && options.stream) && (this.#bomSeen || bytes.length > 0);
      return text;
    }
  }

  if (typeof globalThis.TextEncoder !== "function") globalThis.TextEncoder = TextEncoder;
  if (typeof globalThis.TextDecoder !== "function") globalThis.TextDecoder = TextDecoder;

  globalThis.__nrBufferCodec = { codec: Object.freeze({ normalizeEncoding, encode, decode, byteLength, compareBytes, search }) };
})();
