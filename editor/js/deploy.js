// Deploy: the #deploy button (data-state clean|dirty), deploy types, 409 conflicts (merge or
// overwrite) and per-node errors from the server.

import { ask, notify } from "./dom.js";
import { ApiError } from "./api.js";

export class Deployer {
  /** @param {HTMLButtonElement} button #deploy  @param {HTMLSelectElement} typeSelect  @param {object} app */
  constructor(button, typeSelect, app) {
    this.app = app;
    this.button = button;
    this.typeSelect = typeSelect;
    this.busy = false;
    this.ownRevisions = new Set();
    button.addEventListener("click", () => this.deploy());
  }

  refresh() {
    const dirty = this.app.model.isDirty();
    this.button.dataset.state = dirty ? "dirty" : "clean";
    this.button.setAttribute("aria-label", dirty ? "Deploy (unsaved changes)" : "Deploy (no changes)");
    this.button.classList.toggle("busy", this.busy);
  }

  /** Deploy the current flows; `force` omits rev and overwrites whatever the server has. */
  async deploy({ force = false } = {}) {
    if (this.busy) return;
    const { model, api } = this.app;
    const type = this.typeSelect.value || "full";
    this.busy = true;
    this.refresh();
    try {
      const result = await api.deploy(model.deploySet(), force ? null : model.rev, type);
      const rev = result && result.rev ? result.rev : null;
      if (rev) this.ownRevisions.add(rev);
      model.markDeployed(rev);
      this.app.serverProblems = new Map();
      this.app.revalidate();
      notify(`Deployed${rev ? ` (rev ${rev.slice(0, 8)})` : ""}`, "success");
    } catch (err) {
      await this.failed(err);
    } finally {
      this.busy = false;
      this.app.render();
    }
  }

  async failed(err) {
    if (!(err instanceof ApiError)) {
      notify(`Deploy failed: ${err.message}`, "error");
      return;
    }
    if (err.status === 409) {
      const answer = await ask(
        "Deploy conflict",
        "The flows on the server changed since you loaded them (someone else deployed). Merge their changes with yours, overwrite them with yours, or cancel.",
        [
          { label: "Cancel", value: "cancel", action: "conflict-cancel" },
          { label: "Merge", value: "merge", action: "conflict-merge" },
          { label: "Overwrite", value: "overwrite", action: "conflict-overwrite", primary: true },
        ],
      );
      if (answer === "merge") await this.merge();
      else if (answer === "overwrite") {
        this.busy = false;
        await this.deploy({ force: true });
      }
      return;
    }
    const problems = (err.body && (err.body.errors || err.body.problems)) || [];
    if (problems.length) {
      const byNode = new Map();
      for (const p of problems) {
        const id = p.id || p.node_id || p.node;
        if (!id) continue;
        if (!byNode.has(id)) byNode.set(id, []);
        byNode.get(id).push({ property: p.property || p.path || null, message: p.message || String(p) });
      }
      this.app.serverProblems = byNode;
      this.app.revalidate();
    }
    notify(`Deploy refused: ${err.message}`, "error");
  }

  /** Three-way merge: remote state, plus every object we changed or deleted since our base. */
  async merge() {
    const { model, api } = this.app;
    const remote = await api.flows();
    const local = new Map(model.items);
    const base = model.base;
    const merged = new Map(remote.flows.map((o) => [o.id, o]));
    for (const [id, o] of local) {
      const { credentials, ...plain } = o;
      if (base.get(id) !== JSON.stringify(plain) + (credentials ? JSON.stringify(credentials) : "")) merged.set(id, o);
    }
    for (const id of base.keys()) if (!local.has(id)) merged.delete(id);
    const pending = [...merged.values()];
    model.load(remote.flows, remote.rev);
    this.app.history.run("merge", () => model.restore(JSON.stringify(pending)));
    this.app.afterLoad(false);
    notify("Merged the server's changes with yours; deploy to apply them.", "info");
  }

  /**
   * comms notification/runtime-deploy: someone (maybe us) deployed. Like Node-RED, nothing is
   * replaced behind the user's back: a clean editor offers a reload, a dirty one a merge.
   */
  remoteDeployed(revision) {
    const { model } = this.app;
    if (this.busy) return;
    if (!revision || revision === model.rev || this.ownRevisions.has(revision) || revision === this.noticed) return;
    this.noticed = revision;
    if (!model.isDirty()) {
      notify("The flows were updated on the server.", "warn", { label: "Reload", name: "reload-flows", run: () => this.app.reload() });
    } else {
      notify("The flows were updated on the server; deploying will offer to merge.", "warn", { label: "Merge now", name: "merge-flows", run: () => this.merge() });
    }
  }
}
