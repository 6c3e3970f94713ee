/*
 * `globalThis.__RED_util` (RED.util inside a function node): Node-RED 5.0.7's message helpers,
 * reimplemented for the QuickJS sandbox. Behaviour and error texts follow
 * @node-red/util/lib/util.js; the clone follows lodash.clonedeep, which Node-RED uses.
 * Evaluated after the buffer files: takes Buffer from their hand-over global (so a function that
 * reassigns the global `Buffer` cannot change RED.util) and deletes that global.
 */
(function () {
  "use strict";

  const Buffer = globalThis.__nrBufferCodec.Buffer;
  delete globalThis.__nrBufferCodec;
  const hasOwn = Object.hasOwn;

  function invalid(message) {
    const err = new Error(`Invalid property expression: ${message}`);
    err.code = "INVALID_EXPR";
    return err;
  }

  function expressionError(message) {
    const err = new Error(message);
    err.code = "INVALID_EXPR";
    return err;
  }

  const DIGITS = /^\d+$/;
  const IDENT_START = /[a-z0-9$_]/i;

  /**
   * 'a["b"].c[0]' -> ["a", "b", "c", 0]. A nested `[msg.x]` becomes msg.x's value when `msg` is
   * given, else a nested parts array; `toString` returns the canonical 'a["b"]["c"][0]' form.
   */
  function normalisePropertyExpression(str, msg, toString) {
    const length = str.length;
    if (length === 0) throw invalid("zero-length");
    const parts = [];
    let start = 0, inString = false, inBox = false, quote;
    for (let i = 0; i < length; i++) {
      const c = str[i];
      if (inString) {
        if (c !== quote) continue;
        if (i === start) throw invalid(`zero-length string at position ${start}`);
        parts.push(str.substring(start, i));
        if (inBox && str[i + 1] !== "]") throw invalid(`unexpected array expression at position ${start}`);
        if (!inBox && i + 1 !== length && str[i + 1] !== "[" && str[i + 1] !== ".") {
          throw invalid(`unexpected ${str[i + 1]} expression at position ${i + 1}`);
        }
        start = i + 1;
        inString = false;
      } else if (c === "'" || c === '"') {
        if (i !== start) throw invalid(`unexpected ${c} at position ${i}`);
        inString = true;
        quote = c;
        start = i + 1;
      } else if (c === ".") {
        if (i === 0) throw invalid("unexpected . at position 0");
        if (start !== i) {
          const segment = str.substring(start, i);
          parts.push(DIGITS.test(segment) ? parseInt(segment, 10) : segment);
        }
        if (i === length - 1) throw invalid("unterminated expression");
        if (!IDENT_START.test(str[i + 1])) throw invalid(`unexpected ${str[i + 1]} at position ${i + 1}`);
        start = i + 1;
      } else if (c === "[") {
        if (i === 0) throw invalid(`unexpected ${c} at position ${i}`);
        if (start !== i) parts.push(str.substring(start, i));
        if (i === length - 1) throw invalid("unterminated expression");
        if (/^msg[.[]/.test(str.substring(i + 1))) {
          const end = closingBracket(str, i);
          if (end === -1) throw invalid(`unmatched '[' at position ${i}`);
          const inner = str.substring(i + 1, end);
          try {
            if (msg) {
              const value = getMessageProperty(msg, inner);
              if (value === undefined) throw expressionError(`Invalid expression: undefined reference at position ${i + 1} : ${inner}`);
              parts.push(value);
            } else {
              parts.push(normalisePropertyExpression(inner, msg));
            }
          } catch (err) {
            throw expressionError(`Invalid expression started at position ${i + 1}`);
          }
          inBox = false;
          i = end;
          start = end + 1;
          continue;
        }
        if (!/["'\d]/.test(str[i + 1])) throw invalid(`unexpected ${str[i + 1]} at position ${i + 1}`);
        start = i + 1;
        inBox = true;
      } else if (c === "]") {
        if (!inBox) throw invalid(`unexpected ${c} at position ${i}`);
        if (start !== i) {
          const segment = str.substring(start, i);
          if (!DIGITS.test(segment)) throw invalid(`unexpected array expression at position ${start}`);
          parts.push(parseInt(segment, 10));
        }
        start = i + 1;
        inBox = false;
      } else if (c === " ") {
        throw invalid(`unexpected ' ' at position ${i}`);
      }
    }
    if (inBox || inString) throw invalid("unterminated expression");
    if (start < length) parts.push(str.substring(start));
    if (!toString) return parts;
    let result = parts[0];
    for (let k = 1; k < parts.length; k++) {
      const p = parts[k];
      result += typeof p === "string" ? `[${p.includes('"') ? `'${p}'` : `"${p}"`}]` : `[${p}]`;
    }
    return result;
  }

  /** Index of the "]" closing the "[" at `open` (quotes toggle but do not hide brackets, as in Node-RED), or -1. */
  function closingBracket(str, open) {
    let depth = 1, quote = null;
    for (let j = open + 1; j < str.length; j++) {
      const c = str[j];
      if (c === '"' || c === "'") {
        if (quote === null) quote = c; else if (c === quote) quote = null;
      }
      if (c === "[") depth++;
      else if (c === "]" && --depth === 0) return j;
    }
    return -1;
  }

  function getObjectProperty(obj, expr) {
    let result = null;
    let current = obj;
    for (const key of normalisePropertyExpression(expr, obj)) {
      if (current === null || current === undefined) {
        // V8's wording: Node-RED lets the engine throw here (corpus case fn_red_util).
        throw new TypeError(`Cannot read properties of ${current} (reading '${String(key)}')`);
      }
      result = current[key];
      current = result;
    }
    return result;
  }

  function getMessageProperty(msg, expr) {
    return getObjectProperty(msg, expr.indexOf("msg.") === 0 ? expr.substring(4) : expr);
  }

  function setObjectProperty(obj, prop, value, createMissing) {
    if (createMissing === undefined) createMissing = value !== undefined;
    const parts = normalisePropertyExpression(prop, obj);
    const length = parts.length;
    let target = obj;
    for (let i = 0; i < length - 1; i++) {
      const key = parts[i];
      if (typeof key === "string" || (typeof key === "number" && !Array.isArray(target))) {
        if (hasOwn(target, key)) {
          const next = target[key];
          if ((typeof next !== "object" && typeof next !== "function") || next === null) return false;
          target = next;
        } else if (createMissing) {
          target = target[key] = typeof parts[i + 1] === "string" ? {} : [];
        } else return false;
      } else if (typeof key === "number") {
        if (target[key] !== undefined) target = target[key];
        else if (createMissing) target = target[key] = typeof parts[i + 1] === "string" ? {} : [];
        else return false;
      }
    }
    const key = parts[length - 1];
    if (value === undefined) {
      if (typeof key === "number" && Array.isArray(target)) target.splice(key, 1);
      else delete target[key];
    } else {
      if (typeof target !== "object" || target === null) return false;
      target[key] = value;
    }
    return true;
  }

  function setMessageProperty(msg, prop, value, createMissing) {
    return setObjectProperty(msg, prop.indexOf("msg.") === 0 ? prop.substring(4) : prop, value, createMissing);
  }

  /* ---- cloneMessage: lodash.clonedeep's rules ------------------------------------------------ */

  function cloneProps(value, result, seen) {
    // Plain assignment, as lodash does: an own "__proto__" key (from JSON.parse) sets the clone's
    // prototype instead of a key; a String object's read-only indices are left alone.
    const skip = value instanceof String ? value.length : 0;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (skip && /^\d+$/.test(key) && Number(key) < skip) continue;
      result[key] = clone(value[key], seen, false);
    }
    const symbols = Object.getOwnPropertySymbols(value);
    for (let i = 0; i < symbols.length; i++) {
      if (Object.prototype.propertyIsEnumerable.call(value, symbols[i])) result[symbols[i]] = clone(value[symbols[i]], seen, false);
    }
    return result;
  }

  function clone(value, seen, top) {
    if (typeof value !== "object" || value === null) return typeof value === "function" && top ? {} : value;
    // lodash clones a Buffer with buf.slice(): a view sharing the original's memory
    // (node-red issue #5953, open in 5.0.7); RED.util.cloneMessage inherits that.
    if (value instanceof Buffer) return value.slice();
    const known = seen.get(value);
    if (known !== undefined) return known;
    let result;
    if (Array.isArray(value)) {
      result = new Array(value.length);
      if (value.length && typeof value[0] === "string" && hasOwn(value, "index")) { result.index = value.index; result.input = value.input; }
      seen.set(value, result);
      for (let i = 0; i < value.length; i++) result[i] = clone(value[i], seen, false);
      return result;
    }
    if (Object.getPrototypeOf(value) === Object.prototype) result = {}; // the common case, decided early
    else {
      result = cloneShell(value);
      if (result === undefined) return top ? {} : value; // errors, promises, weak collections: kept as they are
    }
    seen.set(value, result);
    if (value instanceof Map) value.forEach((v, k) => result.set(k, clone(v, seen, false)));
    else if (value instanceof Set) value.forEach((v) => result.add(clone(v, seen, false)));
    return cloneProps(value, result, seen);
  }

  /** An empty copy of a non-plain object lodash can clone, or undefined when it keeps the original. */
  function cloneShell(value) {
    const tag = Object.prototype.toString.call(value);
    if (tag === "[object Object]" || tag === "[object Arguments]") {
      const ctor = value.constructor;
      const isPrototype = value === ((typeof ctor === "function" && ctor.prototype) || Object.prototype);
      return typeof ctor === "function" && !isPrototype ? Object.create(Object.getPrototypeOf(value)) : {};
    }
    if (value instanceof Date) return new Date(value.getTime());
    if (value instanceof RegExp) { const re = new RegExp(value.source, value.flags); re.lastIndex = value.lastIndex; return re; }
    if (value instanceof Map) return new Map();
    if (value instanceof Set) return new Set();
    if (value instanceof ArrayBuffer) return value.slice(0);
    if (value instanceof DataView) return new DataView(value.buffer.slice(0), value.byteOffset, value.byteLength);
    if (ArrayBuffer.isView(value)) return new value.constructor(value.buffer.slice(0), value.byteOffset, value.length);
    if (value instanceof Number || value instanceof String || value instanceof Boolean) return new value.constructor(value.valueOf());
    if (value instanceof Symbol) return Object(value.valueOf());
    return undefined;
  }

  /** A deep copy of `msg`; `req` and `res` (HTTP objects) are shared, not copied. */
  function cloneMessage(msg) {
    if (msg === undefined || msg === null) return msg;
    // Node-RED deletes and re-adds req/res around the clone, which moves them to the end of the
    // key order and drops falsy values; copied on purpose.
    const req = msg.req, res = msg.res;
    delete msg.req;
    delete msg.res;
    const copy = clone(msg, new Map(), true);
    if (req) { copy.req = req; msg.req = req; }
    if (res) { copy.res = res; msg.res = res; }
    return copy;
  }

  /* ---- comparisons and conversions ----------------------------------------------------------- */

  function compareObjects(a, b) {
    if (a === b) return true;
    if (a == null || b == null) return false;
    const arrayA = Array.isArray(a);
    if (arrayA !== Array.isArray(b)) return false;
    if (arrayA) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!compareObjects(a[i], b[i])) return false;
      return true;
    }
    const bufferA = Buffer.isBuffer(a);
    if (bufferA !== Buffer.isBuffer(b)) return false;
    if (bufferA) return a.equals(b);
    if (typeof a !== "object" || typeof b !== "object") return false;
    if (Object.keys(a).length !== Object.keys(b).length) return false;
    for (const key in a) {
      if (a.hasOwnProperty(key) && !compareObjects(a[key], b[key])) return false;
    }
    return true;
  }

  function ensureString(value) {
    if (Buffer.isBuffer(value)) return value.toString();
    if (typeof value === "object") return JSON.stringify(value);
    return typeof value === "string" ? value : `${value}`;
  }

  function ensureBuffer(value) {
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === "object") value = JSON.stringify(value);
    else if (typeof value !== "string") value = `${value}`;
    return Buffer.from(value);
  }

  function generateId() {
    let id = "";
    for (let i = 0; i < 8; i++) id += Math.round(0xff * Math.random()).toString(16).padStart(2, "0");
    return id;
  }

  function normaliseNodeTypeName(name) {
    const words = name.replace(/[^a-zA-Z0-9]/g, " ").trim().replace(/ +/g, " ").replace(/ ./g, (s) => s.charAt(1).toUpperCase());
    return words.charAt(0).toLowerCase() + words.slice(1);
  }

  function parseContextStore(key) {
    const match = /^#:\((\S+?)\)::(.*)$/.exec(key);
    return match ? { store: match[1], key: match[2] } : { key };
  }

  globalThis.__RED_util = {
    cloneMessage, compareObjects, ensureString, ensureBuffer, generateId,
    getMessageProperty, setMessageProperty, getObjectProperty, setObjectProperty,
    normalisePropertyExpression, normaliseNodeTypeName, parseContextStore,
  };
})();
