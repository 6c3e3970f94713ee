// The subflow edit dialog: name, category, colour, icon, description, environment properties
// with types, input (0 or 1) and outputs with the inner nodes each port is wired to, and the
// optional status port. Every control is a plain form field, so it works from the keyboard.

import { clear, h } from "./dom.js";
import { envEditor } from "./env-editor.js";
import { GLYPH_NAMES } from "./icons.js";
import { updateSubflow } from "./subflows.js";

/** Open the dialog for subflow `id`; resolves true when it was saved. */
export function openSubflowDialog(app, id) {
  const { model } = app;
  const sf = model.get(id);
  if (!sf) return Promise.resolve(false);
  const inner = model.all().filter((o) => o.z === id && model.isCanvasNode(o));
  const outsOf = inner.flatMap((n) => Array.from({ length: model.outputsOf(n) }, (_, port) => ({ id: n.id, port, label: `${model.labelOf(n)}${model.outputsOf(n) > 1 ? ` output ${port + 1}` : ""}` })));
  const ins = inner.filter((n) => model.inputsOf(n) > 0);
  const field = (label, control) => h("label", { class: "group-field" }, [h("span", { text: label }), control]);
  const name = h("input", { type: "text", name: "name", value: sf.name || "" });
  const category = h("input", { type: "text", name: "category", value: sf.category || "", placeholder: "subflows" });
  const color = h("input", { type: "color", name: "color", value: /^#[0-9a-f]{6}$/i.test(sf.color || "") ? sf.color : "#dddddd" });
  let colorChanged = false; // a colour the picker cannot show (#abc, rgb(...)) stays unless one is picked
  color.addEventListener("input", () => {
    colorChanged = true;
  });
  // an icon of Node-RED's own (font-awesome/fa-..., file.png) that we have no glyph for is kept
  const own = typeof sf.icon === "string" && sf.icon && !GLYPH_NAMES.includes(sf.icon.replace(/\.(svg|png)$/, "")) ? sf.icon : null;
  const icon = h("select", { name: "icon" }, [h("option", { value: "", text: "(subflow)" }),
    ...(own ? [h("option", { value: own, text: own })] : []), ...GLYPH_NAMES.map((g) => h("option", { value: g, text: g }))]);
  icon.value = own || (sf.icon || "").replace(/\.(svg|png)$/, "");
  const info = h("textarea", { name: "info", rows: 3, value: sf.info || "" });
  const inputs = h("select", { name: "inputs" }, [h("option", { value: "0", text: "0" }), h("option", { value: "1", text: "1" })]);
  inputs.value = String((sf.in || []).length ? 1 : 0);
  const outputs = h("input", { type: "number", name: "outputs", min: 0, max: 32, value: String((sf.out || []).length) });
  const status = h("input", { type: "checkbox", name: "status", checked: Boolean(sf.status) });
  const ports = h("div", { class: "subflow-ports" });
  const wired = {
    in: new Set(((sf.in || [])[0]?.wires || []).map((w) => w.id)),
    out: (sf.out || []).map((p) => new Set((p.wires || []).map((w) => `${w.id}:${w.port || 0}`))),
    status: new Set(((sf.status || {}).wires || []).map((w) => `${w.id}:${w.port || 0}`)),
  };
  const labels = { in: [...(sf.inputLabels || [])], out: [...(sf.outputLabels || [])] };
  const labelField = (kind, i) => h("label", { class: "port-label" }, ["label ", h("input", {
    type: "text", name: `${kind}-label-${i}`, value: labels[kind][i] || "", "aria-label": `${kind === "in" ? "input" : "output"} ${i + 1} label`,
    oninput: (e) => {
      labels[kind][i] = e.target.value;
    },
  })]);
  const checks = (title, items, chosen, attr, label = null) => h("fieldset", { class: "port-wiring", [attr[0]]: attr[1] }, [
    h("legend", { text: title }), label,
    ...(items.length ? items.map((it) => h("label", {}, [h("input", {
      type: "checkbox", value: it.key, checked: chosen.has(it.key),
      onchange: (e) => (e.target.checked ? chosen.add(it.key) : chosen.delete(it.key)),
    }), ` ${it.label}`])) : [h("span", { class: "muted", text: "no node inside can be wired to it" })]),
  ]);
  const drawPorts = () => {
    clear(ports);
    const outItems = outsOf.map((o) => ({ key: `${o.id}:${o.port}`, label: o.label }));
    if (inputs.value === "1") ports.append(checks("input 1 goes to", ins.map((n) => ({ key: n.id, label: model.labelOf(n) })), wired.in, ["data-port-in", "0"], labelField("in", 0)));
    const n = Math.max(0, Math.min(32, Number(outputs.value) || 0));
    while (wired.out.length < n) wired.out.push(new Set());
    for (let i = 0; i < n; i++) ports.append(checks(`output ${i + 1} comes from`, outItems, wired.out[i], ["data-port-out", String(i)], labelField("out", i)));
    if (status.checked) ports.append(checks("status comes from", outItems, wired.status, ["data-port-status", ""]));
  };
  inputs.addEventListener("change", drawPorts);
  outputs.addEventListener("input", drawPorts);
  status.addEventListener("change", drawPorts);
  drawPorts();
  const env = envEditor(sf.env);
  const error = h("div", { class: "field-error", role: "alert" });
  const form = h("form", { method: "dialog", id: "subflow-form" }, [
    h("h2", { text: "Edit subflow" }),
    field("Name", name), field("Category", category), field("Colour", color), field("Icon", icon), field("Description", info),
    h("h3", { text: "Properties (environment)" }),
    env.el,
    h("h3", { text: "Ports" }),
    h("div", { class: "io-row" }, [field("Inputs", inputs), field("Outputs", outputs), h("label", {}, [status, " status output"])]),
    ports, error,
    h("div", { class: "dialog-buttons" }, [
      h("button", { type: "button", text: "Cancel", "data-action": "subflow-cancel", onclick: () => dialog.close() }),
      h("button", { type: "submit", class: "primary", "data-action": "subflow-done", text: "Done" }),
    ]),
  ]);
  const dialog = h("dialog", { id: "subflow-dialog", "aria-label": "Edit subflow" }, [form]);
  return new Promise((resolve) => {
    let saved = false;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      let envList;
      try {
        envList = env.read();
      } catch (err) {
        error.textContent = err.message;
        return;
      }
      const pairs = (set) => [...set].map((k) => {
        const i = k.lastIndexOf(":");
        return { id: k.slice(0, i), port: Number(k.slice(i + 1)) };
      });
      const n = Math.max(0, Math.min(32, Number(outputs.value) || 0));
      app.history.run("edit subflow", () => updateSubflow(model, id, {
        name: name.value.trim() || sf.name, category: category.value.trim(), color: colorChanged ? color.value : sf.color, icon: !icon.value || icon.value === own ? icon.value : `${icon.value}.svg`, info: info.value, env: envList,
        inputs: inputs.value === "1" ? [...wired.in] : null,
        outputs: wired.out.slice(0, n).map(pairs),
        inputLabels: inputs.value === "1" ? labels.in.slice(0, 1) : [],
        outputLabels: labels.out.slice(0, n),
        status: status.checked ? pairs(wired.status) : null,
      }));
      saved = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (saved) {
        app.palette.render();
        app.canvas.reset();
      }
      app.render();
      resolve(saved);
    });
    document.body.append(dialog);
    dialog.showModal();
    name.focus();
  });
}
