/*
 * `globalThis.util` for the function-node sandbox: the rest of the parts of Node's util module
 * that function code uses (format, promisify, types, ...), added to the object util_inspect.js
 * starts.
 */
(function () {
  "use strict";

  const util = globalThis.util;
  const inspect = util.inspect;
  const PROMISIFY_CUSTOM = Symbol.for("nodejs.util.promisify.custom");
  const hasOwn = Object.prototype.hasOwnProperty;

  function formatNumber(n) {
    return Object.is(n, -0) ? "-0" : String(n);
  }

  /* ---- format -------------------------------------------------------------------------------- */

  function hasBuiltinToString(value) {
    if (typeof value.toString !== "function") return true;
    if (hasOwn.call(value, "toString")) return false;
    let proto = value;
    do { proto = Object.getPrototypeOf(proto); } while (proto !== null && !hasOwn.call(proto, "toString"));
    if (proto === null) return true;
    const desc = Object.getOwnPropertyDescriptor(proto, "constructor");
    return desc !== undefined && typeof desc.value === "function" && BUILTINS.has(desc.value.name)
      && globalThis[desc.value.name] === desc.value;
  }
  // The engine's own constructors (Node: the uppercase globals of a fresh V8 context).
  const BUILTINS = new Set(["Object", "Function", "Array", "Number", "Boolean", "String", "Symbol", "BigInt", "Date",
    "RegExp", "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError",
    "URIError", "Promise", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "ArrayBuffer",
    "SharedArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
    "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Proxy", "Iterator"]);

  function jsonOrCircular(value) {
    try { return JSON.stringify(value); } catch (err) {
      if (err instanceof TypeError && /circular/i.test(err.message)) return "[Circular]";
      throw err;
    }
  }

  function formatWithOptions(inspectOptions, ...args) {
    const first = args[0];
    let used = 0, str = "", join = "";
    if (typeof first === "string") {
      if (args.length === 1) return first;
      let last = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue; // "%"
        const next = first[++i];
        if (used + 1 !== args.length) {
          let piece;
          switch (next) {
            case "s": {
              const arg = args[++used];
              if (typeof arg === "number") piece = formatNumber(arg);
              else if (typeof arg === "bigint") piece = `${arg}n`;
              else if (typeof arg !== "object" || arg === null || !hasBuiltinToString(arg)) piece = String(arg);
              else piece = inspect(arg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
              break;
            }
            case "j": piece = jsonOrCircular(args[++used]); break;
            case "d": case "i": case "f": {
              const arg = args[++used];
              if (typeof arg === "bigint") piece = next === "f" ? formatNumber(parseFloat(arg)) : `${arg}n`;
              else if (typeof arg === "symbol") piece = "NaN";
              else piece = formatNumber(next === "d" ? Number(arg) : next === "i" ? parseInt(arg) : parseFloat(arg));
              break;
            }
            case "O": piece = inspect(args[++used], inspectOptions); break;
            case "o": piece = inspect(args[++used], { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 }); break;
            case "c": used++; piece = ""; break;
            case "%": str += first.slice(last, i); last = i + 1; continue;
            default: continue;
          }
          if (last !== i - 1) str += first.slice(last, i - 1);
          str += piece;
          last = i + 1;
        } else if (next === "%") {
          str += first.slice(last, i);
          last = i + 1;
        }
      }
      if (last !== 0) {
        used++;
        join = " ";
        if (last < first.length) str += first.slice(last);
      }
    }
    for (; used < args.length; used++) {
      const value = args[used];
      str += join + (typeof value === "string" ? value : inspect(value, inspectOptions));
      join = " ";
    }
    return str;
  }

  function format(...args) {
    return formatWithOptions(undefined, ...args);
  }

  /* ---- promisify and friends ----------------------------------------------------------------- */

  /** Node's ERR_INVALID_ARG_TYPE, "Received ..." part included. */
  function argTypeError(name, type, value) {
    let shown;
    if (value === null || value === undefined) shown = String(value);
    else if (typeof value === "function" && value.name) shown = `function ${value.name}`;
    else if (typeof value === "object") shown = value.constructor && value.constructor.name ? `an instance of ${value.constructor.name}` : inspect(value, { depth: -1 });
    else {
      shown = inspect(value);
      shown = `type ${typeof value} (${shown.length > 28 ? `${shown.slice(0, 25)}...` : shown})`;
    }
    const err = new TypeError(`The "${name}" argument must be of type ${type}. Received ${shown}`);
    err.code = "ERR_INVALID_ARG_TYPE";
    Object.defineProperty(err, "toString", { value() { return `${this.name} [${this.code}]: ${this.message}`; }, writable: true, configurable: true });
    return err;
  }

  function promisify(original) {
    if (typeof original !== "function") throw argTypeError("original", "function", original);
    const custom = original[PROMISIFY_CUSTOM];
    if (custom !== undefined) {
      if (typeof custom !== "function") throw argTypeError("util.promisify.custom", "function", custom);
      return Object.defineProperty(custom, PROMISIFY_CUSTOM, { value: custom, enumerable: false, writable: false, configurable: true });
    }
    function promisified(...args) {
      return new Promise((resolve, reject) => {
        Reflect.apply(original, this, [...args, (err, value) => (err ? reject(err) : resolve(value))]);
      });
    }
    Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
    Object.defineProperty(promisified, PROMISIFY_CUSTOM, { value: promisified, enumerable: false, writable: false, configurable: true });
    const descriptors = Object.getOwnPropertyDescriptors(original);
    delete descriptors.prototype;
    return Object.defineProperties(promisified, descriptors);
  }
  promisify.custom = PROMISIFY_CUSTOM;

  function callbackify(original) {
    if (typeof original !== "function") throw argTypeError("original", "function", original);
    return function callbackified(...args) {
      const callback = args.pop();
      if (typeof callback !== "function") throw argTypeError("last argument", "function", callback);
      Reflect.apply(original, this, args).then(
        (value) => queueMicrotask(() => callback(null, value)),
        (reason) => queueMicrotask(() => callback(reason || Object.assign(new Error("Promise was rejected with a falsy value"), { reason }))),
      );
    };
  }

  const is = (Type) => (value) => value instanceof Type;
  const types = {
    isDate: is(Date), isRegExp: is(RegExp), isMap: is(Map), isSet: is(Set), isWeakMap: is(WeakMap),
    isWeakSet: is(WeakSet), isPromise: is(Promise), isNativeError: is(Error), isDataView: is(DataView),
    isArrayBuffer: is(ArrayBuffer), isUint8Array: is(Uint8Array),
    isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer),
    isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
    isAsyncFunction: (v) => typeof v === "function" && /^Async/.test(v.constructor && v.constructor.name),
    isGeneratorFunction: (v) => typeof v === "function" && /GeneratorFunction$/.test(v.constructor && v.constructor.name),
    isBoxedPrimitive: (v) => v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof Symbol || v instanceof BigInt,
  };

  Object.assign(util, {
    format, formatWithOptions, promisify, callbackify, types,
    isArray: Array.isArray,
    isBoolean: (v) => typeof v === "boolean",
    isNull: (v) => v === null,
    isNullOrUndefined: (v) => v === null || v === undefined,
    isNumber: (v) => typeof v === "number",
    isString: (v) => typeof v === "string",
    isSymbol: (v) => typeof v === "symbol",
    isUndefined: (v) => v === undefined,
    isRegExp: types.isRegExp,
    isObject: (v) => v !== null && typeof v === "object",
    isDate: types.isDate,
    isError: types.isNativeError,
    isFunction: (v) => typeof v === "function",
    isPrimitive: (v) => v === null || (typeof v !== "object" && typeof v !== "function"),
    inherits(ctor, superCtor) {
      Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    },
    deprecate: (fn) => fn,
    stripVTControlCharacters: (str) => String(str).replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, ""),
    toUSVString: (str) => String(str).toWellFormed(),
  });
  // Looked up on use: the encoder classes come with the Buffer libraries.
  Object.defineProperties(util, {
    TextEncoder: { get: () => globalThis.TextEncoder, enumerable: true, configurable: true },
    TextDecoder: { get: () => globalThis.TextDecoder, enumerable: true, configurable: true },
  });
})();
