/*
 * Node's error objects for the Buffer files: a `code` property ("ERR_OUT_OF_RANGE", ...), String(err)
 * as "RangeError [ERR_OUT_OF_RANGE]: ...", and the same message texts, "Received ..." included.
 * Evaluated after buffer_codec.js; adds `errors` to its hand-over global.
 */
(function () {
  "use strict";

  const MAX_LENGTH = Number.MAX_SAFE_INTEGER; // Node 22's buffer.constants.MAX_LENGTH on 64-bit

  function nodeError(Base, code, message) {
    const err = new Base(message);
    err.code = code;
    Object.defineProperty(err, "toString", {
      value() { return `${this.name} [${code}]: ${this.message}`; }, enumerable: false, writable: true, configurable: true,
    });
    return err;
  }

  /** util.inspect of a primitive (or of a Buffer / empty typed array, all fill() can reject). */
  function show(value) {
    switch (typeof value) {
      case "string": {
        const q = !value.includes("'") ? "'" : !value.includes('"') ? '"' : !value.includes("`") && !value.includes("${") ? "`" : "'";
        const escaped = value.replace(/[\x00-\x1f\x5c\x7f-\x9f'"`]/g, (c) => {
          if (c === "'" || c === '"' || c === "`") return c === q ? `\\${c}` : c;
          return ESCAPES[c] || `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
        });
        return q + escaped + q;
      }
      case "bigint": return `${value}n`;
      case "number": return Object.is(value, -0) ? "-0" : String(value);
      case "object":
        if (typeof value.inspect === "function" && value instanceof Uint8Array) return value.inspect();
        if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length}) []`;
        return String(value);
      default: return String(value);
    }
  }
  const ESCAPES = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\\": "\\\\" };

  function received(value) {
    if (value === null || value === undefined) return `Received ${value}`;
    if (typeof value === "function" && value.name) return `Received function ${value.name}`;
    if (typeof value === "object") {
      if (value.constructor && value.constructor.name) return `Received an instance of ${value.constructor.name}`;
      return "Received [Object: null prototype] {}";
    }
    let shown = show(value);
    if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
    return `Received type ${typeof value} (${shown})`;
  }

  /** ERR_INVALID_ARG_TYPE; `what` is e.g. 'of type number' or 'an instance of Array'. */
  function argType(name, what, value) {
    const subject = name.endsWith(" argument") ? name : `"${name}" argument`;
    return nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The ${subject} must be ${what}. ${received(value)}`);
  }

  function withSeparators(digits) {
    let out = "";
    let i = digits.length;
    const start = digits[0] === "-" ? 1 : 0;
    for (; i >= start + 4; i -= 3) out = `_${digits.slice(i - 3, i)}${out}`;
    return `${digits.slice(0, i)}${out}`;
  }

  function outOfRange(name, range, value) {
    let shown;
    if (Number.isInteger(value) && Math.abs(value) > 2 ** 32) shown = withSeparators(String(value));
    else if (typeof value === "bigint") {
      shown = String(value);
      if (value > 2n ** 32n || value < -(2n ** 32n)) shown = withSeparators(shown);
      shown += "n";
    } else shown = show(value);
    return nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`);
  }

  function outOfBounds(name) {
    return nodeError(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS",
      name ? `"${name}" is outside of buffer bounds` : "Attempt to access memory outside buffer bounds");
  }

  function unknownEncoding(enc) {
    return nodeError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${enc}`);
  }

  function validateNumber(value, name) {
    if (typeof value !== "number") throw argType(name, "of type number", value);
  }

  function validateOffset(value, name, min = 0, max = MAX_LENGTH) {
    validateNumber(value, name);
    if (!Number.isInteger(value)) throw outOfRange(name, "an integer", value);
    if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  }

  globalThis.__nrBufferCodec.errors = {
    MAX_LENGTH, nodeError, show, argType, outOfRange, outOfBounds, unknownEncoding, validateNumber, validateOffset,
  };
})();
