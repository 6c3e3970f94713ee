// The list editor of the per-type forms (inject properties, switch and change rules): rows that
// can be added, removed and reordered with buttons or by dragging their handle.

import { h } from "./dom.js";

/** A list editor: rows built by `makeRow(item, index)` -> {el, get()}, reorderable and removable. */
export function listEditor({ items, makeRow, addLabel, newItem, name, onChange = () => {} }) {
  const list = h("ol", { class: "form-array kit-list", "data-list": name });
  const rows = [];
  const renumber = () => {
    rows.forEach((r, i) => r.setIndex && r.setIndex(i));
    onChange();
  };
  const add = (item) => {
    const row = makeRow(item, rows.length);
    const li = h("li", { class: "form-array-item kit-list-item" });
    const move = (d) => {
      const i = rows.indexOf(row);
      const j = i + d;
      if (j < 0 || j >= rows.length) return;
      rows.splice(i, 1);
      rows.splice(j, 0, row);
      if (d < 0) li.previousElementSibling.before(li);
      else li.nextElementSibling.after(li);
      renumber();
    };
    li.append(
      h("span", { class: "kit-handle", "aria-hidden": "true", text: "≡" }),
      row.el,
      h("span", { class: "kit-list-buttons" }, [
        h("button", { type: "button", class: "small", "data-action": "move-up", "aria-label": "move up", text: "↑", onclick: () => move(-1) }),
        h("button", { type: "button", class: "small", "data-action": "move-down", "aria-label": "move down", text: "↓", onclick: () => move(1) }),
        h("button", {
          type: "button", class: "small", "data-action": "remove-item", "aria-label": "remove", text: "✕",
          onclick: () => {
            rows.splice(rows.indexOf(row), 1);
            li.remove();
            if (row.detach) row.detach();
            renumber();
          },
        }),
      ]),
    );
    li.querySelector(".kit-handle").addEventListener("pointerdown", () => {
      li.draggable = true;
    });
    li.addEventListener("dragend", () => {
      li.draggable = false;
    });
    li.addEventListener("dragstart", (e) => {
      dragged = row;
      e.dataTransfer.effectAllowed = "move";
    });
    li.addEventListener("dragover", (e) => {
      if (dragged && dragged !== row) e.preventDefault();
    });
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      if (!dragged || dragged === row) return;
      const from = rows.indexOf(dragged);
      const to = rows.indexOf(row);
      rows.splice(from, 1);
      rows.splice(to, 0, dragged);
      const draggedLi = list.children[from];
      if (from < to) li.after(draggedLi);
      else li.before(draggedLi);
      dragged = null;
      renumber();
    });
    rows.push(row);
    list.append(li);
    renumber();
  };
  let dragged = null;
  items.forEach(add);
  const addButton = h("button", { type: "button", class: "small", "data-action": "add-item", "data-for": name, text: `+ ${addLabel}`, onclick: () => add(newItem()) });
  return { el: h("div", { class: "form-array-box kit-list-box" }, [list, addButton]), rows, get: () => rows.map((r) => r.get()) };
}
