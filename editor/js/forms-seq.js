// Node-RED-like forms for the timing and sequence nodes: delay, trigger, split, join, batch, sort.

import { h } from "./dom.js";
import { registerForm } from "./form-kit.js";

const TIME_UNITS = [["milliseconds", "Milliseconds"], ["seconds", "Seconds"], ["minutes", "Minutes"], ["hours", "Hours"], ["days", "Days"]];
const RATE_UNITS = [["second", "second"], ["minute", "minute"], ["hour", "hour"], ["day", "day"]];

registerForm("delay", (kit) => {
  const type = kit.select("pauseType", "Action", [
    ["delay", "Delay each message: fixed delay"], ["delayv", "Delay each message: override delay with msg.delay"],
    ["random", "Delay each message: random delay"], ["rate", "Rate limit: all messages"],
    ["queue", "Rate limit: for each msg.topic (send the most recent)"], ["timed", "Rate limit: for each msg.topic (release all)"],
    ["burst", "Rate limit: allow bursts"],
  ], { fallback: "delay" });
  const t = () => type.control.chosen() || "delay";
  const rateLike = () => ["rate", "queue", "timed", "burst"].includes(t());
  return [
    type,
    kit.when(kit.row("For", [kit.input("timeout", { type: "number", cls: "kit-number", label: "delay", as: "number" }), kit.choose("timeoutUnits", TIME_UNITS, { label: "units", fallback: "seconds" })], { key: "timeout" }), () => t() === "delay" || t() === "delayv"),
    kit.when(kit.row("Between", [kit.input("randomFirst", { cls: "kit-number", label: "from" }), " and ", kit.input("randomLast", { cls: "kit-number", label: "to" }), kit.choose("randomUnits", TIME_UNITS, { label: "units", fallback: "seconds" })], { key: "randomFirst" }), () => t() === "random"),
    kit.when(kit.row("Rate", [kit.input("rate", { type: "number", cls: "kit-number", label: "messages", as: "number" }), " msg(s) per ", kit.input("nbRateUnits", { type: "number", cls: "kit-number", label: "per", as: "number" }), kit.choose("rateUnits", RATE_UNITS, { label: "rate units", fallback: "second" })], { key: "rate" }), rateLike),
    kit.when(dropRow(kit, t), rateLike),
    kit.when(kit.check("allowrate", "allow msg.rate (in ms) to override rate"), () => t() === "rate"),
    kit.text("name", "Name"),
  ];
});

/**
 * Node-RED's one select for what happens to the messages a rate limit holds back: queue them,
 * drop them, or send them on a second output. It writes `drop` and `outputs` (2 for the second
 * output, which the canvas then draws); a delay action has one output. Untouched, both stay as
 * stored. Queueing is not offered per topic or for bursts (those modes never queue extras).
 */
function dropRow(kit, pauseType) {
  const node = kit.value;
  const stored = Number(node.outputs) === 2 ? "emit" : node.drop === true || node.drop === "true" ? "drop" : "queue";
  const sel = h("select", { name: "drop-select", id: "delay-drop-select", "aria-label": "intermediate messages" }, [
    ["queue", "Queue intermediate messages"], ["drop", "Drop intermediate messages"], ["emit", "Send intermediate messages on 2nd output"],
  ].map(([v, text]) => h("option", { value: v, text })));
  sel.value = stored;
  const queueOk = () => pauseType() === "rate";
  kit.watchers.push(() => {
    sel.querySelector("option[value='queue']").disabled = !queueOk();
  });
  kit.writer((out) => {
    const rate = ["rate", "queue", "timed", "burst"].includes(pauseType());
    const choice = rate ? sel.value : "queue";
    if (rate && choice !== stored) out.drop = typeof node.drop === "string" ? String(choice !== "queue") : choice !== "queue";
    const outputs = choice === "emit" ? 2 : 1;
    if (outputs !== (Number(node.outputs) === 2 ? 2 : 1)) out.outputs = outputs;
  });
  return kit.row("Intermediate", sel, { forId: sel.id, key: "drop" });
}

const TRIGGER_TYPES = ["flow", "global", "str", "num", "bool", "json", "bin", "date", "env", "pay", "nul"];

registerForm("trigger", (kit) => {
  const node = kit.value;
  const dur = Number(node.duration ?? 250);
  const then = h("select", { name: "trigger-then", "aria-label": "then" }, [["wait", "wait for"], ["block", "wait to be reset"], ["loop", "resend it every"]].map(([v, t]) => h("option", { value: v, text: t })));
  then.value = dur === 0 ? "block" : dur < 0 ? "loop" : "wait";
  const amount = h("input", { type: "number", class: "kit-number", name: "duration", value: String(Math.abs(dur || 250)), min: 0, "aria-label": "duration" });
  const start = `${then.value}:${amount.value}`;
  kit.writer((out) => {
    if (`${then.value}:${amount.value}` === start) return;
    const n = Math.abs(Number(amount.value) || 0);
    const v = then.value === "block" ? 0 : then.value === "loop" ? -n : n;
    out.duration = typeof node.duration === "string" ? String(v) : v;
  });
  const timed = () => then.value !== "block";
  return [
    kit.typed("op1", "op1type", "Send", { types: TRIGGER_TYPES, defaultType: "str" }),
    kit.row("then", [then, kit.when(h("span", { class: "kit-inline" }, [amount, kit.choose("units", [["ms", "Milliseconds"], ["s", "Seconds"], ["min", "Minutes"], ["hr", "Hours"]], { label: "units", fallback: "ms" })]), timed)]),
    kit.when(kit.check("extend", "extend delay if new message arrives"), () => then.value === "wait"),
    kit.when(kit.check("overrideDelay", "override delay with msg.delay"), timed),
    kit.when(kit.typed("op2", "op2type", "then send", { types: [...TRIGGER_TYPES, "payl"], defaultType: "str" }), () => then.value === "wait"),
    kit.text("reset", "Reset the trigger if msg.reset is set or msg.payload equals", { placeholder: "optional" }),
    kit.select("bytopic", "Handling", [["all", "all messages"], ["topic", "each msg.topic independently"]], { fallback: "all" }),
    kit.text("topic", "Topic property", { placeholder: "topic" }),
    kit.select("outputs", "Outputs", [[1, "1 (both messages)"], [2, "2 (second message on output 2)"]], { fallback: 1 }),
    kit.text("name", "Name"),
  ];
});

