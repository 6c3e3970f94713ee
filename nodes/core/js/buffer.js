/*
 * `globalThis.Buffer` for the function-node sandbox: Node's Buffer as a Uint8Array subclass.
 *
 * Needs buffer_codec.js and buffer_errors.js evaluated first (they hand their helpers over in the
 * temporary global `__nrBufferCodec`; this file adds Buffer to it for buffer_numbers.js and
 * red_util.js, and red_util.js deletes it). As in Node, `Buffer` itself is a plain
 * function (callable with or without `new`, deprecated) whose prototype is that of an internal
 * `class FastBuffer extends Uint8Array`, so views made by subarray/map/filter are Buffers too.
 */
(function () {
  "use strict";

  const internals = globalThis.__nrBufferCodec;
  const codec = internals.codec;
  const { MAX_LENGTH, nodeError, show, argType, outOfRange, outOfBounds, unknownEncoding, validateNumber, validateOffset } = internals.errors;
  const { compareBytes, search } = codec;

  /** A known encoding named by `enc` (any case), or throw ERR_UNKNOWN_ENCODING. */
  function encodingOf(enc) {
    const name = codec.normalizeEncoding(`${enc}`);
    if (name === undefined) throw unknownEncoding(enc);
    return name;
  }

  /* ---- the class ----------------------------------------------------------------------------- */

  function wrap(bytes) {
    return new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  function isUint8(value) {
    return value instanceof Uint8Array;
  }

  function fromString(str, enc) {
    if (typeof enc !== "string" || enc.length === 0) return wrap(codec.encode(str, "utf8"));
    return wrap(codec.encode(str, encodingOf(enc)));
  }

  function fromArrayBuffer(ab, byteOffset, length) {
    byteOffset = byteOffset === undefined ? 0 : +byteOffset || 0;
    const maxLength = ab.byteLength - byteOffset;
    if (maxLength < 0) throw outOfBounds("offset");
    if (length === undefined) length = maxLength;
    else {
      length = +length;
      if (length > 0) { if (length > maxLength) throw outOfBounds("length"); } else length = 0;
    }
    return new FastBuffer(ab, byteOffset, length);
  }

  function isArrayBuffer(value) {
    return value instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer);
  }

  function fromObject(obj) {
    if (obj.length !== undefined || isArrayBuffer(obj.buffer)) {
      if (typeof obj.length !== "number") return new FastBuffer(0);
      return obj.length <= 0 ? new FastBuffer(0) : new FastBuffer(obj);
    }
    if (obj.type === "Buffer" && Array.isArray(obj.data)) return new FastBuffer(obj.data);
    return undefined;
  }

  function indexOf(buf, value, byteOffset, encoding, forward) {
    if (typeof byteOffset === "string") { encoding = byteOffset; byteOffset = undefined; }
    else if (byteOffset > 0x7fffffff) byteOffset = 0x7fffffff;
    else if (byteOffset < -0x80000000) byteOffset = -0x80000000;
    byteOffset = Math.trunc(+byteOffset);
    if (Number.isNaN(byteOffset)) byteOffset = forward ? 0 : buf.length;
    if (typeof value === "number") return search(buf, [(value >>> 0) & 255], byteOffset, forward, 1);
    const enc = encoding === undefined ? "utf8" : codec.normalizeEncoding(`${encoding}`);
    if (typeof value === "string") {
      if (enc === undefined) throw unknownEncoding(encoding);
      const needle = codec.encode(value, enc);
      if (enc === "utf16le" && needle.length > 0 && buf.length < 2) return -1;
      return search(buf, needle, byteOffset, forward, enc === "utf16le" ? 2 : 1);
    }
    if (isUint8(value)) {
      if (enc === "utf16le" && value.length > 0 && (buf.length < 2 || value.length < 2)) return -1;
      return search(buf, value, byteOffset, forward, enc === "utf16le" ? 2 : 1);
    }
    throw argType("value", "one of type number or string or an instance of Buffer or Uint8Array", value);
  }

  function clampToInteger(value, fallback) {
    value = +value;
    if (!Number.isNaN(value) && value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) return Math.floor(value);
    return fallback;
  }

  function copyBytes(source, target, targetStart, sourceStart, sourceEnd) {
    if (sourceEnd - sourceStart > target.length - targetStart) sourceEnd = sourceStart + target.length - targetStart;
    let count = sourceEnd - sourceStart;
    if (count > source.length - sourceStart) count = source.length - sourceStart;
    if (count <= 0) return 0;
    target.set(new Uint8Array(source.buffer, source.byteOffset + sourceStart, count), targetStart);
    return count;
  }

  /** The bytes `value` fills with (Node's bindingFill), or undefined for an empty pattern. */
  function fillPattern(value, enc) {
    if (typeof value === "string") return codec.encode(value, enc);
    if (isUint8(value)) return value;
    return [Number(value) & 255];
  }

  /** Node's _fill: a number, a string (in an encoding), bytes, or anything else as `& 255`. */
  function fill(buf, value, offset, end, encoding) {
    let enc = "utf8";
    if (typeof value === "string") {
      if (offset === undefined || typeof offset === "string") { encoding = offset; offset = 0; end = buf.length; }
      else if (typeof end === "string") { encoding = end; end = buf.length; }
      if (encoding !== undefined && encoding !== null) {
        if (typeof encoding !== "string") throw argType("encoding", "of type string", encoding);
        enc = encodingOf(encoding);
      }
      if (value.length === 0) value = 0;
      else if (value.length === 1 && ((enc === "utf8" && value.charCodeAt(0) < 128) || enc === "latin1")) value = value.charCodeAt(0) & 255;
    }
    if (offset === undefined) { offset = 0; end = buf.length; }
    else {
      validateOffset(offset, "offset");
      if (end === undefined) end = buf.length; else validateOffset(end, "end", 0, buf.length);
      if (offset >= end) return buf;
    }
    if (typeof value === "number") return Uint8Array.prototype.fill.call(buf, value, offset, end);
    const pattern = fillPattern(value, enc);
    if (pattern.length === 0) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'value' is invalid. Received ${show(value)}`);
    }
    for (let at = offset; at < end; at += pattern.length) {
      buf.set(pattern.length <= end - at ? pattern : pattern.slice(0, end - at), at);
    }
    return buf;
  }

  class FastBuffer extends Uint8Array {
    toString(encoding, start, end) {
      if (arguments.length === 0) return codec.decode(this, "utf8");
      const len = this.length;
      if (start <= 0) start = 0;
      else if (start >= len) return "";
      else start = Math.trunc(start) || 0;
      if (end === undefined || end > len) end = len;
      else end = Math.trunc(end) || 0;
      if (end <= start) return "";
      const enc = encoding === undefined ? "utf8" : encodingOf(encoding);
      const bytes = start === 0 && end === len ? this : new Uint8Array(this.buffer, this.byteOffset + start, end - start);
      return codec.decode(bytes, enc);
    }

    toLocaleString(encoding, start, end) {
      return arguments.length === 0 ? this.toString() : this.toString(encoding, start, end);
    }

    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }

    equals(other) {
      if (!isUint8(other)) throw argType("otherBuffer", "an instance of Buffer or Uint8Array", other);
      return this === other || (this.length === other.length && compareBytes(this, other) === 0);
    }

    compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
      if (!isUint8(target)) throw argType("target", "an instance of Buffer or Uint8Array", target);
      if (arguments.length === 1) return compareBytes(this, target);
      if (targetStart === undefined) targetStart = 0; else validateOffset(targetStart, "targetStart");
      if (targetEnd === undefined) targetEnd = target.length; else validateOffset(targetEnd, "targetEnd", 0, target.length);
      if (sourceStart === undefined) sourceStart = 0; else validateOffset(sourceStart, "sourceStart");
      if (sourceEnd === undefined) sourceEnd = this.length; else validateOffset(sourceEnd, "sourceEnd", 0, this.length);
      if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
      if (targetStart >= targetEnd) return 1;
      return compareBytes(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd));
    }

    indexOf(value, byteOffset, encoding) { return indexOf(this, value, byteOffset, encoding, true); }
    lastIndexOf(value, byteOffset, encoding) { return indexOf(this, value, byteOffset, encoding, false); }
    includes(value, byteOffset, encoding) { return this.indexOf(value, byteOffset, encoding) !== -1; }

    copy(target, targetStart, sourceStart, sourceEnd) {
      if (!isUint8(target)) throw argType("target", "an instance of Buffer or Uint8Array", target);
      if (targetStart === undefined) targetStart = 0;
      else {
        targetStart = clampToInteger(targetStart, 0);
        if (targetStart < 0) throw outOfRange("targetStart", ">= 0", targetStart);
      }
      if (sourceStart === undefined) sourceStart = 0;
      else {
        sourceStart = clampToInteger(sourceStart, 0);
        if (sourceStart < 0 || sourceStart > this.length) throw outOfRange("sourceStart", `>= 0 && <= ${this.length}`, sourceStart);
      }
      if (sourceEnd === undefined) sourceEnd = this.length;
      else {
        sourceEnd = clampToInteger(sourceEnd, 0);
        if (sourceEnd < 0) throw outOfRange("sourceEnd", ">= 0", sourceEnd);
      }
      if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
      return copyBytes(this, target, targetStart, sourceStart, sourceEnd);
    }

    fill(value, offset, end, encoding) {
      return fill(this, value, offset, end, encoding);
    }

    write(string, offset, length, encoding) {
      if (offset === undefined) { offset = 0; length = this.length; encoding = "utf8"; }
      else if (length === undefined && typeof offset === "string") { encoding = offset; offset = 0; length = this.length; }
      else {
        validateOffset(offset, "offset", 0, this.length);
        const rest = this.length - offset;
        if (length === undefined) length = rest;
        else if (typeof length === "string") { encoding = length; length = rest; }
        else { validateOffset(length, "length", 0, this.length); if (length > rest) length = rest; }
      }
      const enc = !encoding ? "utf8" : encodingOf(encoding);
      if (typeof string !== "string") throw Object.assign(new TypeError("argument must be a string"), { code: "ERR_INVALID_ARG_TYPE" });
      let bytes = codec.encode(string, enc);
      if (bytes.length > length) {
        let cut = length;
        if (enc === "utf8") while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // never split a character
        else if (enc === "utf16le") cut &= ~1;
        bytes = bytes.subarray(0, cut);
      }
      this.set(bytes, offset);
      return bytes.length;
    }

    slice(start, end) {
      return this.subarray(start, end);
    }

    subarray(start, end) {
      const len = this.length;
      start = start === undefined ? 0 : relative(start, len);
      end = end === undefined ? len : relative(end, len);
      return new FastBuffer(this.buffer, this.byteOffset + start, end > start ? end - start : 0);
    }

    swap16() { return swap(this, 2, "16"); }
    swap32() { return swap(this, 4, "32"); }
    swap64() { return swap(this, 8, "64"); }

    get parent() { return this.buffer; }
    get offset() { return this.byteOffset; }

    inspect() {
      const name = this.constructor && this.constructor.name ? this.constructor.name : "Buffer";
      const max = 50;
      let str = this.subarray(0, max).toHex().replace(/(.{2})/g, "$1 ").trim();
      if (this.length > max) str += ` ... ${this.length - max} more byte${this.length - max > 1 ? "s" : ""}`;
      return `<${name} ${str}>`;
    }
  }

  function relative(offset, len) {
    offset = Math.trunc(offset);
    if (offset === 0 || Number.isNaN(offset)) return 0;
    if (offset < 0) return Math.max(offset + len, 0);
    return Math.min(offset, len);
  }

  function swap(buf, size, bits) {
    if (buf.length % size !== 0) {
      throw nodeError(RangeError, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${bits}-bits`);
    }
    for (let i = 0; i < buf.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) { const t = buf[a]; buf[a] = buf[b]; buf[b] = t; }
    }
    return buf;
  }

  const proto = FastBuffer.prototype;
  Object.defineProperty(proto, Symbol.for("nodejs.util.inspect.custom"), { value: proto.inspect, writable: true, configurable: true });
  for (const enc of ["utf8", "hex", "base64", "base64url", "latin1", "ascii", "ucs2"]) {
    const name = enc === "ucs2" ? "utf16le" : enc;
    Object.defineProperty(proto, `${enc}Slice`, {
      value(start = 0, end = this.length) { return codec.decode(this.subarray(start, end), name); }, writable: true, configurable: true,
    });
    Object.defineProperty(proto, `${enc}Write`, {
      value(string, offset = 0, length = this.length - offset) { return this.write(string, offset, length, name); }, writable: true, configurable: true,
    });
  }

  /* ---- the constructor function and its statics ---------------------------------------------- */

  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === "number") {
      if (typeof encodingOrOffset === "string") throw argType("string", "of type string", arg);
      return Buffer.alloc(arg);
    }
    return Buffer.from(arg, encodingOrOffset, length);
  }
  Buffer.prototype = proto;
  Object.defineProperty(proto, "constructor", { value: Buffer, writable: true, configurable: true });
  Object.setPrototypeOf(Buffer, Uint8Array);

  const statics = {
    from(value, encodingOrOffset, length) {
      if (typeof value === "string") return fromString(value, encodingOrOffset);
      if (typeof value === "object" && value !== null) {
        if (isArrayBuffer(value)) return fromArrayBuffer(value, encodingOrOffset, length);
        const primitive = typeof value.valueOf === "function" ? value.valueOf() : undefined;
        if (primitive != null && primitive !== value && (typeof primitive === "string" || typeof primitive === "object")) {
          return Buffer.from(primitive, encodingOrOffset, length);
        }
        const made = fromObject(value);
        if (made) return made;
        if (typeof value[Symbol.toPrimitive] === "function") {
          const str = value[Symbol.toPrimitive]("string");
          if (typeof str === "string") return fromString(str, encodingOrOffset);
        }
      }
      throw argType("first argument", "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);
    },
    alloc(size, value, encoding) {
      validateNumber(size, "size");
      if (!(size >= 0 && size <= MAX_LENGTH)) throw outOfRange("size", `>= 0 && <= ${MAX_LENGTH}`, size);
      const buf = new FastBuffer(size);
      return value !== undefined && value !== 0 && buf.length > 0 ? fill(buf, value, 0, buf.length, encoding) : buf;
    },
    allocUnsafe(size) { return Buffer.alloc(size); },
    allocUnsafeSlow(size) { return Buffer.alloc(size); },
    byteLength(string, encoding) {
      if (typeof string !== "string") {
        if (ArrayBuffer.isView(string) || isArrayBuffer(string)) return string.byteLength;
        throw argType("string", "of type string or an instance of Buffer or ArrayBuffer", string);
      }
      const enc = typeof encoding === "string" && encoding.length > 0 ? codec.normalizeEncoding(encoding) || "utf8" : "utf8";
      return codec.byteLength(string, enc);
    },
    concat(list, length) {
      if (!Array.isArray(list)) throw argType("list", "an instance of Array", list);
      if (list.length === 0) return new FastBuffer(0);
      if (length === undefined) {
        length = 0;
        for (const item of list) if (item.length) length += item.length;
      } else validateOffset(length, "length");
      const out = new FastBuffer(length);
      let pos = 0;
      for (let i = 0; i < list.length; i++) {
        if (!isUint8(list[i])) throw argType(`list[${i}]`, "an instance of Buffer or Uint8Array", list[i]);
        pos += copyBytes(list[i], out, pos, 0, list[i].length);
      }
      return out;
    },
    copyBytesFrom(view, offset = 0, length) {
      if (!ArrayBuffer.isView(view) || view instanceof DataView) throw argType("view", "an instance of TypedArray", view);
      const size = view.BYTES_PER_ELEMENT;
      const end = length === undefined ? view.length : Math.min(view.length, offset + length);
      if (offset >= view.length || end <= offset) return new FastBuffer(0);
      return wrap(new Uint8Array(view.buffer, view.byteOffset + offset * size, (end - offset) * size).slice());
    },
    isBuffer(value) { return value instanceof Buffer; },
    isEncoding(encoding) {
      return typeof encoding === "string" && encoding.length !== 0 && codec.normalizeEncoding(encoding) !== undefined;
    },
    compare(buf1, buf2) {
      if (!isUint8(buf1)) throw argType("buf1", "an instance of Buffer or Uint8Array", buf1);
      if (!isUint8(buf2)) throw argType("buf2", "an instance of Buffer or Uint8Array", buf2);
      return buf1 === buf2 ? 0 : compareBytes(buf1, buf2);
    },
  };
  for (const name of Object.keys(statics)) {
    Object.defineProperty(Buffer, name, { value: statics[name], writable: true, configurable: true });
  }
  Buffer.poolSize = 8192;

  internals.Buffer = Buffer;
  globalThis.Buffer = Buffer;
})();
