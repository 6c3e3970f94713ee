// Gauge widget drawn in SVG: "gage" (half circle), "donut" (full ring), "compass" (needle on a
// dial) and "wave" (a level in a circle). Sectors colour the value: below seg1, below seg2, above.

import { interpolate } from "../format.js";
import { h } from "./basic.js";

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

/** The gauge's colour bands [{from, to, color}]: Dashboard 2's segments, or Dashboard 1's seg1/seg2. */
export function sectorsOf(item) {
  const min = Number(item.min ?? 0);
  const max = Number(item.max ?? 10);
  if (Array.isArray(item.sectors) && item.sectors.length) {
    const sorted = item.sectors.filter((s) => Number.isFinite(Number(s.from))).sort((a, b) => a.from - b.from);
    return sorted.map((s, i) => ({ from: Math.max(Number(s.from), min), to: i + 1 < sorted.length ? Number(sorted[i + 1].from) : max,
      color: s.color })).filter((s) => s.to > s.from);
  }
  const colours = Array.isArray(item.colors) && item.colors.length ? item.colors : ["#00B500", "#E6E600", "#CA3838"];
  const span = max - min || 1;
  const s1 = Number.isFinite(item.seg1) ? item.seg1 : min + span / 3;
  const s2 = Number.isFinite(item.seg2) ? item.seg2 : min + (2 * span) / 3;
  return [{ from: min, to: s1, color: colours[0] }, { from: s1, to: s2, color: colours[1] ?? colours[0] },
    { from: s2, to: max, color: colours[2] ?? colours[colours.length - 1] }].filter((s) => s.to > s.from);
}

function sectorColour(item, value) {
  if (Array.isArray(item.sectors) && item.sectors.length) {
    const bands = sectorsOf(item);
    const band = [...bands].reverse().find((s) => value >= s.from) || bands[0];
    return band ? band.color : "#888";
  }
  const colours = Array.isArray(item.colors) && item.colors.length ? item.colors : ["#00B500", "#E6E600", "#CA3838"];
  const span = item.max - item.min || 1;
  const s1 = Number.isFinite(item.seg1) ? item.seg1 : item.min + span / 3;
  const s2 = Number.isFinite(item.seg2) ? item.seg2 : item.min + (2 * span) / 3;
  if (value < s1) return colours[0];
  if (value < s2) return colours[1] ?? colours[0];
  return colours[2] ?? colours[colours.length - 1];
}

export function gauge(ctx) {
  const title = h("div", { class: "ui-gauge-title" });
  const drawing = svg("svg", { viewBox: "0 0 200 130", class: "ui-gauge-svg", role: "img" });
  const track = svg("path", { class: "ui-gauge-track", fill: "none", "stroke-width": 22 });
  const bar = svg("path", { class: "ui-gauge-bar", fill: "none", "stroke-width": 22 });
  const needle = svg("line", { class: "ui-gauge-needle", "stroke-width": 3 });
  const level = svg("rect", { class: "ui-gauge-level" });
  const ring = svg("circle", { class: "ui-gauge-ring", fill: "none", "stroke-width": 3 });
  const clip = svg("clipPath", { id: `clip-${ctx.item.id}` });
  const valueText = svg("text", { class: "ui-gauge-value", "text-anchor": "middle" });
  const unitsText = svg("text", { class: "ui-gauge-units", "text-anchor": "middle" });
  const minText = svg("text", { class: "ui-gauge-min", "text-anchor": "middle" });
  const maxText = svg("text", { class: "ui-gauge-max", "text-anchor": "middle" });
  const bands = svg("g", { class: "ui-gauge-sectors" });
  drawing.append(clip, track, bands, bar, ring, level, needle, valueText, unitsText, minText, maxText);
  ctx.el.append(title, drawing);

  return {
    update(item) {
      const min = Number(item.min ?? 0);
      const max = Number(item.max ?? 10);
      const raw = Number.parseFloat(item.value);
      const value = Number.isNaN(raw) ? min : raw;
      const fraction = Math.min(Math.max((value - min) / (max - min || 1), 0), 1);
      const kind = item.gtype || "gage";
      title.textContent = interpolate(item.label ?? "", item);
      valueText.textContent = interpolate(item.format || "{{value}}", item);
      unitsText.textContent = interpolate(item.units ?? "", item);
      minText.textContent = item.hideMinMax || kind !== "gage" ? "" : String(item.reverse ? max : min);
      maxText.textContent = item.hideMinMax || kind !== "gage" ? "" : String(item.reverse ? min : max);
      const colour = sectorColour(item, value);
      for (const el of [track, bar, needle, level, ring]) el.style.display = "none";
      bands.replaceChildren();
      if (kind === "gage" || kind === "donut") {
        const sweep = kind === "gage" ? 180 : 359.9;
        const [cx, cy, r] = kind === "gage" ? [100, 105, 80] : [100, 65, 52];
        track.setAttribute("d", arc(cx, cy, r, 0, sweep));
        bar.setAttribute("d", arc(cx, cy, r, 0, Math.max(sweep * fraction, 0.01)));
        bar.setAttribute("stroke", colour);
        track.style.display = bar.style.display = "";
        // the sectors as a thin band outside the arc
        for (const band of sectorsOf(item)) {
          const from = ((band.from - min) / (max - min || 1)) * sweep;
          const to = ((band.to - min) / (max - min || 1)) * sweep;
          if (to > from) bands.append(svg("path", { d: arc(cx, cy, r + (kind === "gage" ? 15 : 9), Math.max(from, 0), Math.min(to, sweep)),
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
