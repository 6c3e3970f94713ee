// Deploy: the #deploy button (data-state clean|dirty), deploy types, 409 conflicts (merge or
// overwrite) and per-node errors from the server.

import { ask, h, notify } from "./dom.js";
import { ApiError } from "./api.js";

const DEPLOY_TYPE_KEY = "flowengine.deployType";

export class Deployer {
  /** @param {HTMLButtonElement} button #deploy  @param {HTMLSelectElement} typeSelect  @param {object} app */
  constructor(button, typeSelect, app) {
    this.app = app;
    this.button = button;
    this.typeSelect = typeSelect;
    // "Modified nodes" unless the user chose otherwise (kept per browser): a deploy then restarts
    // only what changed, so timers, connections and queued messages elsewhere survive it
    const chosen = localStorage.getItem(DEPLOY_TYPE_KEY);
    if (chosen && [...typeSelect.options].some((o) => o.value === chosen)) typeSelect.value = chosen;
    // the menu's last entry is an action, as in Node-RED's deploy menu: it restarts and the type stays
    typeSelect.append(h("option", { value: "reload", text: "Restart flows", "data-action": "restart-flows-option" }));
    let kept = typeSelect.value;
    typeSelect.addEventListener("change", () => {
      if (typeSelect.value === "reload") {
        typeSelect.value = kept;
        this.restart();
        return;
      }
      kept = typeSelect.value;
      localStorage.setItem(DEPLOY_TYPE_KEY, typeSelect.value);
    });
    this.busy = false;
    this.ownRevisions = new Set();
    button.addEventListener("click", () => this.deploy());
    // Node-RED's "Restart flows": the runtime stops and starts the deployed flows, nothing is sent
    this.restartButton = h("button", {
      type: "button", "data-action": "restart-flows", title: "Restart flows (the deployed ones)", "aria-label": "Restart flows",
      text: "⟳", onclick: () => this.restart(),
    });
    typeSelect.after(this.restartButton);
  }

  /** POST /flows with Node-RED-Deployment-Type: reload. */
  async restart() {
    if (this.busy) return;
    this.busy = true;
    this.refresh();
    try {
      const { body } = await this.app.api.request("POST", "flows", { headers: { "Node-RED-Deployment-Type": "reload" } });
      if (body && body.rev) this.ownRevisions.add(body.rev);
      notify(this.app.model.isDirty() ? "Flows restarted (the deployed version: your changes are not deployed yet)" : "Flows restarted", "success");
    } catch (err) {
      notify(`Restart failed: ${err.message}`, "error");
    } finally {
      this.busy = false;
      this.refresh();
    }
  }

  /** Types no node package provides (Node-RED asks before deploying them). */
  unknownTypes() {
    const { model } = this.app;
    const unknown = model.all().filter((o) => model.isCanvasNode(o) && !model.types.has(o.type) && !model.subflowOf(o) && o.type !== "junction");
    return [...new Set(unknown.map((o) => o.type))].sort();
  }

  /** The dialog naming the unknown types; true when the user deploys anyway. */
  async confirmUnknown() {
    const types = this.unknownTypes();
    if (!types.length) return true;
    const answer = await ask(
      "Unknown node types",
      `The flows contain node types that no installed node package provides: ${types.join(", ")}. ` +
        "The runtime will not start any flow until they are installed or those nodes are removed. Deploy anyway?",
      [
        { label: "Cancel", value: "cancel", action: "deploy-unknown-cancel" },
        { label: "Deploy anyway", value: "deploy", action: "deploy-unknown-confirm", primary: true },
      ],
    );
    return answer === "deploy";
  }

  /** Take away the "updated on the server" notices once the editor holds the server's flows. */
  dismissRemoteNotices() {
    for (const b of document.querySelectorAll("#notices [data-action='reload-flows'], #notices [data-action='merge-flows']")) {
      b.closest(".notice")?.remove();
    }
  }

