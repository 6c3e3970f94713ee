// Keeping the user's place while part of the page is drawn again (a template whose HTML changed, a
// new layout after a deploy): the input being typed in comes back focused with its text, caret and
// scroll position, and a redraw elsewhere never takes the focus away from it.

const CELL = "[data-ui-widget]";
const TYPED = /^(INPUT|TEXTAREA|SELECT)$/;

function pathOf(el, base) {
  const path = [];
  for (let node = el; node && node !== base; node = node.parentElement) {
    path.unshift([...node.parentElement.children].indexOf(node));
  }
  return path;
}

function atPath(base, path) {
  let node = base;
  for (const i of path) {
    node = node && node.children[i];
  }
  return node || null;
}

/** Where the focus is inside `root` (null: not inside it): enough to find the same control again. */
export function focusPlace(root) {
  const el = document.activeElement;
  if (!el || el === document.body || !root.contains(el)) return null;
  const cell = el.closest(CELL);
  const base = cell && root.contains(cell) ? cell : root;
  const typed = TYPED.test(el.tagName);
  return {
    widget: base === root ? null : base.dataset.uiWidget, path: pathOf(el, base), id: el.id, name: el.getAttribute("name"),
    tag: el.tagName, type: el.type, value: typed ? el.value : undefined, scroll: el.scrollTop,
    start: typed && typeof el.selectionStart === "number" ? el.selectionStart : null, end: typed ? el.selectionEnd : null,
  };
}

function find(root, place) {
  let base = root;
  if (place.widget !== null) {
    const selector = `${CELL.slice(0, -1)}="${CSS.escape(place.widget)}"]`;
    base = root.matches(selector) ? root : root.querySelector(selector);
    if (!base) return null;
  }
  const candidates = [
    place.id ? base.querySelector(`#${CSS.escape(place.id)}`) : null,
    place.name ? base.querySelector(`[name="${CSS.escape(place.name)}"]`) : null,
    atPath(base, place.path),
  ];
  return candidates.find((el) => el && el.tagName === place.tag && el.type === place.type) || null;
}

/** Put the focus back where `place` says, with the text the user had typed and the caret; false when
 * the control is not (yet) there. */
export function restoreFocus(root, place) {
  if (!place) return false;
  const el = find(root, place);
  if (!el) return false;
  if (place.value !== undefined && el.value !== place.value && el.tagName !== "SELECT") el.value = place.value;
  if (document.activeElement !== el) el.focus({ preventScroll: true });
  if (place.start !== null && typeof el.setSelectionRange === "function") {
    try {
      el.setSelectionRange(place.start, place.end);
    } catch (err) { // inputs without a caret (number, date) refuse it; the focus is what matters there
      if (!(err instanceof DOMException)) throw err;
    }
  }
  el.scrollTop = place.scroll;
  return true;
}

/** Run `redraw` (which replaces what is inside `root`) keeping the user's focus: in `root` it comes back
 * to the same control; elsewhere on the page nothing the redraw focuses takes it away. */
export function keepingFocus(root, redraw) {
  const before = document.activeElement;
  const place = focusPlace(root);
  try {
    redraw();
  } finally {
    if (place) restoreFocus(root, place);
    else if (before && before !== document.body && before.isConnected && document.activeElement !== before) {
      before.focus({ preventScroll: true });
    }
  }
}
