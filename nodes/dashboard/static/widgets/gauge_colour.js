// The colour of a gauge's level, as the dashboards draw it.
// Dashboard 1 (node-red-dashboard, drawn by JustGage): with both seg1 and seg2 set, the colour of the
// sector the value is in (min..seg1, seg1..seg2, seg2..max, bounds included, the first that fits);
// otherwise a gradient through the node's colours: the value's place between min and max blends the
// two colours around it, channel by channel (rounded down), written as "rgb(r,g,b)".
// Dashboard 2: the colour of the last segment whose start the value has reached.

function channels(colour) {
  const hex = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(colour).trim());
  if (!hex) return null;
  const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join("") : hex[1];
  return [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16));
}

const rgb = (c) => `rgb(${c.join(",")})`;

/** The colour at `pct` (0..1) of a gradient through `colours` (evenly spaced); non-hex colours are not
 * blended (the nearer stop's colour is used). */
export function gradientColour(colours, pct) {
  if (colours.length === 1) return colours[0];
  const p = Math.min(Math.max(pct, 0), 1);
  const step = 1 / (colours.length - 1);
  const upper = Math.max(1, Math.ceil(p / step - 1e-12));
  const lowerColour = channels(colours[upper - 1]);
  const upperColour = channels(colours[upper]);
  const within = (p - (upper - 1) * step) / step;
  if (!lowerColour || !upperColour) return within < 0.5 ? colours[upper - 1] : colours[upper];
  if (p === 0) return rgb(lowerColour);
  return rgb(lowerColour.map((lo, i) => Math.floor(lo * (1 - within) + upperColour[i] * within)));
}

/** Dashboard 1's sector colour when no sector holds the value: the colours as equal steps. */
function steppedColour(colours, pct) {
  const index = Math.min(Math.max(Math.ceil(pct * colours.length) - 1, 0), colours.length - 1);
  const c = channels(colours[index]);
  return c ? rgb(c) : colours[index];
}

/** The level colour for `value` on the gauge `item` ({min, max, colors, seg1, seg2, reverse} or
 * Dashboard 2's {sectors}). */
export function levelColour(item, value) {
  const min = Number(item.min ?? 0);
  const max = Number(item.max ?? 10);
  const v = Math.min(Math.max(value, min), max);
  if (Array.isArray(item.sectors) && item.sectors.length) {
    const sorted = [...item.sectors].filter((s) => Number.isFinite(Number(s.from))).sort((a, b) => a.from - b.from);
    const band = [...sorted].reverse().find((s) => v >= Number(s.from)) || sorted[0];
    return band ? band.color : "#888";
  }
  let colours = Array.isArray(item.colors) && item.colors.length ? [...item.colors] : ["#00B500", "#E6E600", "#CA3838"];
  if (item.reverse) colours = colours.reverse();
  const pct = max === min ? 0 : (v - min) / (max - min);
  const s1 = Number.parseFloat(item.seg1);
  const s2 = Number.parseFloat(item.seg2);
  if (Number.isFinite(s1) && Number.isFinite(s2)) {
    const ranges = [[min, s1, colours[0]], [s1, s2, colours[1]], [s2, max, colours[2]]];
    const range = ranges.find(([lo, hi]) => v >= lo && v <= hi);
    if (range && range[2] !== undefined) return range[2];
    return pct === 0 ? gradientColour(colours, 0) : steppedColour(colours, pct);
  }
  return gradientColour(colours, pct);
}
