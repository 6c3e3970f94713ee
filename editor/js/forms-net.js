// Node-RED-like forms for the network nodes: http in/request/response, websocket, mqtt, tcp, udp.

import { h } from "./dom.js";
import { registerForm, show } from "./form-kit.js";
import { headerList, headerObject } from "./forms-headers.js";

/** A key/value editor for an object property (headers): one "name: value" a line. */
function pairs(kit, key, label) {
  const orig = kit.value[key];
  const area = h("textarea", { name: key, rows: 3, "aria-label": `${label}, one "name: value" a line` });
  const isList = Array.isArray(orig);
  const lines = isList
    ? orig.map((r) => `${r.keyType === "other" || !r.keyType ? r.keyValue : r.keyType}: ${r.valueValue ?? ""}`)
    : Object.entries(orig && typeof orig === "object" ? orig : {}).map(([k, v]) => `${k}: ${show(v)}`);
  area.value = lines.join("\n");
  const start = area.value;
  kit.writer((out) => {
    if (area.value === start) return;
    const rows = area.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const i = l.indexOf(":");
      return i < 0 ? [l, ""] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
    });
    out[key] = isList ? rows.map(([k, v]) => ({ keyType: "other", keyValue: k, valueType: "other", valueValue: v })) : Object.fromEntries(rows);
  });
  return kit.row(label, area, { key, help: 'one "name: value" a line' });
}

registerForm("http in", (kit) => {
  const method = kit.select("method", "Method", [["get", "GET"], ["post", "POST"], ["put", "PUT"], ["delete", "DELETE"], ["patch", "PATCH"]], { fallback: "get" });
  return [
    method,
    kit.when(kit.check("upload", "accept file uploads"), () => method.control.chosen() === "post"),
    kit.text("url", "URL", { placeholder: "/url" }),
    kit.text("name", "Name"),
  ];
});

