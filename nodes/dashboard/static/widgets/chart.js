// Chart widget drawn in SVG: line charts on a time axis (one line per series, gaps for null),
// bar and horizontal bar charts (labels x series), pie, polar area and radar
// (chart_round.js). Data arrive as the whole data ([{key, values: {series, data, labels}}], [] to
// clear: on connecting, and when a change needs it) or as a change ({update: true, ...}): Dashboard
// 1's new point {values: {series, data}, remove: n}, new points per series {append: [[series,
// point]], remove: {series: n}} or changed cells {set: [[series, label, value]]}.

import { h } from "./basic.js";
import { drawPolar, drawRadar } from "./chart_round.js";

const NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#1F77B4", "#AEC7E8", "#FF7F0E", "#2CA02C", "#98DF8A", "#D62728", "#FF9896", "#9467BD", "#C5B0D5"];

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function pad(n) { return String(n).padStart(2, "0"); }

function timeLabel(ms, format, utc) {
  const d = new Date(ms);
  const get = (local, u) => (utc ? d[u]() : d[local]());
  const parts = {
    HH: pad(get("getHours", "getUTCHours")), mm: pad(get("getMinutes", "getUTCMinutes")),
    ss: pad(get("getSeconds", "getUTCSeconds")), dd: pad(get("getDate", "getUTCDate")),
    d: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][get("getDay", "getUTCDay")],
    Y: get("getFullYear", "getUTCFullYear"), M: pad(get("getMonth", "getUTCMonth") + 1), D: pad(get("getDate", "getUTCDate")),
  };
  if (!format || format === "auto") return `${parts.HH}:${parts.mm}:${parts.ss}`;
  return format.replace(/HH|mm|ss|dd|Y|M|D|d/g, (t) => String(parts[t]));
}

