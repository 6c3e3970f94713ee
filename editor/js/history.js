// Undo/redo over bounded snapshots of the flow model. Never touches the DOM.

export class History {
  /**
   * @param {import("./model.js").FlowModel} model
   * @param {number} limit how many steps are kept
   */
  constructor(model, limit = 100) {
    this.model = model;
    this.limit = limit;
    this.undoStack = [];
    this.redoStack = [];
  }

  /** Run `fn` as one undoable step called `label`; returns what fn returns. */
  run(label, fn) {
    const before = this.model.snapshot();
    const result = fn();
    if (this.model.snapshot() !== before) {
      this.undoStack.push({ label, snapshot: before });
      if (this.undoStack.length > this.limit) this.undoStack.shift();
      this.redoStack = [];
    }
    return result;
  }

  /**
   * Run `fn` as part of the last step (putting down what that step just pasted): no step of its
   * own, so one undo takes back both. With no step yet it runs as a step called `label`.
   */
  amend(fn, label = "edit") {
    if (!this.undoStack.length) return this.run(label, fn);
    const result = fn();
    this.redoStack = [];
    return result;
  }

  canUndo() {
    return this.undoStack.length > 0;
  }

  canRedo() {
    return this.redoStack.length > 0;
  }

  /** Undo the last step; returns its label or null. */
  undo() {
    const step = this.undoStack.pop();
    if (!step) return null;
    this.redoStack.push({ label: step.label, snapshot: this.model.snapshot() });
    this.model.restore(step.snapshot);
    return step.label;
  }

  /** Redo the last undone step; returns its label or null. */
  redo() {
    const step = this.redoStack.pop();
    if (!step) return null;
    this.undoStack.push({ label: step.label, snapshot: this.model.snapshot() });
    this.model.restore(step.snapshot);
    return step.label;
  }

  clear() {
    this.undoStack = [];
    this.redoStack = [];
  }
}
