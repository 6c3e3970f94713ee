// Round charts beside the pie: polar area (equal angles, the radius shows the value) and radar
// (one polygon per series over the labels, on a web of rings and spokes).

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

const numbers = (row) => (Array.isArray(row) ? row : []).map((v) => (typeof v === "number" && Number.isFinite(v) ? v : 0));

/** Polar area: the first series' values, one equal slice per label, radius in proportion. */
export function drawPolar(drawing, data, width, height, colours) {
  const values = numbers(data.data[0]);
  const max = Math.max(...values, 0) || 1;
  const r = Math.min(width, height) / 2 - 6;
  const [cx, cy] = [width / 2, height / 2];
  const sweep = (Math.PI * 2) / (values.length || 1);
  for (let ring = 1; ring <= 4; ring++) drawing.append(svg("circle", { cx, cy, r: (r * ring) / 4, class: "ui-chart-grid", fill: "none" }));
  values.forEach((v, i) => {
    const radius = (Math.max(v, 0) / max) * r;
    if (!radius) return;
    const a0 = -Math.PI / 2 + i * sweep;
    const a1 = a0 + sweep;
    const d = values.length === 1
      ? `M ${cx - radius} ${cy} a ${radius} ${radius} 0 1 0 ${2 * radius} 0 a ${radius} ${radius} 0 1 0 ${-2 * radius} 0`
      : `M ${cx} ${cy} L ${cx + radius * Math.cos(a0)} ${cy + radius * Math.sin(a0)} A ${radius} ${radius} 0 ${sweep > Math.PI ? 1 : 0} 1 ${cx + radius * Math.cos(a1)} ${cy + radius * Math.sin(a1)} Z`;
    drawing.append(svg("path", { d, fill: colours[i % colours.length], "fill-opacity": 0.7, class: "ui-chart-slice" }));
  });
}

/** Radar: a spoke per label, a polygon per series. */
export function drawRadar(drawing, data, width, height, colours) {
  const labels = data.labels.length ? data.labels : numbers(data.data[0]).map((_, i) => String(i + 1));
  const rows = data.data.map(numbers);
  const max = Math.max(...rows.flat(), 0) || 1;
  const r = Math.min(width, height) / 2 - 18;
  const [cx, cy] = [width / 2, height / 2];
  const n = Math.max(labels.length, 1);
  const at = (i, radius) => {
    const a = -Math.PI / 2 + (i * Math.PI * 2) / n;
    return [cx + radius * Math.cos(a), cy + radius * Math.sin(a)];
  };
  for (let ring = 1; ring <= 4; ring++) {
    const pts = labels.map((_, i) => at(i, (r * ring) / 4).join(",")).join(" ");
    drawing.append(svg("polygon", { points: pts, fill: "none", class: "ui-chart-grid" }));
  }
  labels.forEach((label, i) => {
    const [x, y] = at(i, r);
    drawing.append(svg("line", { x1: cx, y1: cy, x2: x, y2: y, class: "ui-chart-grid" }));
    const [tx, ty] = at(i, r + 10);
    const text = svg("text", { x: tx, y: ty + 3, "text-anchor": "middle", class: "ui-chart-axis" });
    text.textContent = String(label);
    drawing.append(text);
  });
  rows.forEach((row, s) => {
    const pts = labels.map((_, i) => at(i, ((row[i] || 0) / max) * r).join(",")).join(" ");
    const colour = colours[s % colours.length];
    drawing.append(svg("polygon", { points: pts, fill: colour, "fill-opacity": 0.25, stroke: colour, "stroke-width": 2,
      class: "ui-chart-radar" }));
  });
}
