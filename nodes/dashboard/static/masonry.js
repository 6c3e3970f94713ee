// Groups laid out as Dashboard 1 lays them out: like masonry, each group (in order) goes where it
// sits highest, so a short group fills the gap beside a tall one instead of starting a new row.
// On a screen narrower than two groups they simply stack (the stylesheet's flow layout).

const watched = new Set();

/** Place the `.ui-group` children of `container` (absolutely, inside it); returns the height used. */
export function placeGroups(container, gap) {
  const groups = [...container.children].filter((g) => !g.hidden);
  const width = container.clientWidth;
  const free = () => { container.classList.remove("ui-masonry"); container.style.height = ""; for (const g of groups) g.style.left = g.style.top = ""; };
  if (!width || !groups.length) return 0;
  const sizes = groups.map((g) => [g.offsetWidth, g.offsetHeight]);
  if (sizes.every(([w]) => w * 2 + gap > width)) { free(); return 0; }
  const placed = [];
  for (const [i, group] of groups.entries()) {
    const [w, h] = sizes[i];
    const xs = [0, ...placed.map((p) => p.x + p.w + gap)].filter((x) => x === 0 || x + w <= width);
    let best = null;
    for (const x of xs) {
      const y = Math.max(0, ...placed.filter((p) => p.x < x + w && x < p.x + p.w).map((p) => p.y + p.h + gap));
      if (!best || y < best.y || (y === best.y && x < best.x)) best = { x, y };
    }
    placed.push({ ...best, w, h });
    group.style.left = `${best.x}px`;
    group.style.top = `${best.y}px`;
  }
  container.classList.add("ui-masonry");
  const height = Math.max(...placed.map((p) => p.y + p.h));
  container.style.height = `${height}px`;
  return height;
}

/** Keep `container`'s groups placed as they and the page change size. */
export function watchGroups(container) {
  const gap = () => Number.parseFloat(getComputedStyle(container).getPropertyValue("--gx")) || 6;
  let pending = false;
  const again = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; placeGroups(container, gap()); });
  };
  const observer = new ResizeObserver(again);
  observer.observe(container);
  for (const group of container.children) observer.observe(group);
  watched.add(observer);
  again();
}

/** Stop watching every container (the page is redrawn). */
export function unwatchAll() {
  for (const observer of watched) observer.disconnect();
  watched.clear();
}
