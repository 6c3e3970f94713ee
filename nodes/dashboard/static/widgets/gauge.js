// Gauge widget drawn in SVG: "gage" (half circle with a pointer), "donut" (full ring from the top),
// "compass" (needle on a dial) and "wave" (a level in a circle). The level's colour is Dashboard 1's
// gradient or sector colour, or Dashboard 2's segment colour (gauge_colour.js); "diff" fills from the
// middle of the range, "reverse" (max below min) from the right.

import { interpolate } from "../format.js";
import { h } from "./basic.js";
import { levelColour } from "./gauge_colour.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function arc(cx, cy, r, from, to) {
  // angles in degrees, 0 = pointing left (the gauge's min), clockwise
  const point = (deg) => {
    const rad = (Math.PI * (180 + deg)) / 180;
    return [cx + r * Math.cos(rad), cy + r * Math.sin(rad)];
  };
  const [x1, y1] = point(from);
  const [x2, y2] = point(to);
  const large = to - from > 180 ? 1 : 0;
  return `M ${x1} ${y1} A ${r} ${r} 0 ${large} 1 ${x2} ${y2}`;
}

/** Dashboard 2's segments as colour bands [{from, to, color}] (Dashboard 1 draws none: its sectors only
 * colour the level). */
export function sectorsOf(item) {
  const min = Number(item.min ?? 0);
  const max = Number(item.max ?? 10);
  if (!Array.isArray(item.sectors) || !item.sectors.length) return [];
  const sorted = item.sectors.filter((s) => Number.isFinite(Number(s.from))).sort((a, b) => a.from - b.from);
  return sorted.map((s, i) => ({ from: Math.max(Number(s.from), min), to: i + 1 < sorted.length ? Number(sorted[i + 1].from) : max,
    color: s.color })).filter((s) => s.to > s.from);
}

