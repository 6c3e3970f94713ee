// Node labels and port labels as Node-RED's core nodes draw them (the `label`, `inputLabels` and
// `outputLabels` functions of their editor definitions, with the English texts). Pure functions.

const INJECT_TYPE = {
  flow: "flow context", global: "global context", str: "string", num: "number", bool: "boolean", json: "object",
  bin: "buffer", date: "timestamp", env: "env variable", object: "object", string: "string", boolean: "boolean",
  number: "number", Array: "array", invalid: "Invalid JSON Object",
};
const SWITCH_OPS = {
  eq: "==", neq: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=", hask: "has key", btwn: "is between", cont: "contains",
  regex: "matches regex", true: "is true", false: "is false", null: "is null", nnull: "is not null", istype: "is of type",
  empty: "is empty", nempty: "is not empty", head: "head", index: "index between", tail: "tail", jsonata_exp: "JSONata exp", else: "otherwise",
};
const NO_VALUE = new Set(["true", "false", "null", "nnull", "empty", "nempty", "else"]);

const str = (v) => (v === undefined || v === null ? "" : String(v));
const contextKey = (key) => str(key).replace(/^#:\([^)]*\)::/, "");

function injectLabel(n) {
  let suffix = "";
  if (n.once) suffix = " ¹";
  if ((n.repeat && Number(n.repeat) !== 0) || n.crontab) suffix = "\t↻";
  if (n.name) return n.name + suffix;
  let payload = str(n.payload);
  let type = n.payloadType || "str";
  let topic = str(n.topic);
  if (n.payloadType === undefined && Array.isArray(n.props)) {
    const p = n.props.find((x) => x.p === "payload");
    const t = n.props.find((x) => x.p === "topic");
    payload = p ? str(p.v) : "";
    type = p ? p.vt || "str" : "str";
    topic = t ? str(t.v) : "";
  }
  if (["string", "str", "num", "bool", "json"].includes(type)) {
    if (topic !== "" && topic.length + payload.length <= 32) return `${topic}:${payload}${suffix}`;
    if (payload.length > 0 && payload.length < 24) return payload + suffix;
    return `inject${suffix}`;
  }
  if (type === "date" || type === "bin" || type === "env") {
    return topic !== "" && topic.length <= 16 ? `${topic}:${INJECT_TYPE[type]}${suffix}` : INJECT_TYPE[type] + suffix;
  }
  if (type === "flow" || type === "global") return `${type}.${contextKey(payload)}${suffix}`;
  return `inject${suffix}`;
}

function debugLabel(n) {
  const suffix = n.console === true || n.console === "true" ? "\t⇲" : "";
  if (n.targetType === "jsonata") return (n.name || "JSONata") + suffix;
  if (n.complete === true || n.complete === "true") return (n.name || "msg") + suffix;
  return (n.name || `msg.${!n.complete || n.complete === "false" ? "payload" : n.complete}`) + suffix;
}

function changeLabel(n) {
  const verb = (t) => (["set", "change", "move"].includes(t) ? t : "delete");
  if (!Array.isArray(n.rules)) return `${verb(n.action === "replace" ? "set" : n.action)} msg.${str(n.property)}`;
  if (n.rules.length === 1) return `${verb(n.rules[0].t)} ${n.rules[0].pt || "msg"}.${contextKey(n.rules[0].p)}`;
  return `change: ${n.rules.length} rules`;
}

function delayLabel(n) {
  if (n.pauseType === "delayv") return "variable";
  if (n.pauseType === "delay") {
    const units = n.timeoutUnits === "milliseconds" ? "ms" : n.timeoutUnits ? n.timeoutUnits.charAt(0) : "s";
    return `delay ${str(n.timeout)}${units}`;
  }
  if (n.pauseType === "random") return "random";
  const rate = `${str(n.rate)} msg/${n.rateUnits ? (n.nbRateUnits > 1 ? n.nbRateUnits : "") + n.rateUnits.charAt(0) : "s"}`;
  if (n.pauseType === "rate") return `limit ${rate}`;
  if (n.pauseType === "burst") return `burst ${rate}`;
  return `limit topic ${rate}`;
}

function triggerLabel(n) {
  const d = Number(n.duration);
  if (d > 0) return `trigger ${n.duration}${str(n.units)}`;
  if (d < 0) return `resend every ${-d}${str(n.units)}`;
  return "trigger & block";
}

function scopeLabel(kind, n) {
  if (n.scope === "group") return `${kind}: group`;
  if (Array.isArray(n.scope)) return `${kind}: ${n.scope.length}`;
  return kind === "catch" && n.uncaught ? "catch: uncaught" : `${kind}: all`;
}

/** Labels computed from a node's properties, by type; null = use the name or the type's label. */
const LABELS = {
  inject: injectLabel,
  debug: debugLabel,
  function: (n) => n.name || "function",
  switch: (n) => n.name || "switch",
  change: (n) => n.name || changeLabel(n),
  range: (n) => n.name || (str(n.minout) !== "" && str(n.maxout) !== "" ? `${n.minout} - ${n.maxout}` : "range"),
  delay: (n) => n.name || delayLabel(n),
  trigger: (n) => n.name || triggerLabel(n),
  catch: (n) => n.name || scopeLabel("catch", n),
  status: (n) => n.name || scopeLabel("status", n),
  complete: (n) => n.name || `complete: ${(n.scope || []).length}`,
  "link in": (n) => n.name || "link in",
  "link out": (n) => n.name || (n.mode === "return" ? "return" : "link out"),
  "http in": (n) => n.name || (n.url ? `[${n.method}] ${n.url.startsWith("/") ? n.url : `/${n.url}`}` : "http"),
  "mqtt in": (n) => n.name || (n.topicType !== "dynamic" && n.topic ? String(n.topic) : "mqtt"),
  "mqtt out": (n) => n.name || n.topic || "mqtt",
  exec: (n) => n.name || str(n.command) || (String(n.useSpawn) === "true" ? "spawn" : "exec"),
};

/** The label Node-RED draws for node `n`, or null when the type has no own rule. */
export function nodeLabel(n) {
  const fn = LABELS[n.type];
  if (!fn) return null;
  const label = fn(n);
  return label ? String(label) : null;
}

function switchRuleLabel(rule) {
  if (!rule) return "";
  const value = (t, v) => {
    const s = str(v).length > 15 ? `${str(v).slice(0, 15)}...` : str(v);
    if (t === "str") return `"${s}"`;
    if (t === "msg" || t === "flow" || t === "global") return `${t}.${s}`;
    return s;
  };
  let label = SWITCH_OPS[rule.t] || str(rule.t);
  if (rule.t === "btwn" || rule.t === "index") label += ` ${value(rule.vt, rule.v)} & ${value(rule.v2t, rule.v2)}`;
  else if (!NO_VALUE.has(rule.t)) label += ` ${value(rule.vt, rule.v)}`;
  return label;
}

function injectOutputLabel(n) {
  let props = n.props;
  if (!Array.isArray(props)) props = [{ p: "payload", v: n.payload, vt: n.payloadType }, { p: "topic", v: n.topic, vt: "str" }];
  const lines = [];
  for (let i = 0; i < props.length; i++) {
    if (i === 5) {
      lines.push(`... +${props.length - 5}`);
      break;
    }
    let type = props[i].p === "payload" && n.payloadType !== undefined ? n.payloadType : props[i].vt;
    if (type === "json") {
      try {
        const parsed = JSON.parse(props[i].p === "payload" && n.payload !== undefined ? n.payload : props[i].v);
        type = Array.isArray(parsed) ? "Array" : typeof parsed;
      } catch {
        type = "invalid";
      }
    }
    lines.push(`${props[i].p}: ${INJECT_TYPE[type] || type || "string"}`);
  }
  return lines.join("\n");
}

/** The hover label of port `kind` ("in" | "out") number `i` of node `n`: the node's own labels first,
 * then (an instance) its subflow's. */
export function portLabel(n, kind, i, subflow = null) {
  const own = kind === "in" ? n.inputLabels : n.outputLabels;
  if (Array.isArray(own) && own[i]) return String(own[i]);
  const shared = subflow && (kind === "in" ? subflow.inputLabels : subflow.outputLabels); // a subflow's port labels
  if (Array.isArray(shared) && shared[i]) return String(shared[i]);
  if (kind === "in") {
    if (n.type === "range") return `${str(n.minin)} - ${str(n.maxin)}`;
    if (n.type === "link out" || n.type === "link call") return n.name || n.type;
    return "";
  }
  switch (n.type) {
    case "inject": return injectOutputLabel(n);
    case "switch": return switchRuleLabel((n.rules || [])[i]);
    case "exec": return ["stdout", "stderr", "return code"][i] || "";
    case "http request": return { txt: "UTF8 string", bin: "binary buffer", obj: "parsed JSON object" }[n.ret] || "";
    case "link in": return n.name || "link in";
    case "range": {
      const out = `${str(n.minout)} - ${str(n.maxout)}`;
      return n.action === "clamp" ? `[${out}]` : n.action === "drop" ? `x${out}x` : n.action === "roll" ? `>${out}>` : out;
    }
    default: return "";
  }
}
