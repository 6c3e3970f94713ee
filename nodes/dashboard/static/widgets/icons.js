// Icon names (Material Design, mdi-*, fa-*, wi-*) as symbols: the page loads no icon font, so the
// common names get a Unicode symbol and the others their name's first letter.

const SYMBOLS = {
  home: "⌂", dashboard: "▦", settings: "⚙", cog: "⚙", gear: "⚙", power: "⏻", "power-off": "⏻", power_settings_new: "⏻",
  lightbulb: "💡", "lightbulb-o": "💡", light: "💡", lamp: "💡", thermometer: "🌡", "thermometer-half": "🌡", temperature: "🌡",
  water: "💧", tint: "💧", opacity: "💧", fire: "🔥", whatshot: "🔥", fan: "✇", toys: "✇", bolt: "⚡", flash_on: "⚡",
  "flash": "⚡", play: "▶", play_arrow: "▶", stop: "■", pause: "❚❚", refresh: "↻", replay: "↻", sync: "↻",
  check: "✓", done: "✓", close: "✕", clear: "✕", times: "✕", add: "+", plus: "+", remove: "−", minus: "−",
  warning: "⚠", "exclamation-triangle": "⚠", error: "⚠", info: "ℹ", "info-circle": "ℹ", notifications: "🔔", bell: "🔔",
  alarm: "⏰", schedule: "⏱", clock: "⏱", "clock-o": "⏱", timer: "⏱", event: "📅", calendar: "📅", lock: "🔒",
  lock_open: "🔓", unlock: "🔓", person: "👤", user: "👤", people: "👥", users: "👥", wifi: "📶", signal: "📶",
  "battery-full": "🔋", battery_full: "🔋", battery: "🔋", cloud: "☁", sun: "☀", "sun-o": "☀", wb_sunny: "☀",
  moon: "☾", "moon-o": "☾", star: "★", favorite: "♥", heart: "♥", search: "⌕", menu: "☰", bars: "☰", list: "☰",
  link: "🔗", open_in_browser: "↗", "external-link": "↗", send: "➤", "paper-plane": "➤", chart: "📈", "line-chart": "📈",
  show_chart: "📈", "bar-chart": "📊", insert_chart: "📊", delete: "🗑", trash: "🗑", edit: "✎", pencil: "✎",
  arrow_upward: "↑", "arrow-up": "↑", arrow_downward: "↓", "arrow-down": "↓", volume_up: "🔊", "volume-up": "🔊",
};

/** The symbol shown for an icon name (e.g. "fa-home", "mdi-lightbulb", "power_settings_new"). */
export function iconSymbol(name) {
  const bare = String(name || "").trim().toLowerCase().replace(/^(fa|mdi|mi|wi-[a-z]+)[-_ ]/, "").replace(/^fa /, "");
  if (!bare) return "";
  return SYMBOLS[bare] ?? SYMBOLS[bare.replace(/-/g, "_")] ?? SYMBOLS[bare.replace(/_/g, "-")] ?? bare.replace(/[-_]/g, " ").trim()[0].toUpperCase();
}