registerForm("http request", (kit) => [
  kit.select("method", "Method", ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"].map((m) => [m, m]).concat([["use", "- set by msg.method -"]]), { fallback: "GET" }),
  kit.text("url", "URL", { placeholder: "http://" }),
  kit.select("paytoqs", "Payload", [["ignore", "Ignore"], ["query", "Append to query-string parameters"], ["body", "Send as request body"], [false, "Ignore"], [true, "Append to query-string parameters"]], { fallback: "ignore" }),
  kit.config("tls", "tls-config", "TLS configuration"),
  kit.config("proxy", "http proxy", "Proxy"),
  kit.select("authType", "Authentication", [["", "none"], ["basic", "basic authentication"], ["digest", "digest authentication"], ["bearer", "bearer authentication"]], { fallback: "" }),
  kit.check("persist", "enable connection keep-alive"),
  kit.select("ret", "Return", [["txt", "a UTF-8 string"], ["bin", "a binary buffer"], ["obj", "a parsed JSON object"]], { fallback: "txt" }),
  kit.check("senderr", "only send non-2xx responses to Catch node"),
  kit.text("reqTimeout", "Timeout", { placeholder: "default", suffix: "ms" }),
  // a list as Node-RED stores it; anything else (which Node-RED ignores) keeps the text editor
  kit.value.headers === undefined || Array.isArray(kit.value.headers) ? headerList(kit, "headers", "Headers") : pairs(kit, "headers", "Headers"),
  kit.text("name", "Name"),
]);

registerForm("http response", (kit) => [
  kit.text("statusCode", "Status code", { placeholder: "200 (or msg.statusCode)" }),
  // an object as Node-RED stores it; anything else keeps the text editor
  kit.value.headers === undefined || (kit.value.headers && typeof kit.value.headers === "object" && !Array.isArray(kit.value.headers))
    ? headerObject(kit, "headers", "Headers") : pairs(kit, "headers", "Headers"),
  kit.text("name", "Name"),
]);

function websocketForm(kit) {
  const node = kit.value;
  const mode = h("select", { name: "websocket-mode", "aria-label": "type" }, [["server", "Listen on"], ["client", "Connect to"]].map(([v, t]) => h("option", { value: v, text: t })));
  mode.value = node.client && !node.server ? "client" : "server";
  return [
    kit.row("Type", mode),
    kit.when(kit.config("server", "websocket-listener", "Path", { required: true }), () => mode.value === "server"),
    kit.when(kit.config("client", "websocket-client", "URL", { required: true }), () => mode.value === "client"),
    kit.text("name", "Name"),
  ];
}
registerForm("websocket in", websocketForm);
registerForm("websocket out", websocketForm);
registerForm("websocket-listener", (kit) => [
  kit.text("path", "Path", { placeholder: "/ws/example" }),
  kit.select("wholemsg", "Send/Receive", [["false", "payload"], ["true", "entire message"], [false, "payload"], [true, "entire message"]], { fallback: "false" }),
  kit.text("name", "Name"),
]);
registerForm("websocket-client", (kit) => [
  kit.text("path", "URL", { placeholder: "ws://example.com/ws" }),
  kit.text("subprotocol", "Subprotocol"),
  kit.config("tls", "tls-config", "TLS configuration"),
  kit.select("wholemsg", "Send/Receive", [["false", "payload"], ["true", "entire message"], [false, "payload"], [true, "entire message"]], { fallback: "false" }),
  kit.text("hb", "Send heartbeat every", { placeholder: "0", suffix: "seconds" }),
  kit.text("name", "Name"),
]);

const QOS = [["0", "0"], ["1", "1"], ["2", "2"], [0, "0"], [1, "1"], [2, "2"]];

registerForm("mqtt in", (kit) => {
  const dynamic = kit.select("inputs", "Action", [[0, "Subscribe to single topic"], [1, "Dynamic subscription"], ["0", "Subscribe to single topic"], ["1", "Dynamic subscription"]], { fallback: 0 });
  const fixed = () => String(dynamic.control.chosen() ?? 0) !== "1";
  return [
    kit.config("broker", "mqtt-broker", "Server", { required: true }),
    dynamic,
    kit.when(kit.text("topic", "Topic", { placeholder: "sensors/#" }), fixed),
    kit.when(kit.select("qos", "QoS", QOS, { fallback: "2" }), fixed),
    kit.select("datatype", "Output", [["auto-detect", "auto-detect (parsed JSON object, string or buffer)"], ["auto", "auto-detect (string or buffer)"], ["buffer", "a Buffer"], ["utf8", "a String"], ["json", "a parsed JSON object"], ["base64", "a Base64 encoded string"]], { fallback: "auto-detect" }),
    kit.check("nl", "do not receive messages published by this client (MQTT 5)"),
    kit.check("rap", "keep retain flag of the original publish (MQTT 5)"),
    kit.select("rh", "Retained messages", QOS.map(([v]) => [v, { 0: "send retained messages", 1: "send only for new subscriptions", 2: "do not send" }[v]]), { fallback: 0 }),
    kit.text("name", "Name"),
  ];
});

registerForm("mqtt out", (kit) => [
  kit.config("broker", "mqtt-broker", "Server", { required: true }),
  kit.text("topic", "Topic", { placeholder: "(or msg.topic)" }),
  kit.select("qos", "QoS", [["", "(msg.qos)"], ...QOS], { fallback: "" }),
  kit.select("retain", "Retain", [["", "(msg.retain)"], ["true", "true"], ["false", "false"], [true, "true"], [false, "false"]], { fallback: "" }),
  kit.section("MQTT 5"),
  kit.text("respTopic", "Response topic"),
  kit.text("correl", "Correlation data"),
  kit.text("contentType", "Content type"),
  kit.text("expiry", "Message expiry", { suffix: "seconds" }),
  kit.text("name", "Name"),
]);

registerForm("tcp in", (kit) => {
  const mode = kit.select("server", "Type", [["server", "Listen on port"], ["client", "Connect to"]], { fallback: "server" });
  return [
    mode,
    kit.when(kit.text("host", "at host"), () => mode.control.chosen() === "client"),
    kit.text("port", "Port"),
    kit.select("datamode", "Output", [["stream", "stream of"], ["single", "single"]], { fallback: "stream" }),
    kit.select("datatype", "payload(s)", [["buffer", "Buffer"], ["utf8", "String"], ["base64", "Base64 String"]], { fallback: "buffer" }),
    kit.text("newline", "delimited by", { placeholder: "\\n" }),
    kit.check("trim", "re-attach delimiter"),
    kit.text("topic", "Topic"),
    kit.config("tls", "tls-config", "TLS"),
    kit.text("name", "Name"),
  ];
});

registerForm("tcp out", (kit) => [
  kit.select("beserver", "Type", [["client", "Connect to"], ["server", "Listen on"], ["reply", "Reply to TCP"]], { fallback: "client" }),
  kit.text("host", "Host"),
  kit.text("port", "Port"),
  kit.check("base64", "decode Base64 message"),
  kit.check("end", "close connection after each message is sent"),
  kit.config("tls", "tls-config", "TLS"),
  kit.text("name", "Name"),
]);

registerForm("tcp request", (kit) => [
  kit.text("server", "Server", { placeholder: "host (or msg.host)" }),
  kit.text("port", "Port"),
  kit.select("out", "Return", [["time", "after a fixed timeout of"], ["char", "when character received is"], ["count", "a fixed number of chars"], ["sit", "never - keep connection open"], ["immed", "immediately - don't wait for reply"]], { fallback: "time" }),
  kit.text("splitc", "timeout / character / count", { placeholder: "0" }),
  kit.select("ret", "Output", [["buffer", "Buffer"], ["string", "String"]], { fallback: "buffer" }),
  kit.text("newline", "delimited by"),
  kit.check("trim", "re-attach delimiter"),
  kit.config("tls", "tls-config", "TLS"),
  kit.text("name", "Name"),
]);

registerForm("udp in", (kit) => [
  kit.select("multicast", "Listen for", [["false", "udp messages"], ["true", "multicast messages"]], { fallback: "false" }),
  kit.text("group", "Group"),
  kit.text("iface", "Local interface"),
  kit.text("port", "on Port"),
  kit.select("ipv", "using", [["udp4", "ipv4"], ["udp6", "ipv6"]], { fallback: "udp4" }),
  kit.select("datatype", "Output", [["buffer", "a Buffer"], ["utf8", "a String"], ["base64", "a Base64 encoded string"]], { fallback: "buffer" }),
  kit.text("name", "Name"),
]);

registerForm("udp out", (kit) => [
  kit.select("multicast", "Send a", [["false", "udp message"], ["board", "broadcast message"], ["multi", "multicast message"]], { fallback: "false" }),
  kit.text("addr", "to address"),
  kit.text("port", "to port"),
  kit.select("ipv", "using", [["udp4", "ipv4"], ["udp6", "ipv6"]], { fallback: "udp4" }),
  kit.text("outport", "Bind to local port", { placeholder: "random" }),
  kit.text("iface", "Local interface"),
  kit.check("base64", "decode Base64 encoded payload"),
  kit.text("name", "Name"),
]);

registerForm("mqtt-broker", (kit) => {
  const msg = (prefix, title) => [
    kit.section(title),
    kit.text(`${prefix}Topic`, "Topic", { placeholder: "(none)" }),
    kit.select(`${prefix}Qos`, "QoS", QOS, { fallback: "0" }),
    kit.select(`${prefix}Retain`, "Retain", [["false", "false"], ["true", "true"], [false, "false"], [true, "true"]], { fallback: "false" }),
    kit.text(`${prefix}Payload`, "Payload"),
  ];
  return [
    kit.text("name", "Name"),
    kit.tabs([
      ["Connection", [
        kit.text("broker", "Server", { placeholder: "localhost or mqtt://host" }),
        kit.text("port", "Port", { placeholder: "1883" }),
        kit.select("protocolVersion", "Protocol", [["4", "MQTT V3.1.1"], ["5", "MQTT V5"], ["3", "MQTT V3.1 (legacy)"], [4, "MQTT V3.1.1"], [5, "MQTT V5"], [3, "MQTT V3.1 (legacy)"]], { fallback: "4" }),
        kit.text("clientid", "Client ID", { placeholder: "leave blank for auto generated" }),
        kit.check("autoConnect", "connect automatically"),
        kit.check("usetls", "use TLS"),
        kit.config("tls", "tls-config", "TLS configuration"),
        kit.text("keepalive", "Keep alive", { suffix: "seconds" }),
        kit.check("cleansession", "use clean session"),
        kit.text("sessionExpiry", "Session expiry (MQTT 5)", { suffix: "seconds" }),
      ]],
      ["Messages", [...msg("birth", "Message sent on connection (birth message)"), ...msg("close", "Message sent before disconnecting (close message)"), ...msg("will", "Message sent on an unexpected disconnection (will message)")]],
    ]),
  ];
});
