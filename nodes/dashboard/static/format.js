// Dashboard 1's value formats: "{{msg.payload}} °C", "{{value | number:1}}", "{{msg.topic | uppercase}}".
// A small reading of AngularJS interpolation: property paths (a.b[0]["c"]), string and number
// literals, and the filters Dashboard flows use (number, uppercase, lowercase, json, date, limitTo,
// currency). The result is always plain text: callers put it in textContent, never innerHTML.

const PATH_TOKEN = /\s*(?:\.([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*'([^']*)'\s*\])/y;
const HEAD = /^\s*([A-Za-z_$][\w$]*)/;

/** The value of a path like `msg.payload.temp` or `value` in `scope`, or undefined. */
export function readPath(scope, expr) {
  const text = String(expr).trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  const head = HEAD.exec(text);
  if (!head) return undefined;
  let value = scope == null ? undefined : scope[head[1]];
  PATH_TOKEN.lastIndex = head[0].length;
  while (PATH_TOKEN.lastIndex < text.length) {
    const m = PATH_TOKEN.exec(text);
    if (!m) return undefined; // an expression we do not evaluate (calls, operators)
    const key = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (value == null) return undefined;
    value = value[key];
  }
  return value;
}

function splitTop(text, sep) {
  const parts = [];
  let quote = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === "'" || c === '"') quote = c;
    else if (c === sep && !(sep === "|" && text[i + 1] === "|")) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

function grouped(n, decimals) {
  const fixed = decimals === undefined ? String(Math.round(n * 1000) / 1000) : n.toFixed(decimals);
  const [int, frac] = fixed.split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const digits = sign ? int.slice(1) : int;
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac !== undefined ? "." + frac : "");
}

function pad(n, width = 2) { return String(n).padStart(width, "0"); }

function formatDate(value, pattern) {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.valueOf())) return String(value ?? "");
  const p = pattern || "medium";
  const named = { short: "M/d/yy h:mm a", medium: "MMM d, y h:mm:ss a", shortTime: "h:mm a", mediumTime: "h:mm:ss a",
    shortDate: "M/d/yy", mediumDate: "MMM d, y" };
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const tokens = {
    yyyy: () => d.getFullYear(), y: () => d.getFullYear(), yy: () => pad(d.getFullYear() % 100),
    MMM: () => months[d.getMonth()], MM: () => pad(d.getMonth() + 1), M: () => d.getMonth() + 1,
    dd: () => pad(d.getDate()), d: () => d.getDate(), HH: () => pad(d.getHours()), H: () => d.getHours(),
    hh: () => pad(d.getHours() % 12 || 12), h: () => d.getHours() % 12 || 12, mm: () => pad(d.getMinutes()),
    m: () => d.getMinutes(), ss: () => pad(d.getSeconds()), s: () => d.getSeconds(),
    sss: () => pad(d.getMilliseconds(), 3), a: () => (d.getHours() < 12 ? "AM" : "PM"),
  };
  return (named[p] || p).replace(/yyyy|yy|y|MMM|MM|M|dd|d|HH|H|hh|h|mm|m|sss|ss|s|a/g, (t) => String(tokens[t]()));
}

const FILTERS = {
  number(value, decimals) {
    const n = Number(value);
    if (value === null || value === undefined || value === "" || Number.isNaN(n)) return "";
    return grouped(n, decimals === undefined ? undefined : Number(decimals));
  },
  uppercase: (value) => String(value ?? "").toUpperCase(),
  lowercase: (value) => String(value ?? "").toLowerCase(),
  json: (value) => JSON.stringify(value, null, 2),
  date: (value, pattern) => formatDate(value, pattern),
  limitTo: (value, n) => (typeof value === "string" || Array.isArray(value) ? value.slice(0, Number(n)) : value),
  currency(value, symbol = "$", decimals = 2) {
    const n = Number(value);
    return Number.isNaN(n) ? "" : symbol + grouped(n, Number(decimals));
  },
};

/** Evaluate one `expr | filter:arg` against `scope`. */
export function evaluate(scope, expression) {
  const [head, ...filters] = splitTop(expression, "|");
  let value = readPath(scope, head);
  for (const f of filters) {
    const [name, ...args] = splitTop(f, ":").map((s) => s.trim());
    const fn = FILTERS[name];
    if (fn) value = fn(value, ...args.map((a) => readPath({}, a)));
  }
  return value;
}

/** Text for a value as AngularJS interpolation shows it (objects as JSON, nothing for null). */
export function asText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Interpolate every `{{ ... }}` of `template` against `scope`. */
export function interpolate(template, scope) {
  if (typeof template !== "string") return "";
  return template.replace(/\{\{([\s\S]*?)\}\}/g, (_, expr) => asText(evaluate(scope, expr)));
}
