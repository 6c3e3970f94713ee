// Which factory draws which control type (Dashboard 1's control types).

import { button, spacer, text } from "./basic.js";
import { chart } from "./chart.js";
import { buttonGroup, markdown, table } from "./d2.js";
import { colourPicker, datePicker, dropdown, form, numeric, slider, switchWidget, textInput } from "./controls.js";
import { gauge } from "./gauge.js";
import { template } from "./template.js";
import { vueLite } from "./vue_lite.js";

const FACTORIES = {
  text, button, spacer, gauge, chart, slider,
  template: (ctx) => (ctx.item.component !== undefined ? vueLite(ctx) : template(ctx)), numeric, dropdown, form,
  "text-input": textInput, "text-input-CR": textInput, "date-picker": datePicker, "colour-picker": colourPicker,
  "button-group": buttonGroup, markdown, table,
};

/** The factory for a control type (switch styles "switch-*" are switches); undefined when unknown. */
export function factoryFor(type) {
  if (typeof type === "string" && type.startsWith("switch")) return switchWidget;
  return FACTORIES[type];
}

export { template };