  refresh() {
    const dirty = this.app.model.isDirty();
    this.button.dataset.state = dirty ? "dirty" : "clean";
    this.button.setAttribute("aria-label", dirty ? "Deploy (unsaved changes)" : "Deploy (no changes)");
    this.button.classList.toggle("busy", this.busy);
  }

  /** Deploy the current flows; `force` omits rev and overwrites whatever the server has. */
  async deploy({ force = false, confirmed = false } = {}) {
    if (this.busy) return;
    const { model, api } = this.app;
    if (!confirmed && !(await this.confirmUnknown())) return;
    const type = this.typeSelect.value || "nodes";
    this.busy = true;
    this.refresh();
    try {
      const result = await api.deploy(model.deploySet(), force ? null : model.rev, type);
      const rev = result && result.rev ? result.rev : null;
      if (rev) this.ownRevisions.add(rev);
      model.markDeployed(rev);
      this.dismissRemoteNotices();
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
        await this.deploy({ force: true, confirmed: true });
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

  /**
   * Three-way merge: remote state, plus every object we changed or deleted since our base. When
   * both sides changed the same object ours wins, and the user is told which objects those were
   * (notice and aria-live), with a button that shows the first one.
   */
  async merge() {
    const { model, api } = this.app;
    const remote = await api.flows();
    const local = new Map(model.items);
    const base = model.base;
    const merged = new Map(remote.flows.map((o) => [o.id, o]));
    for (const [id, o] of local) {
      if (base.get(id) !== signature(o)) merged.set(id, o);
    }
    for (const id of base.keys()) if (!local.has(id)) merged.delete(id);
    const conflicts = conflictsOf(base, local, new Map(remote.flows.map((o) => [o.id, o])));
    const pending = [...merged.values()];
    model.load(remote.flows, remote.rev);
    this.app.history.run("merge", () => model.restore(JSON.stringify(pending)));
    this.app.afterLoad(false);
    if (!conflicts.length) {
      notify("Merged the server's changes with yours; deploy to apply them.", "info");
      return;
    }
    const names = conflicts.slice(0, 5).map((c) => `${model.labelOf(c.obj)} (${c.obj.type} ${c.id}): ${c.outcome}`);
    const more = conflicts.length > 5 ? `; and ${conflicts.length - 5} more` : "";
    const count = `${conflicts.length} node${conflicts.length === 1 ? " was" : "s were"} changed both here and on the server`;
    const shown = conflicts.find((c) => model.get(c.id) && model.isCanvasNode(model.get(c.id)));
    notify(
      `Merged the server's changes with yours. ${count}, and your side was kept: ${names.join("; ")}${more}. Check them, then deploy.`,
      "warn",
      shown ? { label: "Show", name: "show-conflict", run: () => this.app.reveal(shown.id) } : null,
    );
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

/** The model's change signature of an object (as FlowModel.base holds it). */
function signature(o) {
  const { credentials, ...plain } = o;
  return JSON.stringify(plain) + (credentials ? JSON.stringify(credentials) : "");
}

/** Objects changed since `base` on both sides, differently: [{id, obj, outcome}]. */
function conflictsOf(base, local, remote) {
  const out = [];
  for (const id of new Set([...base.keys(), ...local.keys()])) {
    const was = base.get(id);
    const mine = local.get(id);
    const theirs = remote.get(id);
    const mineSig = mine ? signature(mine) : undefined;
    const theirSig = theirs ? signature(theirs) : undefined;
    if (mineSig === was || theirSig === was) continue;
    if (mine && theirs && signature({ ...mine, credentials: undefined }) === theirSig) continue; // same edit
    const outcome = !mine ? "you deleted it, the server changed it: deleted"
      : !theirs ? "the server deleted it, you changed it: kept"
        : "your version kept";
    out.push({ id, obj: mine || theirs, outcome });
  }
  return out;
}
