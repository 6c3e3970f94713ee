/*
 * util.inspect for the function-node sandbox (QuickJS): starts `globalThis.util` with `inspect`;
 * util.js, evaluated next, adds the rest.
 *
 * It follows Node's layout rules: `compact: 3` (an object whose innermost nesting is less than
 * three levels deep goes on one line when it fits in `breakLength`), arrays of more than six short
 * entries grouped in columns, `[Circular *n]` / `<ref *n>`, `[Object]` below `depth`. Buffers
 * render themselves through the `util.inspect.custom` symbol. Needs no other library.
 */
(function () {
  "use strict";

  const CUSTOM = Symbol.for("nodejs.util.inspect.custom");
  const IDENTIFIER = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const NEEDS_ESCAPE = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const NAMED_ESCAPES = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\" };
  const hasOwn = Object.prototype.hasOwnProperty;
  const PROPERTY = 0, ELEMENT = 1, EXTRA = 2;

  const defaultOptions = {
    showHidden: false, depth: 2, colors: false, customInspect: true, maxArrayLength: 100,
    maxStringLength: 10000, breakLength: 80, compact: 3, sorted: false, getters: false,
  };

  /* ---- primitives ---------------------------------------------------------------------------- */

  function escapeChar(code) {
    return NAMED_ESCAPES[code] || "\\x" + code.toString(16).toUpperCase().padStart(2, "0");
  }

  /** A string literal the way Node prints it: single quotes unless the text contains them. */
  function quote(str) {
    let q = "'";
    if (str.includes("'")) {
      if (!str.includes('"')) q = '"';
      else if (!str.includes("`") && !str.includes("${")) q = "`";
    }
    if (!NEEDS_ESCAPE.test(str)) return q + str + q;
    let out = "";
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if ((c === 39 && q === "'") || c === 92 || c < 32 || (c > 126 && c < 160)) out += escapeChar(c);
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = str.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) { out += str[i] + str[i + 1]; i++; }
        else out += "\\u" + c.toString(16);
      } else out += str[i];
    }
    return q + out + q;
  }

  const formatNumber = (n) => (Object.is(n, -0) ? "-0" : String(n));

  function formatPrimitive(ctx, value) {
    switch (typeof value) {
      case "string": {
        let trailer = "";
        if (value.length > ctx.maxStringLength) {
          const rest = value.length - ctx.maxStringLength;
          value = value.slice(0, ctx.maxStringLength);
          trailer = `... ${rest} more character${rest > 1 ? "s" : ""}`;
        }
        if (ctx.compact !== true && value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
          return value.split(/(?<=\n)/).map(quote).join(` +\n${" ".repeat(ctx.indentationLvl + 2)}`) + trailer;
        }
        return quote(value) + trailer;
      }
      case "number": return formatNumber(value);
      case "bigint": return `${value}n`;
      case "symbol": return value.toString();
      default: return String(value);
    }
  }

  /* ---- objects ------------------------------------------------------------------------------- */

  function constructorName(obj) {
    for (let proto = obj; proto !== null; proto = Object.getPrototypeOf(proto)) {
      const desc = Object.getOwnPropertyDescriptor(proto, "constructor");
      if (desc && typeof desc.value === "function" && desc.value.name !== "" && obj instanceof desc.value) {
        return String(desc.value.name);
      }
    }
    return Object.getPrototypeOf(obj) === null ? null : "Object";
  }

  function prefix(ctor, tag, fallback, size = "") {
    if (ctor === null) {
      return tag !== "" && tag !== fallback ? `[${fallback}${size}: null prototype] [${tag}] ` : `[${fallback}${size}: null prototype] `;
    }
    return tag !== "" && ctor !== tag ? `${ctor}${size} [${tag}] ` : `${ctor}${size} `;
  }

  function ownKeys(value, ctx, skipIndices) {
    let keys = ctx.showHidden ? Object.getOwnPropertyNames(value) : Object.keys(value);
    if (skipIndices) {
      // Index keys come first, in order: skip a dense run without testing each one.
      const n = value.length;
      if (n > 0 && keys[n - 1] === String(n - 1)) keys = keys.slice(n);
      keys = keys.filter((k) => !/^(0|[1-9][0-9]*)$/.test(k) || Number(k) >= 4294967295);
    }
    const symbols = Object.getOwnPropertySymbols(value);
    for (const s of symbols) if (ctx.showHidden || Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s);
    return keys;
  }

  function functionBase(fn, ctor, tag) {
    const source = Function.prototype.toString.call(fn);
    if (source.startsWith("class") && source.endsWith("}")) {
      let base = `class ${(hasOwn.call(fn, "name") && fn.name) || "(anonymous)"}`;
      if (ctor !== "Function" && ctor !== null) base += ` [${ctor}]`;
      if (tag !== "" && ctor !== tag) base += ` [${tag}]`;
      const parent = Object.getPrototypeOf(fn);
      if (ctor === null) base += " extends [null prototype]";
      else if (parent && parent.name) base += ` extends ${parent.name}`;
      return `[${base}]`;
    }
    const kind = ctor === "AsyncFunction" || ctor === "GeneratorFunction" || ctor === "AsyncGeneratorFunction" ? ctor : "Function";
    let base = `[${kind}${ctor === null ? " (null prototype)" : ""}${fn.name === "" ? " (anonymous)" : ": " + fn.name}]`;
    if (ctor !== kind && ctor !== null) base += ` ${ctor}`;
    if (tag !== "" && ctor !== tag) base += ` [${tag}]`;
    return base;
  }

  function errorBase(err, keys, ctx) {
    let header;
    try { header = Error.prototype.toString.call(err); } catch (e) { header = "Error"; }
    const frames = typeof err.stack === "string" ? err.stack.replace(/\n+$/, "") : "";
    let text = frames.startsWith("    at") ? `${header}\n${frames}` : frames || header;
    for (const name of ["name", "message", "stack"]) {
      const at = keys.indexOf(name);
      if (at !== -1 && text.includes(String(err[name]))) keys.splice(at, 1);
    }
    if (!text.includes("\n    at")) text = `[${text}]`;
    if (ctx.indentationLvl !== 0) text = text.replaceAll("\n", `\n${" ".repeat(ctx.indentationLvl)}`);
    return text;
  }

  function remaining(n, unit = "item") {
    return `... ${n} more ${unit}${n > 1 ? "s" : ""}`;
  }

  function hexBytes(bytes, max) {
    const shown = bytes.subarray(0, Math.min(max, bytes.length));
    let str = shown.toHex().replace(/(.{2})/g, "$1 ").trim();
    if (bytes.length > max) str += ` ${remaining(bytes.length - max, "byte")}`;
    return str;
  }

  function formatArray(ctx, value, depth) {
    const output = [];
    const len = Math.min(Math.max(0, ctx.maxArrayLength), value.length);
    let holes = 0;
    for (let i = 0; i < len; i++) {
      if (!hasOwn.call(value, i)) { holes++; continue; }
      if (holes) { output.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; }
      output.push(formatProperty(ctx, value, depth, i, ELEMENT));
    }
    if (holes) output.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
    if (value.length > len) output.push(remaining(value.length - len));
    return output;
  }

  function formatTypedArray(ctx, value) {
    const len = Math.min(Math.max(0, ctx.maxArrayLength), value.length);
    const output = [];
    for (let i = 0; i < len; i++) output.push(typeof value[i] === "bigint" ? `${value[i]}n` : formatNumber(value[i]));
    if (value.length > len) output.push(remaining(value.length - len));
    return output;
  }

  function formatCollection(ctx, value, depth, isMap) {
    const output = [];
    const max = Math.min(Math.max(0, ctx.maxArrayLength), value.size);
    ctx.indentationLvl += 2;
    for (const entry of value) {
      if (output.length >= max) break;
      output.push(isMap ? `${formatValue(ctx, entry[0], depth)} => ${formatValue(ctx, entry[1], depth)}` : formatValue(ctx, entry, depth));
    }
    ctx.indentationLvl -= 2;
    if (value.size > max) output.push(remaining(value.size - max));
    return output;
  }

  /** `kind`: PROPERTY of an object, ELEMENT of an array (no key shown), or EXTRA key of an array. */
  function formatProperty(ctx, value, depth, key, kind) {
    // Keys without an own descriptor are the accessors listed for ArrayBuffer/DataView: "[byteLength]".
    const desc = Object.getOwnPropertyDescriptor(value, key) || { value: value[key], enumerable: false };
    let str;
    if (desc.value !== undefined) {
      const diff = ctx.compact !== true || kind !== PROPERTY ? 2 : 3;
      ctx.indentationLvl += diff;
      str = formatValue(ctx, desc.value, depth);
      ctx.indentationLvl -= diff;
    } else if (desc.get !== undefined) str = desc.set !== undefined ? "[Getter/Setter]" : "[Getter]";
    else str = desc.set !== undefined ? "[Setter]" : "undefined";
    if (kind === ELEMENT) return str;
    let name;
    if (typeof key === "symbol") name = `[${key.toString()}]`;
    else if (key === "__proto__") name = "['__proto__']";
    else if (desc.enumerable === false) name = `[${key}]`;
    else name = IDENTIFIER.test(key) ? key : quote(key);
    return `${name}: ${str}`;
  }

  /** Node's column layout for arrays of more than six entries. */
  function groupArrayElements(ctx, output, value) {
    let total = 0, maxLength = 0;
    const count = output.length - (ctx.maxArrayLength < output.length ? 1 : 0);
    const lengths = [];
    for (let i = 0; i < count; i++) {
      lengths.push(output[i].length);
      total += output[i].length + 2;
      if (output[i].length > maxLength) maxLength = output[i].length;
    }
    const actualMax = maxLength + 2;
    if (actualMax * 3 + ctx.indentationLvl >= ctx.breakLength || !(total / actualMax > 5 || maxLength <= 6)) return output;
    const averageBias = Math.sqrt(actualMax - total / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(Math.round(Math.sqrt(2.5 * biasedMax * count) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax), ctx.compact * 4, 15);
    if (columns <= 1) return output;
    const widths = [];
    for (let c = 0; c < columns; c++) {
      let w = 0;
      for (let j = c; j < output.length; j += columns) if (lengths[j] > w) w = lengths[j];
      widths.push(w + 2);
    }
    let numeric = true;
    for (let i = 0; i < output.length; i++) {
      if (typeof value[i] !== "number" && typeof value[i] !== "bigint") { numeric = false; break; }
    }
    const grouped = [];
    for (let i = 0; i < count; i += columns) {
      const end = Math.min(i + columns, count);
      let line = "";
      let j = i;
      for (; j < end - 1; j++) line += numeric ? `${output[j]}, `.padStart(widths[j - i]) : `${output[j]}, `.padEnd(widths[j - i]);
      line += numeric ? output[j].padStart(widths[j - i] - 2) : output[j];
      grouped.push(line);
    }
    if (count < output.length) grouped.push(output[count]);
    return grouped;
  }

  function fitsOnLine(ctx, output, start, base) {
    let total = output.length + start;
    if (total + output.length > ctx.breakLength) return false;
    for (const entry of output) {
      total += entry.length;
      if (total > ctx.breakLength) return false;
    }
    return base === "" || !base.includes("\n");
  }

  function reduceToSingleString(ctx, output, base, braces, inArray, depth, value) {
    const lead = base ? `${base} ` : "";
    if (output.length === 0) return `${lead}${braces[0]}${braces[1]}`;
    if (ctx.compact !== true) {
      if (typeof ctx.compact === "number" && ctx.compact >= 1) {
        const entries = output.length;
        if (inArray && entries > 6) output = groupArrayElements(ctx, output, value);
        if (ctx.currentDepth - depth < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
          if (fitsOnLine(ctx, output, start, base)) {
            const joined = output.join(", ");
            if (!joined.includes("\n")) return `${lead}${braces[0]} ${joined} ${braces[1]}`;
          }
        }
      }
      const indent = `\n${" ".repeat(ctx.indentationLvl)}`;
      return `${lead}${braces[0]}${indent}  ${output.join(`,${indent}  `)}${indent}${braces[1]}`;
    }
    if (fitsOnLine(ctx, output, 0, base)) return `${braces[0]}${base ? ` ${base}` : ""} ${output.join(", ")} ${braces[1]}`;
    const indent = `\n${" ".repeat(ctx.indentationLvl)}`;
    const ln = base === "" && braces[0].length === 1 ? " " : `${base ? ` ${base}` : ""}\n${indent}  `;
    return `${braces[0]}${ln}${output.join(`,${indent}`)} ${braces[1]}`;
  }

  function formatRaw(ctx, value, depth) {
    const ctor = constructorName(value);
    let tag = value[Symbol.toStringTag];
    if (typeof tag !== "string" || (tag !== "" && Object.prototype.propertyIsEnumerable.call(value, Symbol.toStringTag))) tag = "";
    let base = "", braces = ["{", "}"], inArray = false, keys, formatter = () => [];
    if (Array.isArray(value)) {
      keys = ownKeys(value, ctx, true);
      const pre = ctor !== "Array" || tag !== "" ? prefix(ctor, tag, "Array", `(${value.length})`) : "";
      braces = [`${pre}[`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      inArray = true;
      formatter = () => formatArray(ctx, value, depth + 1);
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      keys = ownKeys(value, ctx, true);
      braces = [`${prefix(ctor, tag, tag, `(${value.length})`)}[`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      inArray = true;
      formatter = () => formatTypedArray(ctx, value);
    } else if (value instanceof Map || value instanceof Set) {
      const isMap = value instanceof Map;
      keys = ownKeys(value, ctx, false);
      const pre = prefix(ctor, tag, isMap ? "Map" : "Set", `(${value.size})`);
      if (value.size === 0 && keys.length === 0) return `${pre}{}`;
      braces = [`${pre}{`, "}"];
      formatter = () => formatCollection(ctx, value, depth + 1, isMap);
    } else {
      keys = ownKeys(value, ctx, false);
      if (typeof value === "function") {
        base = functionBase(value, ctor, tag);
        if (keys.length === 0) return base;
      } else if (value instanceof RegExp) {
        base = RegExp.prototype.toString.call(value);
        if (keys.length === 0 || depth > ctx.depth) return base;
      } else if (value instanceof Date) {
        base = Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
        if (keys.length === 0) return base;
      } else if (value instanceof Error) {
        if (hasOwn.call(value, "cause") && !keys.includes("cause")) keys.push("cause");
        base = errorBase(value, keys, ctx);
        if (keys.length === 0) return base;
      } else if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer)) {
        braces[0] = `${prefix(ctor, tag, "ArrayBuffer")}{`;
        keys.unshift("byteLength");
        formatter = () => [`[Uint8Contents]: <${hexBytes(new Uint8Array(value), ctx.maxArrayLength)}>`];
      } else if (value instanceof DataView) {
        braces[0] = `${prefix(ctor, tag, "DataView")}{`;
        keys.unshift("byteLength", "byteOffset", "buffer");
      } else if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) {
        braces[0] = `${prefix(ctor, tag, tag || "Object")}{`;
        if (!(value instanceof Promise)) formatter = () => ["<items unknown>"];
      } else if (value instanceof Number || value instanceof String || value instanceof Boolean
        || value instanceof Symbol || value instanceof BigInt) {
        const primitive = value.valueOf();
        const type = typeof primitive === "bigint" ? "BigInt" : ctor === null ? "Object" : ctor;
        if (typeof primitive === "string") keys = keys.filter((k) => !/^\d+$/.test(k) || Number(k) >= primitive.length);
        base = `[${type}: ${formatPrimitive({ ...ctx, compact: true }, primitive)}]`;
        if (keys.length === 0) return base;
      } else if (ctor === "Object" && Object.prototype.toString.call(value) === "[object Arguments]") {
        if (keys.length === 0) return "[Arguments] {}";
        braces[0] = "[Arguments] {";
      } else {
        const pre = ctor === "Object" && tag === "" ? "" : prefix(ctor, tag, "Object");
        if (keys.length === 0) return `${pre}{}`;
        braces[0] = `${pre}{`;
      }
    }
    if (depth > ctx.depth && ctx.depth !== null) {
      const name = (ctor === "Object" && tag === "" ? "Object " : prefix(ctor, tag, "Object")).slice(0, -1);
      return ctor === null ? name : `[${name}]`;
    }
    ctx.seen.push(value);
    ctx.currentDepth = depth + 1;
    const output = formatter();
    for (const key of keys) output.push(formatProperty(ctx, value, depth + 1, key, inArray ? EXTRA : PROPERTY));
    ctx.seen.pop();
    const ref = ctx.circular && ctx.circular.get(value);
    if (ref !== undefined) {
      if (ctx.compact !== true) base = base === "" ? `<ref *${ref}>` : `<ref *${ref}> ${base}`;
      else braces[0] = `<ref *${ref}> ${braces[0]}`;
    }
    if (ctx.sorted) output.sort(typeof ctx.sorted === "function" ? ctx.sorted : undefined);
    return reduceToSingleString(ctx, output, base, braces, inArray, depth + 1, value);
  }

  function formatValue(ctx, value, depth) {
    if ((typeof value !== "object" || value === null) && typeof value !== "function") return formatPrimitive(ctx, value);
    if (ctx.customInspect) {
      const custom = value[CUSTOM];
      if (typeof custom === "function" && custom !== inspect && !(value.constructor && value.constructor.prototype === value)) {
        const left = ctx.depth === null ? null : ctx.depth - depth;
        const result = custom.call(value, left, { ...ctx, depth: left, stylize: (s) => s }, inspect);
        if (result !== value) {
          if (typeof result !== "string") return formatValue(ctx, result, depth);
          return result.replaceAll("\n", `\n${" ".repeat(ctx.indentationLvl)}`);
        }
      }
    }
    if (ctx.seen.includes(value)) {
      if (ctx.circular === undefined) ctx.circular = new Map();
      if (!ctx.circular.has(value)) ctx.circular.set(value, ctx.circular.size + 1);
      return `[Circular *${ctx.circular.get(value)}]`;
    }
    return formatRaw(ctx, value, depth);
  }

  function inspect(value, opts) {
    const ctx = { ...defaultOptions, ...inspect.defaultOptions, seen: [], indentationLvl: 0, currentDepth: 0, circular: undefined };
    if (typeof opts === "boolean") {
      ctx.showHidden = opts;
      if (arguments.length > 2 && arguments[2] !== undefined) ctx.depth = arguments[2];
    } else if (opts !== null && typeof opts === "object") {
      for (const key of Object.keys(opts)) if (key !== "seen" && key !== "indentationLvl") ctx[key] = opts[key];
    }
    if (ctx.depth === Infinity) ctx.depth = null;
    return formatValue(ctx, value, 0);
  }
  inspect.custom = CUSTOM;
  inspect.defaultOptions = { ...defaultOptions };

  globalThis.util = { inspect };
})();
