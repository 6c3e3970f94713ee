// The function node's sandbox: Node-RED's API for JavaScript function code, on top of the host.
//
// Evaluated once into the main realm of the function nodes' QuickJS runtime, after the libraries
// (Buffer, util, RED.util): it defines `__fe_make_sandbox(global)`, which sets a node's realm up
// (its global object is `global`) without parsing this file again for every node. The sandbox's
// own objects are the main realm's, as Node-RED's sandbox objects are its main context's.
// `__host(op, ...)` is the one Python callable (context, env, logs, status, timers); it is taken off
// the realm's global object here. Messages cross to Python as text: "0" + JSON when plain, "1" +
// JSON with tagged values ({"__fe$": kind}) for what JSON cannot carry. Sends and completions wait in
// an outbox that Python takes after every turn (`__fe_flush`), so `node.send(msg, false)` is encoded
// when the turn ends, as Node-RED delivers it asynchronously (fn_node_send_sync).
globalThis.__fe_make_sandbox = function (global) {
  "use strict";
  // Strings handed to Python must be flat: QuickJS keeps long concatenations as ropes, which the
  // binding cannot convert ("Unknown quickjs tag: -6"); String.prototype.concat returns a flat one.
  const rawHost = global.__host;
  delete global.__host;
  const host = (op, ...args) => rawHost(op, ...args.map((a) => typeof a === "string" ? "".concat(a) : a));
  const TAG = "__fe$";
  const REF = Symbol.for("flowengine.ref"); // the same in every realm
  // every realm's Object.prototype: a message may come from another function node's realm
  const PLAIN_PROTOS = global.__fe_protos || new Set([Object.prototype]);
  const toTag = Object.prototype.toString;
  const isError = (v) => v !== null && typeof v === "object" && toTag.call(v) === "[object Error]";
  const config = JSON.parse(host("config"));

  // Node's crypto for this realm (nodes/core/js/crypto.js), made on first use: by `libs` or global.get
  let cryptoModule = null;
  const nodeCrypto = () => cryptoModule || (cryptoModule = globalThis.__fe_crypto(host));

  // ---- values: JavaScript -> wire ----------------------------------------------------------------
  function needsTags(v, depth) {
    switch (typeof v) {
      case "string": case "boolean": return false;
      case "number": return !isFinite(v);
      case "object": break;
      default: return true; // undefined, function, bigint, symbol
    }
    if (v === null) return false;
    if (depth > 48) return true; // the tagged path detects cycles
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (needsTags(v[i], depth + 1)) return true;
      return false;
    }
    const proto = Object.getPrototypeOf(v);
    if ((proto !== null && !PLAIN_PROTOS.has(proto)) || v[REF] !== undefined) return true;
    for (const k in v) if (needsTags(v[k], depth + 1)) return true;
    return false;
  }

  // String(err) when the error has its own toString (Node's coded errors: "TypeError [ERR_...]: ..."),
  // as Node-RED reports it in msg.error.message
  function ownText(err) {
    if (typeof Object.getOwnPropertyDescriptor(err, "toString")?.value !== "function") return undefined;
    try {
      const text = String(err);
      return text === `${err.name}: ${err.message}` ? undefined : text;
    } catch (e) { // a toString that throws: the error reads as name: message, as for any other
      return undefined;
    }
  }

  const SKIP = {};
  function tagged(v, path, ancestors) {
    switch (typeof v) {
      case "string": case "boolean": return v;
      case "number": return isFinite(v) ? v : { [TAG]: "n", v: String(v) };
      case "undefined": return { [TAG]: "u" };
      case "bigint": return { [TAG]: "big", v: v.toString() };
      case "function": return { [TAG]: "fn", v: v.name || "" };
      case "symbol": return SKIP;
    }
    if (v === null) return null;
    if (v === cryptoModule) return { [TAG]: "mod", name: "crypto" }; // kept in context as the module, not its functions
    if (v[REF] !== undefined) return { [TAG]: "ref", id: v[REF] };
    const seen = ancestors.indexOf(v);
    if (seen >= 0) return "[Circular ~" + ancestors[seen + 1] + "]";
    // by their tags, not instanceof: the value may come from another realm
    const kind = toTag.call(v);
    if (kind === "[object Uint8Array]") return { [TAG]: "b", v: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
    if (kind === "[object ArrayBuffer]") return { [TAG]: "b", v: Buffer.from(v).toString("base64") };
    if (kind === "[object Date]") return { [TAG]: "d", v: isNaN(v.getTime()) ? null : v.getTime() };
    if (kind === "[object RegExp]") return { [TAG]: "re", s: v.source, f: v.flags };
    ancestors.push(v, path);
    try {
      if (Array.isArray(v)) {
        const out = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const x = tagged(v[i], path + "." + i, ancestors);
          out[i] = x === SKIP ? null : x;
        }
        return out;
      }
      if (kind === "[object Map]") {
        const out = [];
        let i = 0;
        for (const [k, x] of v) out.push([tagged(k, path, ancestors), tagged(x, path + "." + (i++), ancestors)]);
        return { [TAG]: "map", v: out };
      }
      if (kind === "[object Set]") {
        const out = [];
        for (const x of v) out.push(tagged(x, path, ancestors));
        return { [TAG]: "set", v: out };
      }
      if (kind === "[object Error]") {
        const props = {};
        for (const k of Object.keys(v)) {
          if (k === "stack" || k === "message") continue;
          const x = tagged(v[k], path + "." + k, ancestors);
          if (x !== SKIP) props[k] = x;
        }
        const out = { [TAG]: "err", name: String(v.name), message: String(v.message), stack: errorStack(v), props: props };
        const text = ownText(v);
        if (text !== undefined) out.text = text;
        return out;
      }
      if (typeof v.toJSON === "function") return tagged(v.toJSON(), path, ancestors);
      const out = {};
      for (const k of Object.keys(v)) {
        const x = tagged(v[k], path + "." + k, ancestors);
        if (x !== SKIP) out[k] = x;
      }
      return out;
    } finally {
      ancestors.length -= 2;
    }
  }

  // The ports of a send: each message is encoded from its own root, so a circular reference reads
  // "[Circular ~.payload.x]" as Node-RED shows it.
  function encodePorts(ports) {
    if (!needsTags(ports, 0)) return "0".concat(JSON.stringify(ports));
    return "1".concat(JSON.stringify(ports.map((list) => list === null ? null : list.map((m) => tagged(m, "", [])))));
  }

  function encode(v) {
    if (needsTags(v, 0)) {
      const t = tagged(v, "", []);
      return "1".concat(JSON.stringify(t === SKIP ? null : t));
    }
    return "0".concat(JSON.stringify(v));
  }

  // ---- values: wire -> JavaScript ---------------------------------------------------------------
  function untag(v) {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = untag(v[i]);
      return v;
    }
    const kind = v[TAG];
    if (kind !== undefined) {
      switch (kind) {
        case "u": return undefined;
        case "n": return Number(v.v);
        case "b": return Buffer.from(v.v, "base64");
        case "d": return new Date(v.v === null ? NaN : v.v);
        case "re": return new RegExp(v.s, v.f);
        case "big": return BigInt(v.v);
        case "fn": return function () {};
        case "map": return new Map(v.v.map(([k, x]) => [untag(k), untag(x)]));
        case "set": return new Set(v.v.map(untag));
        case "err": {
          const Ctor = typeof global[v.name] === "function" && global[v.name].prototype instanceof global.Error ? global[v.name] : global.Error;
          const e = new Ctor(v.message);
          if (e.name !== v.name) e.name = v.name;
          if (v.stack) Object.defineProperty(e, "stack", { value: v.stack, writable: true, configurable: true });
          for (const k of Object.keys(v.props || {})) e[k] = untag(v.props[k]);
          return e;
        }
        case "mod": return nodeCrypto(); // global.get of a functionGlobalContext module entry
        case "ref": {
          const view = v.view && typeof v.view === "object" ? untag(v.view) : {};
          Object.defineProperty(view, REF, { value: v.id });
          return view;
        }
      }
    }
    for (const k of Object.keys(v)) v[k] = untag(v[k]);
    return v;
  }

  function decode(text) {
    const value = JSON.parse(text.slice(1));
    return text.charCodeAt(0) === 49 ? untag(value) : value; // "1": tagged values inside
  }

  // ---- errors -----------------------------------------------------------------------------------
  const USER_LINE_OFFSET = 1; // the wrapper's first line comes before the user's code
  function errorStack(e) {
    const s = typeof e.stack === "string" ? e.stack : "";
    return s.startsWith(String(e.name)) ? s : String(e.name) + ": " + String(e.message) + (s ? "\n" + s : "");
  }
  // QuickJS says some things differently from V8; flows match on Node-RED's (V8's) texts.
  const V8_TEXTS = [
    [/^cannot read property '(.*)' of (undefined|null)$/, (m) => `Cannot read properties of ${m[2]} (reading '${m[1]}')`],
    [/^cannot set property '(.*)' of (undefined|null)$/, (m) => `Cannot set properties of ${m[2]} (setting '${m[1]}')`],
    [/^'(.*)' is not defined$/, (m) => `${m[1]} is not defined`],
    [/^cannot convert symbol to string$/, () => "Cannot convert a Symbol value to a string"],
    [/^invalid array length$/, () => "Invalid array length"],
  ];
  function v8Text(message) {
    for (const [re, fn] of V8_TEXTS) {
      const m = re.exec(message);
      if (m) return fn(m);
    }
    return message;
  }
  function userPosition(e) {
    const m = /<input>:(\d+):(\d+)/.exec(typeof e.stack === "string" ? e.stack : "");
    if (!m) return null;
    const line = Number(m[1]) - USER_LINE_OFFSET;
    let col = Number(m[2]);
    // V8 places an error in `return <expr>` at the `return`; QuickJS at the expression
    const text = String(config.source || "").split("\n")[line - 1] || "";
    const before = /\breturn\s+$/.exec(text.slice(0, col - 1));
    if (before) col = before.index + 1;
    return [line, col];
  }
  // Node-RED's function node: an Error is kept on msg.error, and a ReferenceError's message gains the
  // user's line and column; a thrown string stays a string; anything else becomes its JSON text.
  function asFailure(err) {
    if (isError(err)) {
      err.message = v8Text(String(err.message));
      if (err.name === "ReferenceError") {
        const pos = userPosition(err);
        err.message = "ReferenceError: " + err.message + (pos ? ` (line ${pos[0]}, col ${pos[1]})` : "");
      }
      return err;
    }
    if (typeof err === "string") return err;
    if (err !== null && typeof err === "object" && typeof err.stack === "string") return err;
    const text = JSON.stringify(err);
    return text === undefined ? String(err) : text;
  }

  // ---- outbox: sends and completions, taken by Python after each turn -----------------------------
  let outbox = [];
  function flushOutbox() {
    flushContextRefs();
    if (!outbox.length) return "";
    const parts = [];
    for (const ev of outbox) {
      let data = ev.ports !== undefined ? encodePorts(ev.ports) : ev.data === undefined ? "" : ev.data;
      if ("lazy" in ev) data = (ev.data === undefined ? "" : data + "\u0002") + encode(ev.lazy);
      parts.push(ev.kind + "\u0002" + ev.token + "\u0002" + data);
    }
    outbox = [];
    return parts.join("\u0001");
  }

  function portsOf(msgs, msgid) {
    if (msgs === null || msgs === undefined) return null;
    if (!Array.isArray(msgs)) msgs = [msgs];
    let count = 0;
    const ports = [];
    for (let p = 0; p < msgs.length; p++) {
      let entry = msgs[p];
      if (!entry) { ports.push(null); continue; }
      if (!Array.isArray(entry)) entry = [entry];
      const list = [];
      for (const m of entry) {
        if (m === null || m === undefined) continue;
        if (typeof m === "object" && !ArrayBuffer.isView(m) && !Array.isArray(m)) {
          if (msgid !== undefined) m._msgid = msgid;
          list.push(m);
          count++;
        } else {
          const type = typeof m !== "object" ? typeof m : ArrayBuffer.isView(m) ? "Buffer" : Array.isArray(m) ? "Array" : "Date";
          shared.error("Function tried to send a message of type " + type);
        }
      }
      ports.push(list);
    }
    return count ? ports : null;
  }

  // ---- the `node` object, one per message (its send/done belong to that message) ------------------
  const closeHandlers = [];
  let closing = false;
  // Only send and done belong to the message; the other members are shared by every node object.
  const shared = {
    error(err, msg) {
      host("error", encode(isError(err) ? err : typeof err === "string" ? err : asFailure(err)),
        msg === undefined || msg === null ? "" : encode(msg));
    },
    warn(text) { host("log", 30, encode(text)); },
    log(text) { host("log", 40, encode(text)); },
    debug(text) { host("log", 50, encode(text)); },
    trace(text) { host("log", 60, encode(text)); },
    status(s) { host("status", encode(s)); },
    on(event, fn) {
      if (event === "close" && typeof fn === "function") closeHandlers.push(fn);
    },
    linkcall(target, msg, options) {
      return new Promise((resolve, reject) => {
        const id = ++promiseSeq;
        promises.set(id, [resolve, reject]);
        const timeout = options && options.timeout !== undefined ? Number(options.timeout) : -1;
        host("linkcall", id, String(target), encode(msg), timeout);
      });
    },
  };
  function sendFor(token, msgid, msgs, cloneMsg) {
    if (token === -1 || closing) { shared.error("Cannot send from close function"); return; }
    if (config.outputs === 0) return;
    const ports = portsOf(msgs, msgid);
    if (ports === null) return;
    if (cloneMsg === false) outbox.push({ kind: "send", token: token, ports: ports });
    else outbox.push({ kind: "send", token: token, data: encodePorts(ports) });
  }
  function doneFor(token, msg, watched, err) {
    const ev = { kind: "done", token: token, data: err === undefined || err === null ? "" : encode(asFailure(err)) };
    if (watched) ev.lazy = msg; // a complete node gets the message as the code left it
    outbox.push(ev);
  }
  function makeNode(token, msgid, msg, watched) {
    return {
      id: config.id, name: config.name, path: config.path, outputCount: config.outputs,
      send: (msgs, cloneMsg) => sendFor(token, msgid, msgs, cloneMsg),
      done: (err) => doneFor(token, msg, watched, err),
      error: shared.error, warn: shared.warn, log: shared.log, debug: shared.debug, trace: shared.trace,
      status: shared.status, on: shared.on, linkcall: shared.linkcall,
    };
  }

  // ---- context ----------------------------------------------------------------------------------
  // The memory store keeps object references in Node-RED: an object set (or got) and changed later in
  // the same turn is written back when the turn ends, so the change shows (fn_context_scopes).
  const refs = new Map();
  const touched = new Set();
  const SIMPLE_KEY = /^[A-Za-z_$][\w$]*$/;
  function refKey(scope, store, key) { return scope + "\u0002" + (store || "") + "\u0002" + key; }
  function flushContextRefs() {
    for (const entry of touched) {
      const text = encode(entry.obj);
      if (text !== entry.text) {
        host("ctx", entry.scope, "set", JSON.stringify(entry.key), text, entry.store || "");
        entry.text = text;
      }
    }
    touched.clear();
  }
  function forgetRefs(scope) {
    for (const [k, entry] of refs) if (entry.scope === scope) refs.delete(k);
  }
  function remember(scope, store, key, obj, text) {
    if (typeof key !== "string" || !SIMPLE_KEY.test(key)) return;
    const k = refKey(scope, store, key);
    if (obj === null || typeof obj !== "object") { refs.delete(k); return; }
    const entry = { scope: scope, store: store, key: key, obj: obj, text: text };
    refs.set(k, entry);
    touched.add(entry);
  }
  function ctxGet(scope, key, store) {
    const text = host("ctx", scope, "get", JSON.stringify(key), "", store || "");
    if (typeof key === "string" && SIMPLE_KEY.test(key)) {
      const entry = refs.get(refKey(scope, store, key));
      if (entry && entry.text === text) { touched.add(entry); return entry.obj; }
      const value = decode(text);
      if (value !== cryptoModule) remember(scope, store, key, value, text); // a module is not data to write back
      return value;
    }
    return decode(text);
  }
  function ctxSet(scope, key, value, store) {
    if (Array.isArray(key)) {
      const values = Array.isArray(value) ? value : [value];
      key.forEach((k, i) => ctxSet(scope, k, i < values.length ? values[i] : null, store));
      return;
    }
    const text = encode(value);
    host("ctx", scope, "set", JSON.stringify(key), text, store || "");
    if (typeof key === "string" && SIMPLE_KEY.test(key)) remember(scope, store, key, value, text);
    else forgetRefs(scope);
  }
  // incr / compareAndSet: one call to the store, atomic across processes on the redis store
  function ctxAtomic(scope, op, name, key, value, store) {
    if (typeof key !== "string") throw new TypeError(name + ": the key must be a string, got " + typeof key);
    const ref = refs.get(refKey(scope, store, key));
    if (ref) { refs.delete(refKey(scope, store, key)); touched.delete(ref); } // the store's value wins
    return decode(host("ctx", scope, op, JSON.stringify(key), encode(value), store || ""));
  }
  function makeContext(scope) {
    const label = scope === "node" ? "context" : scope; // the name the code uses
    return {
      get(key, store, cb) {
        if (typeof store === "function") { cb = store; store = undefined; }
        const value = ctxGet(scope, key, store);
        if (typeof cb !== "function") return value;
        if (Array.isArray(key)) cb(undefined, ...value); else cb(undefined, value);
        return undefined;
      },
      set(key, value, store, cb) {
        if (typeof store === "function") { cb = store; store = undefined; }
        ctxSet(scope, key, value, store);
        if (typeof cb === "function") cb(undefined);
      },
      keys(store, cb) {
        if (typeof store === "function") { cb = store; store = undefined; }
        const keys = decode(host("ctx", scope, "keys", "", "", store || ""));
        if (typeof cb !== "function") return keys;
        cb(null, keys);
        return undefined;
      },
      incr(key, by, store, cb) {
        if (typeof by === "function") { cb = by; by = undefined; store = undefined; }
        if (typeof store === "function") { cb = store; store = undefined; }
        if (by === undefined) by = 1;
        if (typeof by !== "number" || !isFinite(by)) throw new TypeError(label + ".incr: by must be a number, got " + String(by));
        const value = ctxAtomic(scope, "incr", label + ".incr", key, by, store);
        if (typeof cb !== "function") return value;
        cb(undefined, value);
        return undefined;
      },
      compareAndSet(key, expected, value, store, cb) {
        if (typeof store === "function") { cb = store; store = undefined; }
        const set = ctxAtomic(scope, "cas", label + ".compareAndSet", key, [expected, value], store);
        if (typeof cb !== "function") return set;
        cb(undefined, set);
        return undefined;
      },
    };
  }
  const nodeContext = makeContext("node");
  const flowContext = makeContext("flow");
  const globalContext = makeContext("global");
  Object.defineProperty(nodeContext, "flow", { value: flowContext, enumerable: false });
  Object.defineProperty(nodeContext, "global", { value: globalContext, enumerable: false });

  // ---- timers (on the runtime's loop; cleared when the node closes) --------------------------------
  const timers = new Map();
  let timerSeq = 0;
  function addTimer(fn, delay, args, repeat) {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function');
    const id = ++timerSeq;
    timers.set(id, { fn: fn, args: args, repeat: repeat });
    host("timer", id, Math.max(0, Number(delay) || 0), repeat ? 1 : 0);
    return id;
  }
  function clearTimer(id) {
    if (timers.delete(id)) host("untimer", id);
  }

  // ---- promises settled by Python (linkcall) ---------------------------------------------------
  const promises = new Map();
  let promiseSeq = 0;

  // ---- the sandbox's globals ----------------------------------------------------------------------
  const sandboxNode = makeNode(0, undefined);
  const consoleApi = {};
  for (const [name, level] of [["log", 40], ["info", 40], ["debug", 50], ["trace", 60], ["warn", 30], ["error", 20]]) {
    consoleApi[name] = function (...args) { host("console", level, util.format(...args)); };
  }
  // RED.util is built on first use: the libraries behind it load lazily (nodes/core/js/__init__.py)
  let redUtil = null;
  const red = {};
  Object.defineProperty(red, "util", {
    enumerable: true,
    get() {
      if (redUtil === null) {
        redUtil = Object.assign({}, global.__RED_util, {
          evaluateNodeProperty(value, type, node, msg, callback) {
            let result;
            try {
              result = type === "msg" ? redUtil.getMessageProperty(msg, value)
                : decode(host("evaluate", encode(value), String(type), msg === undefined ? "" : encode(msg)));
            } catch (e) {
              if (typeof callback === "function") { callback(e); return undefined; }
              throw e;
            }
            if (typeof callback === "function") { callback(null, result); return undefined; }
            return result;
          },
          getSetting() { return undefined; },
        });
      }
      return redUtil;
    },
  });
  const env = { get(name) { return decode(host("env", String(name))); } };
  Object.assign(global, {
    context: nodeContext, flow: flowContext, global: globalContext, env: env, RED: red,
    console: consoleApi, __node__: sandboxNode,
    setTimeout: Object.assign((fn, delay, ...args) => addTimer(fn, delay, args, false), {
      // what util.promisify(setTimeout) gives in Node.js: a promise resolved with `value` after `delay`
      [Symbol.for("nodejs.util.promisify.custom")]: (delay, value) =>
        new Promise((resolve) => addTimer(resolve, delay, [value], false)),
    }),
    setInterval: (fn, delay, ...args) => addTimer(fn, delay, args, true),
    setImmediate: (fn, ...args) => addTimer(fn, 0, args, false),
    clearTimeout: clearTimer, clearInterval: clearTimer, clearImmediate: clearTimer,
  });

  // `libs`: the modules (only Node's crypto is available) bound to their `var` as globals, as Node-RED
  // binds them; made on first read, so a node that never uses one pays nothing
  for (const lib of config.libs || []) {
    Object.defineProperty(global, lib.var, {
      enumerable: true, configurable: true,
      get: nodeCrypto,
      set(value) { Object.defineProperty(global, lib.var, { value, writable: true, enumerable: true, configurable: true }); },
    });
  }

  // Node-RED's sandbox also offers util.promisify as a global; read lazily so util loads on first use
  Object.defineProperty(global, "promisify", {
    configurable: true, enumerable: false, get() { return util.promisify; },
  });

  // ---- entry points called by Python --------------------------------------------------------------
  // The message being handled while the code's first (synchronous) part runs: `node` is built for it.
  let current = null;
  global.__fe_node = function (token, msgid) {
    return current !== null && current.token === token
      ? makeNode(token, msgid, current.msg, current.watched) : makeNode(token, msgid);
  };
  function deliver(token, msgid, msg, watched, r) {
    if (config.outputs === 0) r = null;
    const ports = portsOf(r, msgid);
    if (ports !== null) outbox.push({ kind: "send", token: token, ports: ports });
    if (config.autoDone) doneFor(token, msg, watched);
  }
  function fail(token, msg, err) {
    const failure = asFailure(err);
    if (isError(failure)) msg.error = failure;
    outbox.push({ kind: "fail", token: token, data: encode(failure), lazy: msg });
  }
  // One message: returns the outbox when the code finished synchronously. Python then runs pending
  // promise jobs and, if there were any, takes the outbox again.
  // `input` is the message's text, or the message itself when it comes straight from another
  // function node's return (it stays a JavaScript object between them). With `keep`, a message
  // returned alone is given back as the object itself, for the next function node.
  global.__fe_run = function (token, input, watched, keep) {
    const msg = typeof input === "string" ? decode(input) : input;
    const msgid = msg._msgid;
    current = { token: token, msg: msg, watched: watched };
    let result;
    try {
      result = global.__fe_user(msg, token);
    } catch (e) {
      fail(token, msg, e);
      return flushOutbox();
    } finally {
      current = null;
    }
    if (result !== null && typeof result === "object" && typeof result.then === "function") {
      Promise.resolve(result).then((r) => deliver(token, msgid, msg, watched, r), (err) => fail(token, msg, err));
    } else if (outbox.length === 0 && touched.size === 0 && config.autoDone && !watched && config.outputs > 0 &&
               result !== null && typeof result === "object" && !Array.isArray(result) && !ArrayBuffer.isView(result)) {
      // the common case, one message returned and nothing else: "=" + the message, sent on output 1
      // and then done (no outbox events, no port lists)
      if (msgid !== undefined) result._msgid = msgid;
      return keep ? result : "=".concat(encode(result));
    } else {
      deliver(token, msgid, msg, watched, result);
    }
    return flushOutbox();
  };
  global.__fe_init = function () {
    if (typeof global.__fe_initialize !== "function") return;
    Promise.resolve().then(() => global.__fe_initialize()).then(
      () => outbox.push({ kind: "ready", token: 0 }),
      (err) => outbox.push({ kind: "initfail", token: 0, data: encode(asFailure(err)) }));
  };
  global.__fe_fire = function (id) {
    const t = timers.get(id);
    if (t === undefined) return;
    if (!t.repeat) timers.delete(id);
    try {
      t.fn.apply(null, t.args);
    } catch (err) {
      sandboxNode.error(asFailure(err), {});
    }
  };
  global.__fe_settle = function (id, ok, text) {
    const p = promises.get(id);
    if (p === undefined) return;
    promises.delete(id);
    const value = decode(text);
    if (ok) p[0](value); else p[1](isError(value) ? value : new Error(String(value)));
  };
  global.__fe_close = function () {
    closing = true;
    for (const fn of closeHandlers.splice(0)) {
      try { fn(); } catch (err) { sandboxNode.error(asFailure(err)); }
    }
    if (typeof global.__fe_finalize === "function") global.__fe_finalize();
    timers.clear();
  };
  global.__fe_flush = flushOutbox;
  global.__fe_encode = encode;
};
