// An editable combobox (ARIA 1.2 pattern): a text input with role=combobox, a button that opens
// the list, and a role=listbox popup of role=option items filtered by what is typed. Any typed
// value is accepted; the list only suggests. Option text is set as text, never as HTML.

import { h } from "./dom.js";

let uid = 0;

/**
 * combobox({name, value, label}) -> {el, input, setOptions(values), open(), close()}.
 * Keys: ArrowDown/ArrowUp open and move, Enter picks the highlighted option, Escape closes,
 * Alt+ArrowDown opens without moving.
 */
export function combobox({ name, value = "", label = "" }) {
  const id = `combo-${++uid}`;
  const listId = `${id}-list`;
  const input = h("input", {
    type: "text", name, id, value, autocomplete: "off", role: "combobox",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId,
  });
  const list = h("ul", { id: listId, role: "listbox", class: "combo-list", "aria-label": label || name, hidden: true });
  const toggle = h("button", {
    type: "button", class: "small combo-toggle", tabindex: "-1", "aria-label": `show ${label || name} list`,
    "aria-controls": listId, "aria-expanded": "false", text: "▾",
  });
  let values = [];
  let shown = [];
  let active = -1;

  const draw = (filter) => {
    const q = filter ? input.value.trim().toLowerCase() : "";
    shown = q ? values.filter((v) => v.toLowerCase().includes(q)) : values;
    if (q && !shown.length) shown = values; // nothing matches: offer everything rather than nothing
    list.replaceChildren(...shown.map((v, i) => h("li", {
      id: `${id}-opt-${i}`, role: "option", class: "combo-option", "data-value": v,
      "aria-selected": String(v === input.value), text: v,
    })));
    setActive(-1);
  };
  const setActive = (i) => {
    active = i;
    const items = list.children;
    for (let k = 0; k < items.length; k++) items[k].classList.toggle("active", k === i);
    if (i >= 0 && items[i]) {
      input.setAttribute("aria-activedescendant", items[i].id);
      items[i].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const isOpen = () => !list.hidden;
  const open = (filter = false) => {
    draw(filter);
    list.hidden = !shown.length;
    input.setAttribute("aria-expanded", String(isOpen()));
    toggle.setAttribute("aria-expanded", String(isOpen()));
  };
  const close = () => {
    list.hidden = true;
    setActive(-1);
    input.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-expanded", "false");
  };
  const pick = (v) => {
    input.value = v;
    close();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!isOpen()) {
        open();
        if (e.altKey) return;
      }
      const n = shown.length;
      if (n) setActive(e.key === "ArrowDown" ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1));
    } else if (e.key === "Enter" && isOpen() && active >= 0) {
      e.preventDefault(); // pick the option instead of submitting the inspector
      pick(shown[active]);
    } else if (e.key === "Escape" && isOpen()) {
      e.preventDefault(); // close the list, not the dialog around it
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener("input", (e) => {
    if (e.isTrusted) open(true);
  });
  input.addEventListener("blur", () => close());
  toggle.addEventListener("pointerdown", (e) => e.preventDefault()); // keep focus in the input
  toggle.addEventListener("click", () => {
    if (isOpen()) close();
    else {
      open();
      input.focus();
    }
  });
  list.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    const item = e.target.closest("[role=option]");
    if (item) pick(item.dataset.value);
  });

  return {
    el: h("span", { class: "combo-box" }, [input, toggle, list]),
    input,
    open,
    close,
    /** Replace the suggested values (duplicates and non-strings dropped). */
    setOptions(next) {
      values = [...new Set((next || []).filter((v) => typeof v === "string" && v))];
      if (isOpen()) open();
    },
    get options() {
      return values;
    },
  };
}
