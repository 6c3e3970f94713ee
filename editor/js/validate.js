// A small JSON Schema checker for node properties (the subset node schemas use). No DOM.
// The server validates authoritatively at deploy; this gives early badges and field messages.

const SKIP = new Set(["id", "type", "z", "x", "y", "wires", "g", "d", "l", "credentials", "_users"]);
const MAX_DEPTH = 12;

/** Problems [{property, message}] of a node's properties against its type's schema. */
export function validateNode(node, schema) {
  if (!schema || typeof schema !== "object") return [];
  const props = {};
  for (const [k, v] of Object.entries(node)) if (!SKIP.has(k)) props[k] = v;
  const problems = [];
  check(props, schema, "", problems, 0);
  return problems;
}

function typeOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(value, type) {
  const t = typeOf(value);
  if (type === "number") return t === "number" || t === "integer";
  return t === type;
}

function check(value, schema, path, out, depth) {
  if (!schema || typeof schema !== "object" || depth > MAX_DEPTH) return;
  const at = (msg, p = path) => out.push({ property: p || null, message: msg });
  if (schema.type) {
    const types = [].concat(schema.type);
    if (!types.some((t) => typeMatches(value, t))) {
      at(`must be ${types.join(" or ")}, got ${typeOf(value)}`);
      return;
    }
  }
  if (numericText(schema) && typeof value === "string" && !NUMERIC.test(value.trim()) && !ENV_REF.test(value.trim())) {
    at(`must be a number, got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`);
    return;
  }
  if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const)) {
    at(`must be ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    at(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) at(`must be >= ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) at(`must be <= ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) at(`must be > ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) at(`must be < ${schema.exclusiveMaximum}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      at(schema.minLength === 1 ? "is required" : `must have at least ${schema.minLength} characters`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) at(`must have at most ${schema.maxLength} characters`);
    if (schema.pattern) {
      let re = null;
      try {
        re = new RegExp(schema.pattern, "u");
      } catch (err) {
        console.warn("schema pattern not usable in JavaScript", schema.pattern, err);
      }
      if (re && !re.test(value)) at(`must match ${schema.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) at(`needs at least ${schema.minItems} item(s)`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) at(`allows at most ${schema.maxItems} item(s)`);
    if (schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
      value.forEach((v, i) => check(v, schema.items, join(path, i), out, depth + 1));
    }
  }
  if (typeOf(value) === "object") {
    for (const key of schema.required || []) {
      if (value[key] === undefined) at("is required", join(path, key));
    }
    for (const [key, sub] of Object.entries(schema.properties || {})) {
      if (value[key] !== undefined) check(value[key], sub, join(path, key), out, depth + 1);
    }
    if (schema.additionalProperties === false && schema.properties) {
      for (const key of Object.keys(value)) {
        if (!(key in schema.properties)) at("is not an allowed property", join(path, key));
      }
    }
  }
  for (const key of ["oneOf", "anyOf"]) {
    if (!Array.isArray(schema[key])) continue;
    const matches = schema[key].filter((s) => matches0(value, s, depth));
    if (matches.length === 0) at(`must be ${schema[key].map(describe).join(" or ")}, got ${typeOf(value)} ${short(value)}`);
    else if (key === "oneOf" && matches.length > 1 && !schema[key].every((s) => s.type === "string" || s.enum)) {
      at("matches more than one allowed form");
    }
  }
  for (const sub of schema.allOf || []) check(value, sub, path, out, depth + 1);
}

const NUMERIC = /^$|^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const ENV_REF = /^\$\{[A-Za-z_][\w.]*\}$/;

/**
 * Core node properties typed [number, string] with a numeric default hold a number written as
 * text (Node-RED stores "5"): any other text is a mistake, as Node-RED's number validator says.
 */
function numericText(schema) {
  const types = Array.isArray(schema.type) ? schema.type : [];
  if (types.length !== 2 || !types.includes("string") || !types.some((t) => t === "number" || t === "integer")) return false;
  const d = schema.default;
  return typeof d === "number" || (typeof d === "string" && d.trim() !== "" && NUMERIC.test(d.trim()));
}

/** A short phrase for one branch of anyOf/oneOf, e.g. "number (0 to 2)" or "null". */
function describe(branch) {
  if (!branch || typeof branch !== "object") return "an allowed form";
  if (Array.isArray(branch.enum)) return `one of ${branch.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  if (branch.const !== undefined) return JSON.stringify(branch.const);
  if (!branch.type) return branch.title ? String(branch.title) : "an allowed form";
  const range = branch.minimum !== undefined && branch.maximum !== undefined ? ` (${branch.minimum} to ${branch.maximum})` : "";
  return `${[].concat(branch.type).join("/")}${range}`;
}

function short(value) {
  const text = JSON.stringify(value);
  return text === undefined ? "" : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function matches0(value, schema, depth) {
  const probe = [];
  check(value, schema, "", probe, depth + 1);
  return probe.length === 0;
}

function join(path, key) {
  return path ? `${path}.${key}` : String(key);
}

/** Problems of credential values: none of the fields may be given a non-string. */
export function validateCredentials(credentials, fields) {
  const out = [];
  for (const [k, v] of Object.entries(credentials || {})) {
    if (!(k in (fields || {}))) out.push({ property: k, message: "is not a credential of this type" });
    else if (typeof v !== "string") out.push({ property: k, message: "must be text" });
  }
  return out;
}
