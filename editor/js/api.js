// The admin HTTP API (Node-RED compatible) as small fetch wrappers. Paths are relative to the
// admin root the editor is served from.

const TOKEN_KEY = "flowengine-token";

export class ApiError extends Error {
  constructor(status, body) {
    const message = (body && (body.message || body.error_description || body.error)) || `HTTP ${status}`;
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class Api {
  constructor(base = "") {
    this.base = base;
  }

  get token() {
    return localStorage.getItem(TOKEN_KEY);
  }

  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  }

  /** Send a request; resolves with {status, body}; rejects with ApiError on HTTP >= 400. */
  async request(method, path, { body, headers = {} } = {}) {
    const init = { method, headers: { "Node-RED-API-Version": "v2", ...headers } };
    if (this.token) init.headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(this.base + path, init);
    const text = await response.text();
    let data = text;
    if (text && (response.headers.get("content-type") || "").includes("json")) {
      try {
        data = JSON.parse(text);
      } catch (err) {
        data = { message: `bad JSON from server: ${err.message}` };
      }
    }
    if (response.status >= 400) throw new ApiError(response.status, data);
    return { status: response.status, body: data };
  }

  async flows() {
    const { body } = await this.request("GET", "flows");
    return Array.isArray(body) ? { flows: body, rev: null } : body;
  }

  /** Deploy flows; type is full|nodes|flows; rev null forces (overwrites). */
  async deploy(flows, rev, type = "full") {
    const payload = { flows };
    if (rev) payload.rev = rev;
    const { body } = await this.request("POST", "flows", {
      body: payload,
      headers: { "Node-RED-Deployment-Type": type },
    });
    return body;
  }

  async nodeTypes() {
    const { body } = await this.request("GET", "node-types");
    return Array.isArray(body) ? body : body.types || [];
  }

  async settings() {
    return (await this.request("GET", "settings")).body;
  }

  async inject(id) {
    return this.request("POST", `inject/${encodeURIComponent(id)}`, { body: {} });
  }

  async setDebugActive(id, active) {
    return this.request("POST", `debug/${encodeURIComponent(id)}/${active ? "enable" : "disable"}`);
  }

  /** Stored non-secret credential values and has_<field> flags of a node, or {} when unknown. */
  async credentials(type, id) {
    try {
      const { body } = await this.request("GET", `credentials/${encodeURIComponent(type)}/${encodeURIComponent(id)}`);
      return body && typeof body === "object" ? body : {};
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return {};
      throw err;
    }
  }

  /** Model ids the deployed OpenAI config node `configId` can use. */
  async models(configId) {
    const { body } = await this.request("GET", `openai/models?config=${encodeURIComponent(configId || "")}`);
    return ((body && body.data) || []).map((m) => m.id).filter(Boolean);
  }

  /** Model ids for a config node as the editor holds it (not deployed yet, or edited): `draft` has
   * its id, base_url, organization, project and a typed api_key (never stored by the server). */
  async draftModels(draft) {
    const { body } = await this.request("POST", "openai/models", { body: draft });
    return ((body && body.data) || []).map((m) => m.id).filter(Boolean);
  }

  async loginPrompts() {
    return (await this.request("GET", "auth/login")).body;
  }

  async login(username, password) {
    const { body } = await this.request("POST", "auth/token", {
      body: { client_id: "node-red-editor", grant_type: "password", scope: "*", username, password },
    });
    this.token = body.access_token;
    return body;
  }
}
