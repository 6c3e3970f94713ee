// Rewrites the expected values of every *.json case file in this folder by evaluating each case in
// Node.js. Use the Node-RED 5.0.7 setup: Node.js 22 and @node-red/util 5.0.7, e.g.
//   npm install @node-red/util@5.0.7   (in some folder F)
//   NODE_PATH=F/node_modules node tests/nodes/core/js_libs_cases/regenerate.js
// The tests themselves never need Node.js.
"use strict";
const fs = require("fs");
const path = require("path");
globalThis.util = require("util");
globalThis.__RED_util = require("@node-red/util").util;
(0, eval)(fs.readFileSync(path.join(__dirname, "serialise.js"), "utf8"));
for (const name of fs.readdirSync(__dirname).filter((f) => f.endsWith(".json"))) {
  const file = path.join(__dirname, name);
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  data.node = process.version;
  data.cases = data.cases.map(([src]) => [src, __case(src)]);
  fs.writeFileSync(file, JSON.stringify(data, null, 1) + "\n");
}
