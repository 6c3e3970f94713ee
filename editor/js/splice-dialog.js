// The keyboard equivalent of dropping a node onto a wire: S on a focused, unwired node opens a
// dialog listing the wires of the tab (nearest first); choosing one splices the node into it.

import { h } from "./dom.js";
import { canSplice, splice } from "./dragmoves.js";

/** Wires of the node's tab that do not touch it, nearest (by midpoint) first. */
function candidates(model, node) {
  const dist = (w) => {
    const a = model.get(w.src);
    const b = model.get(w.dst);
    return Math.hypot((a.x + b.x) / 2 - node.x, (a.y + b.y) / 2 - node.y);
  };
  return model.wires()
    .filter((w) => w.src !== node.id && w.dst !== node.id && model.get(w.src)?.z === node.z && model.get(w.dst)?.z === node.z)
    .map((w) => ({ ...w, d: dist(w) }))
    .sort((a, b) => a.d - b.d);
}

/** Open the splice dialog for node `id` (or say why it cannot be spliced). */
export function openSpliceDialog(app, id) {
  const { model } = app;
  const node = model.get(id);
  if (!node) return;
  const name = model.labelOf(node);
  if (!canSplice(model, id)) {
    app.say(`Cannot splice ${name}: only a node with an input, an output and no wires can be put into a wire`, true);
    return;
  }
  const wires = candidates(model, node);
  if (!wires.length) {
    app.say("There is no wire on this tab to splice into", true);
    return;
  }
  const label = (w) => `${model.labelOf(model.get(w.src))} output ${w.port + 1} → ${model.labelOf(model.get(w.dst))}`;
  const select = h("select", { name: "splice-wire", "aria-label": "Wire to splice into" },
    wires.map((w, i) => h("option", { value: String(i), text: label(w) })));
  select.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault(); // a select does not submit its form on Enter by itself
    dialog.close("ok");
  });
  const title = `Splice ${name} into a wire`;
  const form = h("form", { method: "dialog" }, [
    h("h2", { text: title }),
    h("label", {}, [h("span", { text: "Wire " }), select]),
    h("div", { class: "dialog-buttons" }, [
      h("button", { type: "button", "data-action": "splice-cancel", text: "Cancel", onclick: () => dialog.close("") }),
      h("button", { type: "submit", value: "ok", class: "primary", "data-action": "splice-confirm", text: "Splice" }),
    ]),
  ]);
  const dialog = h("dialog", { id: "splice-dialog", "aria-label": title }, [form]);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (dialog.returnValue === "ok") {
      const w = wires[Number(select.value)];
      app.history.run("splice", () => splice(model, id, w));
      app.say(`Spliced ${name} into ${label(w)}`);
    }
    app.focusNode(id);
  });
  document.body.append(dialog);
  dialog.showModal();
  select.focus();
}