registerForm("split", (kit) => [
  kit.section("String / Buffer"),
  kit.typed("splt", "spltType", "Split using", { types: ["str", "bin", "len"], defaultType: "str" }),
  kit.section("Array"),
  kit.row("Split using", [h("span", { class: "kit-suffix", text: "fixed length of" }), kit.input("arraySplt", { type: "number", cls: "kit-number", label: "fixed length", as: "number" })], { key: "arraySplt" }),
  kit.section("Object"),
  kit.text("addname", "Copy key to msg.", { placeholder: "(empty: do not copy)" }),
  kit.check("stream", "handle as a stream of messages"),
  kit.text("property", "Property (msg.)", { placeholder: "payload" }),
  kit.text("name", "Name"),
]);

registerForm("join", (kit) => {
  const mode = kit.select("mode", "Mode", [["auto", "automatic"], ["custom", "manual"], ["reduce", "reduce sequence"]], { fallback: "auto" });
  const m = () => mode.control.chosen() || "auto";
  const build = kit.select("build", "Combine each", [["string", "a String"], ["buffer", "a Buffer"], ["array", "an Array"], ["object", "a key/value Object"], ["merged", "a merged Object"]], { fallback: "object" });
  const b = () => build.control.chosen();
  const custom = (el, test = () => true) => kit.when(el, () => m() === "custom" && test());
  const reduce = (el) => kit.when(el, () => m() === "reduce");
  return [
    mode,
    custom(build),
    custom(kit.typed("property", "propertyType", "to create", { types: ["msg", "full"], defaultType: "msg" }), () => b() !== "merged"),
    custom(kit.text("key", "using the value of msg.", { placeholder: "topic" }), () => b() === "object"),
    custom(kit.typed("joiner", "joinerType", "joined using", { types: ["str", "bin"], defaultType: "str" }), () => b() === "string" || b() === "buffer"),
    custom(kit.check("useparts", "use existing msg.parts property")),
    custom(kit.text("count", "After a number of message parts", { placeholder: "count" })),
    custom(kit.check("accumulate", "and every subsequent message"), () => b() === "object" || b() === "merged"),
    custom(kit.text("timeout", "After a timeout following the first message", { placeholder: "seconds", suffix: "seconds" })),
    reduce(kit.text("reduceExp", "Reduce exp", { placeholder: "JSONata: $A + payload" })),
    reduce(kit.typed("reduceInit", "reduceInitType", "Initial value", { types: ["num", "str", "json", "bin", "bool", "date", "flow", "global", "jsonata", "env"], defaultType: "num" })),
    reduce(kit.text("reduceFixup", "Fixup exp", { placeholder: "optional JSONata" })),
    reduce(kit.check("reduceRight", "evaluate in reverse order (last to first)")),
    kit.text("name", "Name"),
  ];
});

registerForm("batch", (kit) => {
  const mode = kit.select("mode", "Mode", [["count", "Group by number of messages"], ["interval", "Group by time interval"], ["concat", "Concatenate sequences"]], { fallback: "count" });
  const m = () => mode.control.chosen() || "count";
  const topics = Array.isArray(kit.value.topics) ? kit.value.topics : [];
  const list = h("textarea", { name: "topics", rows: 3, "aria-label": "topics, one a line" });
  list.value = topics.map((t) => (t && typeof t === "object" ? t.topic : t)).join("\n");
  const start = list.value;
  kit.writer((out) => {
    if (list.value !== start) out.topics = list.value.split("\n").map((t) => t.trim()).filter(Boolean).map((topic) => ({ topic }));
  });
  return [
    mode,
    kit.when(kit.number("count", "Number of messages", { min: 1 }), () => m() === "count"),
    kit.when(kit.number("overlap", "Overlap", { min: 0 }), () => m() === "count"),
    kit.when(kit.number("interval", "Interval", { min: 0, suffix: "seconds" }), () => m() === "interval"),
    kit.when(kit.check("allowEmptySequence", "send empty message when no message arrives"), () => m() === "interval"),
    kit.when(kit.row("Topics (one a line)", list, { key: "topics" }), () => m() === "concat"),
    kit.check("honourParts", "honour msg.parts"),
    kit.text("name", "Name"),
  ];
});

registerForm("sort", (kit) => {
  const target = kit.select("targetType", "Sort", [["msg", "message property"], ["seq", "message sequence"]], { fallback: "msg" });
  const seq = () => target.control.chosen() === "seq";
  return [
    target,
    kit.when(kit.text("target", "Property (msg.)", { placeholder: "payload" }), () => !seq()),
    kit.when(kit.typed("msgKey", "msgKeyType", "Key", { types: ["elem", "jsonata"], defaultType: "elem" }), () => !seq()),
    kit.when(kit.typed("seqKey", "seqKeyType", "Key", { types: ["msg", "jsonata"], defaultType: "msg" }), seq),
    kit.select("order", "Order", [["ascending", "ascending"], ["descending", "descending"]], { fallback: "ascending" }),
    kit.check("as_num", "as number"),
    kit.text("name", "Name"),
  ];
});
