// The comms websocket: subscribe, dispatch {topic, data} events, reconnect with back-off.

const TOPICS = ["status/#", "notification/#", "debug"];

export class Comms {
  /**
   * @param {object} handlers onEvent(topic, data) and onState("connected"|"lost")
   * @param {() => string|null} tokenSource the admin token, if any
   */
  constructor({ onEvent, onState }, tokenSource = () => null) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.tokenSource = tokenSource;
    this.ws = null;
    this.attempts = 0;
    this.timer = null;
    this.state = "connecting";
    this.closed = false;
  }

  url() {
    const url = new URL("comms", document.baseURI);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  connect() {
    this.closed = false;
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch (err) {
      console.error("comms: cannot open websocket", err);
      this._retry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      const token = this.tokenSource();
      if (token) ws.send(JSON.stringify({ auth: token }));
      for (const topic of TOPICS) ws.send(JSON.stringify({ subscribe: topic }));
      this.attempts = 0;
      this._setState("connected");
    });
    ws.addEventListener("message", (event) => this._receive(event.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.closed) this._retry();
    });
  }

  _receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (err) {
      console.error("comms: bad frame", err);
      return;
    }
    if (!Array.isArray(frame)) {
      if (frame && frame.auth === "fail") this.onEvent("auth/fail", frame);
      if (frame && frame.topic) this.onEvent(frame.topic, frame.data);
      return;
    }
    for (const event of frame) {
      if (event && typeof event.topic === "string") this.onEvent(event.topic, event.data);
    }
  }

  _retry() {
    this.attempts += 1;
    this._setState("lost");
    // 1 s for the first ten attempts, then 2 s, then every 5 s.
    const delay = this.attempts <= 10 ? 1000 : this.attempts <= 20 ? 2000 : 5000;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  _setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  /** Reconnect now (the banner's "try now"). */
  retryNow() {
    if (this.ws) return;
    clearTimeout(this.timer);
    this.connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
  }
}
