// Node icons: small line glyphs of our own (20x20 path data), chosen by the type's icon name,
// then by node type, then by palette category.

import { svg } from "./dom.js";

const CLOCK = "M10 3 A7 7 0 1 1 9.99 3 M10 6 V10 L13 12";
const GLOBE = "M10 3 A7 7 0 1 1 9.99 3 M3 10 H17 M10 3 C6 7 6 13 10 17 M10 3 C14 7 14 13 10 17";
const LINK = "M8.5 11.5 L11.5 8.5 M7 9 L5 11 A2.8 2.8 0 0 0 9 15 L11 13 M13 11 L15 9 A2.8 2.8 0 0 0 11 5 L9 7";

const GLYPHS = {
  inject: "M3 10 H15 M11 6 L15 10 L11 14",
  debug: "M4 5 H16 M4 10 H16 M4 15 H11",
  function: "M13 4 C10 4 9.5 5.5 9.5 8 V16 M6.5 9 H13",
  switch: "M3 10 H8 L15 5 M8 10 H15 M8 10 L15 15",
  swap: "M4 7 H15 M12 4 L15 7 L12 10 M16 13 H5 M8 10 L5 13 L8 16",
  template: "M8 4 C5 4 7.5 10 4 10 C7.5 10 5 16 8 16 M12 4 C15 4 12.5 10 16 10 C12.5 10 15 16 12 16",
  timer: CLOCK,
  cog: "M10 7 A3 3 0 1 1 9.99 7 M10 2.5 V5 M10 15 V17.5 M2.5 10 H5 M15 10 H17.5 M4.7 4.7 L6.5 6.5 M13.5 13.5 L15.3 15.3 M4.7 15.3 L6.5 13.5 M13.5 6.5 L15.3 4.7",
  trigger: "M3 14 H7 V6 H12 V14 H17",
  split: "M3 10 H8 M8 10 L16 5 M8 10 H16 M8 10 L16 15",
  join: "M4 5 L12 10 M4 10 H12 M4 15 L12 10 M12 10 H17",
  sort: "M4 16 H7 M4 12 H10 M4 8 H13 M4 4 H16",
  batch: "M3 6 H8 V14 H3 Z M12 6 H17 V14 H12 Z",
  range: "M3 16 L17 4 M3 4 V8 M17 12 V16",
  "parser-json": "M8 4 C5 4 7.5 10 4 10 C7.5 10 5 16 8 16 M12 4 C15 4 12.5 10 16 10 C12.5 10 15 16 12 16",
  "parser-csv": "M3 4 H17 V16 H3 Z M3 8 H17 M3 12 H17 M8 4 V16 M12 4 V16",
  "parser-yaml": "M4 4 L7 8 L10 4 M7 8 V12 M11 12 H16 M11 16 H16",
  "parser-xml": "M7 5 L3 10 L7 15 M13 5 L17 10 L13 15 M11 4 L9 16",
  "parser-html": "M4 3 H12 L16 7 V17 H4 Z M8 9 L6 11.5 L8 14 M12 9 L14 11.5 L12 14",
  rbe: "M3 4 H17 L11.5 10.5 V16 L8.5 14.5 V10.5 Z",
  "white-globe": GLOBE,
  comment: "M4 4 H16 V13 H9 L6 16 V13 H4 Z",
  catch: "M10 3 L17 16 H3 Z M10 8 V12 M10 14 V14.5",
  status: "M10 3 A7 7 0 1 1 9.99 3 M10 6 A4 4 0 1 1 9.99 6",
  complete: "M4 10 L8 14 L16 5",
  link: LINK,
  junction: "",
  subflow: "M3 5 H9 V9 H3 Z M11 11 H17 V15 H11 Z M9 7 H14 V11",
  openai: "M10 2.5 L16.5 6.25 V13.75 L10 17.5 L3.5 13.75 V6.25 Z M10 6.5 L13 8.25 V11.75 L10 13.5 L7 11.75 V8.25 Z",
  network: GLOBE,
  storage: "M4 5 C4 2.5 16 2.5 16 5 V15 C16 17.5 4 17.5 4 15 Z M4 5 C4 7.5 16 7.5 16 5",
  parser: "M8 4 C5 4 7.5 10 4 10 C7.5 10 5 16 8 16 M12 4 C15 4 12.5 10 16 10 C12.5 10 15 16 12 16",
  sequence: "M3 6 H8 V14 H3 Z M12 6 H17 V14 H12 Z",
  default: "M4 4 H16 V16 H4 Z",
};

const BY_TYPE = { catch: "catch", status: "status", complete: "complete", "link in": "link", "link out": "link", "link call": "link" };

/** Glyph names a subflow may choose as its icon. */
export const GLYPH_NAMES = Object.keys(GLYPHS).filter((k) => GLYPHS[k] && k !== "default");

/** Path data of the glyph for a node type definition (for a subflow instance: its subflow). */
export function glyphFor(type, def, isSubflow = false) {
  if (isSubflow) {
    const own = def && typeof def.icon === "string" ? def.icon.replace(/\.(svg|png)$/, "") : "";
    return (own && GLYPHS[own]) || GLYPHS.subflow;
  }
  if (BY_TYPE[type]) return GLYPHS[BY_TYPE[type]];
  const name = def && typeof def.icon === "string" ? def.icon.replace(/\.(svg|png)$/, "") : "";
  if (GLYPHS[name] !== undefined && name) return GLYPHS[name];
  if (type.startsWith("openai-")) return GLYPHS.openai;
  const category = def && typeof def.category === "string" ? def.category.toLowerCase() : "";
  return GLYPHS[category] || GLYPHS.default;
}

// The palette draws ~400 entries from a few dozen glyphs: each is built once and cloned.
const built = new Map();

/** An <svg> glyph element (20x20 box) for the palette. */
export function glyphSvg(d, size = 14) {
  const key = `${size} ${d || ""}`;
  let el = built.get(key);
  if (!el) {
    el = svg("svg", { class: "glyph", width: size, height: size, viewBox: "0 0 20 20", "aria-hidden": "true" });
    if (d) el.append(svg("path", { d }));
    if (built.size < 200) built.set(key, el);
  }
  return el.cloneNode(true);
}
