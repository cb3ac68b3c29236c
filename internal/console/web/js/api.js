// The API client: AWS JSON 1.1 calls to "/" signed with the signed-in key.
import { sign } from "./sigv4.js";
import { currentKey } from "./auth.js";

let config = null;

// loadConfig fetches the region and signing name the server expects.
export async function loadConfig() {
  if (!config) {
    const r = await fetch("config.json", { cache: "no-store" });
    if (!r.ok) throw new Error(`config.json: HTTP ${r.status}`);
    config = await r.json();
  }
  return config;
}

// ApiError is an error answer, worded as the API words it.
export class ApiError extends Error {
  constructor(type, message, status) {
    super(message ? `${type}: ${message}` : type);
    this.type = type;
    this.apiMessage = message;
    this.status = status;
  }
}

// call invokes op with input, signed with key (default: the signed-in
// key), and returns the decoded answer or throws an ApiError.
export async function call(op, input = {}, key = currentKey()) {
  if (!key) throw new ApiError("NotSignedIn", "sign in with an access key first", 0);
  const cfg = await loadConfig();
  const body = JSON.stringify(input);
  const headers = await sign({
    key, region: cfg.region, service: cfg.service, host: location.host, body,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `IoTSecuredTunneling.${op}` },
  });
  let r;
  try {
    r = await fetch("/", { method: "POST", headers, body, cache: "no-store", credentials: "omit" });
  } catch (e) {
    throw new ApiError("NetworkError", `cannot reach tunneld: ${e.message}`, 0);
  }
  const text = await r.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!r.ok) {
    const type = String(data.__type || r.headers.get("x-amzn-ErrorType") || `HTTP ${r.status}`).split("#").pop().split(":")[0];
    throw new ApiError(type, data.message || data.Message || "", r.status);
  }
  return data;
}
