// A small virtual DOM for the Dashboard 2 template: elements are described as
// {tag, ns, attrs, props, on, key, ref, children} and text as {text}; patch() brings an element's
// children in line with such a list and changes only what differs. A redraw therefore keeps the
// elements the user is working with: an input keeps its focus, caret and typed text, a <select>
// stays open, and DOM that the template's own code added (a chart drawn into a ref) is left alone.
// `hook(node)` runs after an element is brought up to date (an overlay opening itself, say).

const HTML = "http://www.w3.org/1999/xhtml";

/** An element description. `data`: {attrs, props, on, key, ref, ns, meta, hook}. */
export function el(tag, data = {}, children = []) {
  return { tag, ns: data.ns, attrs: data.attrs || {}, props: data.props || {}, on: data.on || {}, key: data.key,
    ref: data.ref, meta: data.meta, hook: data.hook, children: children.flat().filter((c) => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "object" ? c : { text: String(c) })) };
}

/** A text description. */
export function text(value) {
  return { text: value === undefined || value === null ? "" : String(value) };
}

function create(v) {
  if (v.text !== undefined) return document.createTextNode(v.text);
  const node = v.ns && v.ns !== HTML ? document.createElementNS(v.ns, v.tag) : document.createElement(v.tag);
  node.vlState = { attrs: {}, on: {}, listening: new Set(), kids: [], key: v.key };
  return node;
}

function matches(node, v) {
  if (v.text !== undefined) return node.nodeType === Node.TEXT_NODE;
  return node.nodeType === Node.ELEMENT_NODE && node.vlState !== undefined && node.localName === v.tag
    && (node.namespaceURI || HTML) === (v.ns || HTML) && node.vlState.key === v.key;
}

function update(node, v, refs) {
  if (v.text !== undefined) {
    if (node.nodeValue !== v.text) node.nodeValue = v.text;
    return;
  }
  const state = node.vlState;
  for (const name of Object.keys(state.attrs)) if (!(name in v.attrs)) node.removeAttribute(name);
  for (const [name, value] of Object.entries(v.attrs)) {
    if (node.getAttribute(name) === value) continue;
    try {
      node.setAttribute(name, value);
    } catch (err) { // a name the DOM refuses (e.g. "[x]"): the rest of the element still draws
      console.warn("dashboard template: attribute", name, err.message);
    }
  }
  state.attrs = v.attrs;
  state.on = v.on;
  for (const type of Object.keys(v.on)) {
    if (state.listening.has(type)) continue;
    state.listening.add(type);
    node.addEventListener(type, (event) => { if (typeof node.vlState.on[type] === "function") node.vlState.on[type](event); });
  }
  patchChildren(node, v.children, refs);
  // after the children: a <select>'s value needs its options
  for (const [name, value] of Object.entries(v.props)) if (node[name] !== value) node[name] = value;
  if (v.ref && refs) refs[v.ref] = node;
  if (typeof v.hook === "function") v.hook(node);
}

function patchChildren(parent, vnodes, refs) {
  const state = parent.vlState;
  const old = state.kids;
  const byKey = new Map();
  for (const node of old) if (node.vlState && node.vlState.key !== undefined) byKey.set(node.vlState.key, node);
  const used = new Set();
  const kids = vnodes.map((v, i) => {
    let node = v.key !== undefined ? byKey.get(v.key) : old[i];
    if (!node || used.has(node) || !matches(node, v)) node = create(v);
    used.add(node);
    update(node, v, refs);
    return node;
  });
  for (const node of old) if (!used.has(node)) node.remove();
  let before = null; // keep the order; untouched nodes are not moved (a move would blur a focused input)
  for (const node of kids) {
    const wanted = before ? before.nextSibling : (old.find((n) => n.parentNode === parent) || parent.firstChild);
    if (node !== wanted) parent.insertBefore(node, wanted);
    before = node;
  }
  state.kids = kids;
}

/** Make `host`'s children (the ones patch made before) match `vnodes`; refs collects ref="" elements. */
export function patch(host, vnodes, refs) {
  if (!host.vlState) host.vlState = { attrs: {}, on: {}, listening: new Set(), kids: [] };
  patchChildren(host, vnodes, refs);
}