export function gauge(ctx) {
  const title = h("div", { class: "ui-gauge-title" });
  const drawing = svg("svg", { viewBox: "0 0 200 130", class: "ui-gauge-svg", role: "img" });
  const track = svg("path", { class: "ui-gauge-track", fill: "none", "stroke-width": 22 });
  const bar = svg("path", { class: "ui-gauge-bar", fill: "none", "stroke-width": 22 });
  const needle = svg("line", { class: "ui-gauge-needle", "stroke-width": 3 });
  const pointer = svg("path", { class: "ui-gauge-pointer" });
  const level = svg("rect", { class: "ui-gauge-level" });
  const ring = svg("circle", { class: "ui-gauge-ring", fill: "none", "stroke-width": 3 });
  const clip = svg("clipPath", { id: `clip-${ctx.item.id}` });
  const valueText = svg("text", { class: "ui-gauge-value", "text-anchor": "middle" });
  const unitsText = svg("text", { class: "ui-gauge-units", "text-anchor": "middle" });
  const minText = svg("text", { class: "ui-gauge-min", "text-anchor": "middle" });
  const maxText = svg("text", { class: "ui-gauge-max", "text-anchor": "middle" });
  const bands = svg("g", { class: "ui-gauge-sectors" });
  drawing.append(clip, track, bands, bar, pointer, ring, level, needle, valueText, unitsText, minText, maxText);
  ctx.el.append(title, drawing);

  return {
    update(item) {
      const min = Number(item.min ?? 0);
      const max = Number(item.max ?? 10);
      const raw = Number.parseFloat(item.value);
      const value = Number.isNaN(raw) ? min : raw;
      const shown = Math.min(Math.max((value - min) / (max - min || 1), 0), 1);
      const fraction = item.reverse ? 1 - shown : shown; // JustGage draws max + min - value
      const kind = item.gtype || "gage";
      title.textContent = interpolate(item.label ?? "", item);
      valueText.textContent = interpolate(item.format || "{{value}}", item);
      unitsText.textContent = interpolate(item.units ?? "", item);
      minText.textContent = item.hideMinMax || kind !== "gage" ? "" : String(item.reverse ? max : min);
      maxText.textContent = item.hideMinMax || kind !== "gage" ? "" : String(item.reverse ? min : max);
      const colour = levelColour(item, value);
      for (const el of [track, bar, needle, level, ring, pointer]) el.style.display = "none";
      bands.replaceChildren();
      if (kind === "gage" || kind === "donut") {
        const donut = kind === "donut";
        const sweep = donut ? 359.99 : 180;
        const start = donut ? 90 : 0; // a donut starts at the top
        const [cx, cy, r] = donut ? [100, 65, 52] : [100, 105, 80];
        track.setAttribute("d", arc(cx, cy, r, start, start + sweep));
        let [from, to] = [0, sweep * fraction];
        if (item.diff && !donut) [from, to] = fraction < 0.5 ? [sweep * fraction, sweep / 2] : [sweep / 2, sweep * fraction];
        bar.setAttribute("d", arc(cx, cy, r, start + from, start + Math.max(to, from + 0.01)));
        bar.setAttribute("stroke", colour);
        track.style.display = bar.style.display = "";
        if (!donut && item.sectors === undefined) {
          // Dashboard 1's gauge has a pointer at the value
          const rad = (Math.PI * (180 + sweep * fraction)) / 180;
          const [tx, ty] = [cx + (r + 11) * Math.cos(rad), cy + (r + 11) * Math.sin(rad)];
          const [nx, ny] = [-Math.sin(rad) * 3, Math.cos(rad) * 3];
          const [bx, by] = [cx + (r - 14) * Math.cos(rad), cy + (r - 14) * Math.sin(rad)];
          pointer.setAttribute("d", `M ${bx + nx} ${by + ny} L ${tx} ${ty} L ${bx - nx} ${by - ny} Z`);
          pointer.style.display = "";
        }
        // Dashboard 2's segments as a thin band outside the arc
        for (const band of sectorsOf(item)) {
          const bandFrom = ((band.from - min) / (max - min || 1)) * sweep;
          const bandTo = ((band.to - min) / (max - min || 1)) * sweep;
          if (bandTo > bandFrom) bands.append(svg("path", { d: arc(cx, cy, r + (donut ? 9 : 15), start + Math.max(bandFrom, 0), start + Math.min(bandTo, sweep)),
            stroke: band.color, fill: "none", "stroke-width": 4, "data-from": band.from }));
        }
        valueText.setAttribute("x", 100);
        valueText.setAttribute("y", kind === "gage" ? 95 : 72);
        unitsText.setAttribute("x", 100);
        unitsText.setAttribute("y", kind === "gage" ? 122 : 90);
        minText.setAttribute("x", 20);
        minText.setAttribute("y", 125);
        maxText.setAttribute("x", 180);
        maxText.setAttribute("y", 125);
      } else if (kind === "compass") {
        const rad = ((value - 90) * Math.PI) / 180;
        ring.setAttribute("cx", 100);
        ring.setAttribute("cy", 65);
        ring.setAttribute("r", 55);
        needle.setAttribute("x1", 100);
        needle.setAttribute("y1", 65);
        needle.setAttribute("x2", 100 + 50 * Math.cos(rad));
        needle.setAttribute("y2", 65 + 50 * Math.sin(rad));
        needle.setAttribute("stroke", colour);
        ring.style.display = needle.style.display = "";
        valueText.setAttribute("x", 100);
        valueText.setAttribute("y", 128);
      } else {
        // wave: a circle filled up to the value
        ring.setAttribute("cx", 100);
        ring.setAttribute("cy", 62);
        ring.setAttribute("r", 55);
        clip.replaceChildren(svg("circle", { cx: 100, cy: 62, r: 52 }));
        level.setAttribute("x", 45);
        level.setAttribute("width", 110);
        level.setAttribute("y", 114 - 104 * fraction);
        level.setAttribute("height", 104 * fraction);
        level.setAttribute("clip-path", `url(#clip-${item.id})`);
        level.setAttribute("fill", colour);
        ring.style.display = level.style.display = "";
        valueText.setAttribute("x", 100);
        valueText.setAttribute("y", 70);
        unitsText.setAttribute("x", 100);
        unitsText.setAttribute("y", 128);
      }
      drawing.setAttribute("aria-label", `${title.textContent} ${valueText.textContent} ${unitsText.textContent}`.trim());
    },
  };
}
