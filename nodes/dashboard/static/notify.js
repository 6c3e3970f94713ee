// Notifications (ui_toast), dialogs with their answer sent back, and audio (ui_audio).
// Messages are shown as text unless the node set `raw`. Sound stays off until the user turns it
// on in the toolbar (browsers also refuse to play before the page has been touched).

import { h } from "./widgets/basic.js";

function setMessage(el, toast) {
  if (toast.raw === true) el.innerHTML = String(toast.message ?? "");
  else el.textContent = typeof toast.message === "object" ? JSON.stringify(toast.message) : String(toast.message ?? "");
}

/** Show a `show-toast` event; dialogs send {id, value: toast} back with msg.payload = the answer. */
export function showToast(toast, send) {
  if (toast.dialog) {
    showDialog(toast, send);
    return;
  }
  if (!("message" in toast) && !("title" in toast)) return;
  const box = document.getElementById("toasts");
  const el = h("div", { class: `ui-toast ${toast.toastClass || ""}`, role: "status", "data-ui-toast": toast.id,
    "data-position": toast.position || "top right" });
  if (toast.highlight) el.style.borderColor = toast.highlight;
  if (toast.title) el.append(h("div", { class: "ui-toast-title", text: String(toast.title) }));
  const body = h("div", { class: "ui-toast-body" });
  setMessage(body, toast);
  el.append(body);
  box.dataset.position = toast.position || "top right";
  box.append(el);
  // Dashboard 2's notification: dismiss/confirm buttons, and its closing sent back as msg.payload
  const closing = toast.dismiss || toast.confirm || toast.displayTime === 0;
  let open = true;
  const close = (payload) => {
    if (!open) return;
    open = false;
    el.remove();
    if (closing) send({ msg: toast.msg || {}, payload });
  };
  if (toast.dismiss || toast.confirm) {
    const buttons = h("div", { class: "ui-toast-buttons" });
    for (const [text, payload] of [[toast.dismiss, "dismiss_clicked"], [toast.confirm, "confirm_clicked"]]) {
      if (!text) continue;
      const button = h("button", { type: "button", text: String(text), "data-action": payload });
      button.addEventListener("click", () => close(payload));
      buttons.append(button);
    }
    el.append(buttons);
  }
  if (toast.displayTime === 0 && closing) return; // Dashboard 2: 0 stays until dismissed
  const time = toast.message === "" ? 1 : Number(toast.displayTime) || 3000;
  setTimeout(() => close("timeout"), time);
}

function showDialog(toast, send) {
  document.querySelectorAll(`dialog[data-ui-toast="${CSS.escape(String(toast.id))}"]`).forEach((d) => d.remove());
  if (toast.message === "") return; // an empty message closes the dialog
  const dialog = h("dialog", { class: `ui-dialog ${toast.toastClass || ""}`, "data-ui-toast": toast.id });
  if (toast.title) dialog.append(h("h2", { text: String(toast.title) }));
  const body = h("div", { class: "ui-dialog-body" });
  setMessage(body, toast);
  dialog.append(body);
  const input = toast.prompt ? h("input", { type: "text", class: "ui-dialog-input" }) : null;
  if (input) dialog.append(input);
  const buttons = h("div", { class: "ui-dialog-buttons" });
  const answer = (payload) => {
    const msg = { ...(toast.msg || {}), payload };
    send({ ...toast, msg });
    dialog.close();
    dialog.remove();
  };
  const inner = toast.msg || {};
  if (toast.cancel) {
    const cancel = h("button", { type: "button", "data-action": "cancel", text: inner.cancel || toast.cancel });
    cancel.addEventListener("click", () => answer(toast.cancel));
    buttons.append(cancel);
  }
  const ok = h("button", { type: "button", "data-action": "ok", text: inner.ok || toast.ok || "OK" });
  ok.addEventListener("click", () => answer(input ? input.value : toast.ok));
  buttons.append(ok);
  dialog.append(buttons);
  document.body.append(dialog);
  dialog.showModal();
}

export class Speaker {
  constructor(send) {
    this.send = send;
    this.enabled = false;
    this.audio = null;
  }

  play(event, currentTab) {
    if (event.reset) {
      if (this.audio) this.audio.pause();
      if ("speechSynthesis" in window) window.speechSynthesis.cancel();
      return;
    }
    if (!this.enabled) return;
    if (!event.always && event.tabname && currentTab && event.tabname !== currentTab) return;
    const volume = typeof event.vol === "number" ? Math.min(event.vol / 100, 1) : 1;
    if (event.audio) {
      this.audio = new Audio(`data:audio/*;base64,${event.audio}`);
      this.audio.volume = volume;
      this.audio.onended = () => this.send({ type: "ui-audio", status: "complete" });
      this.audio.play().then(() => this.send({ type: "ui-audio", status: "playing" }),
        (err) => this.send({ type: "ui-audio", status: `error: ${err.message}` }));
    } else if (typeof event.tts === "string" && "speechSynthesis" in window) {
      const words = new SpeechSynthesisUtterance(event.tts);
      const voices = window.speechSynthesis.getVoices();
      if (voices[Number(event.voice)]) words.voice = voices[Number(event.voice)];
      words.volume = volume;
      words.onend = () => this.send({ type: "ui-audio", status: "complete" });
      window.speechSynthesis.speak(words);
    }
  }
}
