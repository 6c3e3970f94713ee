// Node-RED-like forms for the parser nodes (csv, json, yaml, xml, html) and file, file in, exec.

import { registerForm } from "./form-kit.js";

const property = (kit, key = "property", label = "Property") => kit.text(key, `${label} (msg.)`, { placeholder: "payload" });

registerForm("csv", (kit) => [
  kit.select("spec", "Parser", [["rfc", "RFC4180"], ["", "Legacy"]], { fallback: "" }),
  kit.text("temp", "Columns", { placeholder: "comma-separated column names" }),
  kit.select("sep", "Separator", [[",", "comma"], ["\t", "tab"], [" ", "space"], [";", "semicolon"], [":", "colon"], ["#", "hashtag"]], { fallback: "," }),
  kit.section("CSV to Object"),
  kit.number("skip", "Skip first", { min: 0, suffix: "lines" }),
  kit.check("hdrin", "first row contains column names"),
  kit.check("strings", "parse numerical values"),
  kit.check("include_empty_strings", "include empty strings"),
  kit.check("include_null_values", "include null values"),
  kit.select("multi", "Output", [["one", "a message per row"], ["mult", "a single message [array]"]], { fallback: "one" }),
  kit.section("Object to CSV"),
  kit.select("ret", "Newline", [["\\n", "Linux (\\n)"], ["\\r", "Mac (\\r)"], ["\\r\\n", "Windows (\\r\\n)"]], { fallback: "\\n" }),
  kit.select("hdrout", "Header row", [["none", "never send column headers"], ["all", "always send column headers"], ["once", "send headers once, until msg.reset"], [false, "never send column headers"], [true, "always send column headers"]], { fallback: "none" }),
  kit.text("name", "Name"),
]);

registerForm("json", (kit) => [
  kit.select("action", "Action", [["", "Convert between JSON String & Object"], ["str", "Always convert to JSON String"], ["obj", "Always convert to JavaScript Object"]], { fallback: "" }),
  property(kit),
  kit.check("pretty", "format JSON string"),
  kit.text("name", "Name"),
]);

registerForm("yaml", (kit) => [property(kit), kit.text("name", "Name")]);

registerForm("xml", (kit) => [
  property(kit),
  kit.text("attr", "Property name for attributes", { placeholder: "$" }),
  kit.text("chr", "Property name for text content", { placeholder: "_" }),
  kit.text("name", "Name"),
]);

registerForm("html", (kit) => [
  property(kit),
  kit.text("tag", "Selector", { placeholder: "h1" }),
  kit.select("ret", "Output", [["html", "the html content of the elements"], ["text", "only the text content of the elements"], ["attr", "an object of any attributes of the elements"], ["compl", "the complete elements"]], { fallback: "html" }),
  kit.select("as", "as", [["single", "a single message containing an array"], ["multi", "multiple messages, one for each element"]], { fallback: "single" }),
  kit.text("outproperty", "Result to (msg.)", { placeholder: "payload" }),
  kit.text("name", "Name"),
]);

const FILENAME_TYPES = ["str", "msg", "jsonata", "env", "flow", "global"];

registerForm("file", (kit) => [
  kit.typed("filename", "filenameType", "Filename", { types: FILENAME_TYPES, defaultType: "str" }),
  kit.select("overwriteFile", "Action", [["false", "append to file"], ["true", "overwrite file"], ["delete", "delete file"], [false, "append to file"], [true, "overwrite file"]], { fallback: "false" }),
  kit.check("appendNewline", "add newline (\\n) to each payload"),
  kit.check("createDir", "create directory if it does not exist"),
  kit.select("encoding", "Encoding", [["none", "default"], ["setbymsg", "setting of msg.encoding"], ["utf8", "utf8"], ["ascii", "ascii"], ["base64", "base64"], ["hex", "hex"], ["binary", "binary"], ["ucs2", "ucs2"], ["utf-16le", "utf-16le"], ["latin1", "latin1"], ["ISO-8859-1", "ISO-8859-1"], ["cp1252", "cp1252"]], { fallback: "none" }),
  kit.text("name", "Name"),
]);

registerForm("file in", (kit) => [
  kit.typed("filename", "filenameType", "Filename", { types: FILENAME_TYPES, defaultType: "str" }),
  kit.select("format", "Output", [["utf8", "a single utf8 string"], ["lines", "a msg per line"], ["", "a single Buffer object"], ["stream", "a stream of Buffers"]], { fallback: "utf8" }),
  kit.select("encoding", "Encoding", [["none", "default"], ["utf8", "utf8"], ["ascii", "ascii"], ["base64", "base64"], ["hex", "hex"], ["binary", "binary"], ["ucs2", "ucs2"], ["utf-16le", "utf-16le"], ["latin1", "latin1"], ["ISO-8859-1", "ISO-8859-1"], ["cp1252", "cp1252"]], { fallback: "none" }),
  kit.check("sendError", "send message on error (legacy mode)"),
  kit.text("name", "Name"),
]);

registerForm("exec", (kit) => [
  kit.text("command", "Command", { placeholder: "ls -l" }),
  kit.text("addpay", "Append msg.", { placeholder: "(empty: append nothing)", help: "the message property appended to the command" }),
  kit.text("append", "Extra input parameters"),
  kit.select("useSpawn", "Output", [["false", "when the command is complete - exec mode"], ["true", "while the command is running - spawn mode"], [false, "when the command is complete - exec mode"], [true, "while the command is running - spawn mode"]], { fallback: "false" }),
  kit.text("timer", "Timeout", { placeholder: "optional", suffix: "seconds" }),
  kit.check("oldrc", "use old style output (compatibility mode)"),
  kit.text("name", "Name"),
]);
