// The node inspector (#inspector): a modal form generated from the type's JSON schema, credential
// fields, keyboard wiring ("connections") and help. Config nodes open in a stacked dialog.

import { h } from "./dom.js";
import { adjust, coreControl, decorate, hiddenFor } from "./core-editors.js";
import { configRefControl, credentialsSection, modelControl, refTypeFor } from "./refs.js";
import { buildForm } from "./schema-form.js";
import { buildCustomForm, formFor } from "./forms.js";
import { enhanceCodeFields } from "./code-editor.js";
import { renderHelp } from "./help-format.js";

export class Inspector {
  constructor(app) {
    this.app = app;
  }

  /** Open the inspector of an existing node (main dialog). */
  open(id) {
    const node = this.app.model.get(id);
    if (!node) return;
    if (document.getElementById("inspector")) return;
    this.edit(node, { main: true }).then(() => this.app.render());
  }

  /**
   * Edit `node` (or a new config node of `type` when node is null) in a modal dialog.
   * Resolves with the id of the saved node, or null when cancelled.
   */
  edit(node, { main = false, type = null } = {}) {
    const { model } = this.app;
    const nodeType = node ? node.type : type;
    const sf = node ? model.subflowOf(node) : null;
    const def = model.types.get(nodeType) || { type: nodeType, schema: null, credentials: {}, module: "" };
    const base = def.schema && def.schema.properties ? def.schema : { type: "object", properties: {} };
    const schema = base.properties.name ? base : { ...base, properties: { name: { type: "string" }, ...base.properties } };
    const value = node ? structuredClone(node) : { type: nodeType };
    const hidden = hiddenFor(nodeType, schema);
    let configRef = null;
    let modelCtl = null;
    const hooks = {
      hidden,
      special: (key, propSchema, v) => {
        const core = coreControl(nodeType, key, value, def);
        if (core) return core;
        const refType = refTypeFor(model, def, key, propSchema || {}, v);
        if (refType && refType !== nodeType) {
          const ctl = configRefControl(this.app, refType, key, v, (cid, t) => this.editConfig(cid, t));
          if (!configRef) configRef = ctl;
          return ctl;
        }
        if (key === "model" && def.module === "openai") {
          modelCtl = modelControl(this.app, key, v, () => (configRef ? configRef.get() : ""), enumValues(propSchema));
          return modelCtl;
        }
        return null;
      },
    };
    const custom = formFor(nodeType, def);
    const form = custom ? buildCustomForm(nodeType, { app: this.app, node, value, def, schema, hooks, editConfig: (cid, t) => this.editConfig(cid, t) })
      : buildForm(schema, value, hooks);
    const taken = new Set(Object.keys(schema.properties || {}));
    const creds = node || type ? credentialsSection(this.app, node || { type: nodeType, id: "" }, def.credentials, taken) : null;
    const wiring = node && main && model.isCanvasNode(node) ? this.connections(node) : null;
    const title = `${node ? "Edit" : "Add"} ${sf ? `subflow ${sf.name || sf.id}` : def.label || nodeType} ${model.isConfig(value) ? "config " : ""}node`;
    const errors = h("div", { class: "inspector-errors", role: "alert" });
    const doneAction = main ? "inspector-done" : "config-done";
    const dialog = h("dialog", { id: main ? "inspector" : "config-inspector", class: "inspector", "aria-label": title });
    const formEl = h("form", { method: "dialog", novalidate: true }, [
      h("h2", { text: title }),
      h("p", { class: "inspector-type", text: `type ${nodeType}${node ? ` · id ${node.id}` : ""}` }),
      errors,
      form.el,
      creds ? creds.el : null,
      wiring ? wiring.el : null,
      def.help ? h("details", { class: "help" }, [h("summary", { text: "Help" }), renderHelp(def.help)]) : null,
      h("div", { class: "dialog-buttons" }, [
        node && main ? h("button", { type: "button", class: "danger", "data-action": "inspector-delete", text: "Delete" }) : null,
        h("button", { type: "button", "data-action": main ? "inspector-cancel" : "config-cancel", text: "Cancel" }),
        h("button", { type: "submit", class: "primary", "data-action": doneAction, text: "Done" }),
      ]),
    ]);
    dialog.append(formEl);
    document.body.append(dialog);
    if (!custom) decorate(nodeType, form.el);
    enhanceCodeFields(form.el, { app: this.app, node: value });
    const showProblems = (stored = []) => {
      const own = form.validate();
      const problems = [...own, ...stored.filter((x) => !own.some((p) => p.property === x.property))];
      for (const el of formEl.querySelectorAll("[data-error-for]")) el.textContent = "";
      for (const el of formEl.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      const loose = [];
      for (const p of problems) {
        const top = String(p.property || "").split(".")[0];
        const slot = formEl.querySelector(`[data-error-for="${CSS.escape(p.property || "")}"]`) ||
          formEl.querySelector(`[data-error-for="${CSS.escape(top)}"]`);
        const input = formEl.querySelector(`[name="${CSS.escape(p.property || "")}"]`);
        if (input) input.setAttribute("aria-invalid", "true");
        if (slot) slot.textContent = [slot.textContent, `${p.property}: ${p.message}`].filter(Boolean).join("; ");
        else loose.push(`${p.property || "node"}: ${p.message}`);
      }
      errors.textContent = loose.join("\n");
      return problems;
    };
    formEl.addEventListener("input", () => showProblems());
    formEl.addEventListener("change", () => showProblems());
    // On opening, also say what is wrong with the stored values (a number field cannot show "hot").
    showProblems(main && node ? this.app.problems.get(node.id) || [] : []);
    if (modelCtl) {
      modelCtl.load();
      if (configRef) configRef.focusEl.addEventListener("change", () => modelCtl.load());
    }
    return new Promise((resolve) => {
      let result = null;
      const finish = () => {
        dialog.close();
      };
      formEl.querySelector(`[data-action="${main ? "inspector-cancel" : "config-cancel"}"]`).addEventListener("click", finish);
      const del = formEl.querySelector("[data-action='inspector-delete']");
      if (del) {
        del.addEventListener("click", () => {
          this.app.history.run("delete", () => model.removeNodes([node.id]));
          finish();
        });
      }
      formEl.addEventListener("submit", (e) => {
        const blocking = form.problems();
        if (blocking.length) {
          e.preventDefault();
          showProblems();
          errors.textContent = blocking.map((p) => `${p.property}: ${p.message}`).join("\n");
          return;
        }
        const props = custom ? form.get() : adjust(nodeType, form.get());
        const credentials = creds ? creds.get() : {};
        result = this.app.history.run(node ? "edit" : "add config", () => {
          if (!node) return model.addConfig(nodeType, { ...props, ...(Object.keys(credentials).length ? { credentials } : {}) }).id;
          model.updateNode(node.id, props, credentials);
          if (form.apply) form.apply(model);
          if (wiring) wiring.apply();
          return node.id;
        });
      });
      dialog.addEventListener("close", () => {
        dialog.remove();
        resolve(result);
        if (main) this.app.focusNode(node && model.get(node.id) ? node.id : null);
      });
      dialog.showModal();
      const first = formEl.querySelector("input:not([type=hidden]):not([readonly]), select, textarea");
      if (first) first.focus();
    });
  }

  editConfig(id, type) {
    const node = id ? this.app.model.get(id) : null;
    return this.edit(node, { type });
  }

  /** Keyboard wiring: per output, the current targets (removable) and a select to add one. */
  connections(node) {
    const { model } = this.app;
    const outputs = model.outputsOf(node);
    const wires = (node.wires || []).map((t) => [...(t || [])]);
    const box = h("fieldset", { class: "connections" }, [h("legend", { text: "Connections" })]);
    if (!outputs) return null;
    const targets = model.nodesOn(node.z).filter((n) => n.id !== node.id && model.inputsOf(n) > 0);
    const draw = () => {
      box.replaceChildren(h("legend", { text: "Connections" }));
      for (let port = 0; port < outputs; port++) {
        const list = h("ul", { class: "wire-list" });
        for (const dst of wires[port] || []) {
          const other = model.get(dst);
          list.append(h("li", {}, [
            h("span", { text: `→ ${other ? model.labelOf(other) : dst}` }),
            h("button", {
              type: "button", class: "small", text: "remove", "aria-label": `remove wire to ${other ? model.labelOf(other) : dst}`,
              onclick: () => {
                wires[port] = wires[port].filter((d) => d !== dst);
                draw();
              },
            }),
          ]));
        }
        const sel = h("select", { "aria-label": `connect output ${port + 1} to`, name: `wire-out-${port}` }, [
          h("option", { value: "", text: "connect to…" }),
          ...targets.filter((t) => !(wires[port] || []).includes(t.id)).map((t) => h("option", { value: t.id, text: `${model.labelOf(t)} (${t.type})` })),
        ]);
        sel.addEventListener("change", () => {
          if (!sel.value) return;
          wires[port] = [...(wires[port] || []), sel.value];
          draw();
        });
        box.append(h("div", { class: "field" }, [h("span", { class: "field-label", text: `output ${port + 1}` }), list, sel]));
      }
    };
    draw();
    return {
      el: box,
      apply: () => {
        const current = model.get(node.id);
        (current.wires || []).forEach((t, port) => {
          for (const dst of t) if (!(wires[port] || []).includes(dst)) model.disconnect(node.id, port, dst);
        });
        wires.forEach((t, port) => {
          for (const dst of t) if (!(current.wires[port] || []).includes(dst)) model.connect(node.id, port, dst);
        });
      },
    };
  }
}

function enumValues(schema) {
  const out = [];
  const walk = (s) => {
    if (!s || typeof s !== "object") return;
    if (Array.isArray(s.enum)) out.push(...s.enum.filter((e) => typeof e === "string"));
    for (const v of [...(s.anyOf || []), ...(s.oneOf || [])]) walk(v);
  };
  walk(schema);
  return out;
}