export function chart(ctx) {
  const title = h("div", { class: "ui-chart-title" });
  const drawing = svg("svg", { class: "ui-chart-svg", role: "img" });
  const legend = h("div", { class: "ui-chart-legend" });
  ctx.el.append(title, drawing, legend);
  let data = { series: [], data: [], labels: [] };
  let pending = false;

  const exportValue = () => (data.series.length ? [data] : []);

  function seriesIndex(name) {
    let s = data.series.indexOf(name);
    if (s < 0) { data.series.push(name); s = data.series.length - 1; }
    if (!Array.isArray(data.data[s])) data.data[s] = [];
    return s;
  }

  function apply(value) {
    if (!Array.isArray(value)) return;
    if (value.length === 0) { data = { series: [], data: [], labels: [] }; return; }
    const first = value[0];
    if (first && first.update) {
      if (first.values) { // Dashboard 1's new point: {series, data}, and how many old points went
        const s = seriesIndex(first.values.series);
        data.data[s].push(first.values.data);
        if (first.remove) data.data[s].splice(0, first.remove);
      }
      for (const [name, point] of first.append || []) data.data[seriesIndex(name)].push(point);
      for (const [name, count] of Object.entries(first.remove && typeof first.remove === "object" ? first.remove : {})) {
        const s = data.series.indexOf(name);
        if (s >= 0) data.data[s].splice(0, count);
      }
      for (const [name, label, v] of first.set || []) {
        const s = seriesIndex(name);
        let l = data.labels.indexOf(label);
        if (l < 0) { data.labels.push(label); l = data.labels.length - 1; }
        for (const row of data.data) while (row.length < data.labels.length) row.push(null);
        data.data[s][l] = v;
      }
    } else if (first && first.values) {
      const v = first.values;
      data = { series: [...(v.series || [])], data: (v.data || []).map((row) => (Array.isArray(row) ? [...row] : row)),
        labels: [...(v.labels || [])] };
    }
  }

  // the cell's size, read when it changes: reading it in every draw forces a layout per chart
  let size = null;
  const watcher = new ResizeObserver(() => {
    if (!ctx.el.isConnected) { watcher.disconnect(); return; } // a new layout replaced this chart
    size = [ctx.el.clientWidth, ctx.el.clientHeight];
    schedule();
  });
  watcher.observe(ctx.el);

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    pending = false;
    const item = ctx.item;
    if (!item || !ctx.el.isConnected) return;
    const [w, hgt] = size || [ctx.el.clientWidth, ctx.el.clientHeight];
    const width = Math.max(w, 120);
    const height = Math.max(hgt - 28, 80);
    drawing.setAttribute("viewBox", `0 0 ${width} ${height}`);
    drawing.setAttribute("width", width);
    drawing.setAttribute("height", height);
    drawing.replaceChildren();
    const colours = Array.isArray(item.colors) && item.colors.length ? item.colors : COLOURS;
    const hasData = data.data.some((row) => Array.isArray(row) ? row.length : row !== null && row !== undefined);
    if (!hasData) {
      drawing.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "ui-chart-nodata" },
        item.nodata || ""));
    } else if ((item.look || "line") === "line") drawLine(item, width, height, colours);
    else if (item.look === "bar" || item.look === "horizontalBar") drawBars(item, width, height, colours);
    else if (item.look === "polar-area") drawPolar(drawing, data, width, height, colours);
    else if (item.look === "radar") drawRadar(drawing, data, width, height, colours);
    else drawPie(item, width, height, colours);
    legend.textContent = "";
    if (String(item.legend) === "true") {
      const names = ["line", "bar", "horizontalBar", "radar"].includes(item.look) ? data.series : data.labels;
      names.forEach((name, i) => legend.append(h("span", { class: "ui-chart-key", style: { color: colours[i % colours.length] },
        text: `● ${name}` })));
    }
  }

  function drawLine(item, width, height, colours) {
    const points = data.data.flat().filter((p) => p && typeof p.x === "number");
    const ys = points.map((p) => p.y).filter((y) => typeof y === "number");
    let [x0, x1] = [Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x))];
    if (x0 === x1) { x0 -= 1000; x1 += 1000; }
    let y0 = item.ymin !== "" && item.ymin !== undefined && item.ymin !== null ? Number(item.ymin) : Math.min(...ys);
    let y1 = item.ymax !== "" && item.ymax !== undefined && item.ymax !== null ? Number(item.ymax) : Math.max(...ys);
    if (!Number.isFinite(y0)) y0 = 0;
    if (!Number.isFinite(y1)) y1 = y0 + 1;
    if (y0 === y1) { y0 -= 1; y1 += 1; }
    const left = 40, right = 10, top = 8, bottom = 22;
    const sx = (x) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
    const sy = (y) => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const y = y0 + ((y1 - y0) * i) / 4;
      drawing.append(svg("line", { x1: left, x2: width - right, y1: sy(y), y2: sy(y), class: "ui-chart-grid" }));
      drawing.append(svg("text", { x: left - 4, y: sy(y) + 4, "text-anchor": "end", class: "ui-chart-tick" },
        String(Math.round(y * 100) / 100)));
    }
    for (let i = 0; i <= 3; i++) {
      const x = x0 + ((x1 - x0) * i) / 3;
      drawing.append(svg("text", { x: sx(x), y: height - 6, "text-anchor": "middle", class: "ui-chart-tick" },
        timeLabel(x, item.xformat, item.useUTC)));
    }
    data.data.forEach((row, s) => {
      if (!Array.isArray(row)) return;
      const colour = colours[s % colours.length];
      let segment = [];
      const flush = () => {
        if (segment.length) drawing.append(svg("polyline", { points: segment.join(" "), class: "ui-chart-line", stroke: colour,
          "data-series": String(data.series[s]) }));
        segment = [];
      };
      for (const p of row) {
        if (!p || typeof p.y !== "number") { flush(); continue; }
        segment.push(`${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);
        if (item.dot) drawing.append(svg("circle", { cx: sx(p.x), cy: sy(p.y), r: 2.5, fill: colour }));
      }
      flush();
    });
  }

  function drawBars(item, width, height, colours) {
    const labels = data.labels.length ? data.labels : [""];
    const values = data.data.flat().filter((v) => typeof v === "number");
    const max = Math.max(item.ymax !== "" && item.ymax != null ? Number(item.ymax) : Math.max(...values), 0) || 1;
    const min = Math.min(item.ymin !== "" && item.ymin != null ? Number(item.ymin) : Math.min(...values), 0);
    const horizontal = item.look === "horizontalBar";
    const slots = labels.length * Math.max(data.series.length, 1);
    const room = horizontal ? height - 20 : width - 20;
    const size = room / slots;
    data.series.forEach((_, s) => labels.forEach((label, l) => {
      const v = (data.data[s] || [])[l];
      if (typeof v !== "number") return;
      const at = 10 + (l * data.series.length + s) * size;
      const frac = (v - min) / (max - min || 1);
      const colour = colours[(item.useDifferentColor ? l : s) % colours.length];
      const rect = horizontal
        ? { x: 10, y: at, width: frac * (width - 20), height: size * 0.85 }
        : { x: at, y: height - 20 - frac * (height - 30), width: size * 0.85, height: frac * (height - 30) };
      drawing.append(svg("rect", { ...rect, fill: colour, class: "ui-chart-bar" }));
      if (s === 0) {
        drawing.append(svg("text", horizontal ? { x: 12, y: at + size / 2 + 4, class: "ui-chart-tick" }
          : { x: at + (size * data.series.length) / 2, y: height - 6, "text-anchor": "middle", class: "ui-chart-tick" },
        String(label)));
      }
    }));
  }

  function drawPie(item, width, height, colours) {
    const values = (data.data[0] || []).map((v) => (typeof v === "number" && v > 0 ? v : 0));
    const total = values.reduce((a, b) => a + b, 0) || 1;
    const r = Math.min(width, height) / 2 - 6;
    const [cx, cy] = [width / 2, height / 2];
    let angle = -Math.PI / 2;
    values.forEach((v, i) => {
      const sweep = (v / total) * Math.PI * 2;
      if (!sweep) return;
      const [x1, y1] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
      angle += sweep;
      const [x2, y2] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
      const large = sweep > Math.PI ? 1 : 0;
      const d = sweep >= Math.PI * 2 - 1e-6
        ? `M ${cx - r} ${cy} a ${r} ${r} 0 1 0 ${2 * r} 0 a ${r} ${r} 0 1 0 ${-2 * r} 0`
        : `M ${cx} ${cy} L ${x1} ${y1} A ${r} ${r} 0 ${large} 1 ${x2} ${y2} Z`;
      drawing.append(svg("path", { d, fill: colours[i % colours.length], class: "ui-chart-slice" }));
    });
    if (item.cutout) drawing.append(svg("circle", { cx, cy, r: (r * item.cutout) / 100, class: "ui-chart-hole" }));
  }

  return {
    update(item, event) {
      title.textContent = item.label || "";
      if (event && "value" in event) apply(event.value);
      schedule();
    },
    value: () => exportValue(),
  };
}
