// The page's websocket to the runtime (<page>/ws): JSON arrays of events in, single events out.
// Reconnects with a growing delay; every (re)connection starts with the server's hello and layout.

export class DashboardSocket {
  /** @param {(event: object) => void} onEvent  @param {(state: string) => void} onState */
  constructor(onEvent, onState) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.socket = null;
    this.delay = 500;
    this.id = null;
  }

  url() {
    const url = new URL("ws", document.baseURI);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = "";
    url.hash = "";
    return url.href;
  }

  connect() {
    this.onState("connecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.delay = 500;
      this.onState("connected");
    });
    socket.addEventListener("message", (e) => {
      let events;
      try {
        events = JSON.parse(e.data);
      } catch (err) {
        console.error("dashboard: unreadable frame", err);
        return;
      }
      for (const event of Array.isArray(events) ? events : [events]) {
        if (event.type === "hello") this.id = event.socketid;
        try {
          this.onEvent(event);
        } catch (err) {
          console.error("dashboard: event failed", event.type, err);
        }
      }
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.onState("disconnected");
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    });
  }

  /** Send one event, e.g. {type: "update-value", id, value}. */
  send(event) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(event));
      return true;
    }
    return false;
  }
}
