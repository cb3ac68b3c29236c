// AWS Signature Version 4 for the console's API requests, computed with
// WebCrypto (HMAC-SHA-256 and SHA-256). Only what the AWS JSON 1.1 API at
// "/" needs: POST, no query string, signed content-type, host, x-amz-date
// and x-amz-target.

const enc = new TextEncoder();

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data) {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmac(key, msg) {
  const raw = typeof key === "string" ? enc.encode(key) : key;
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(msg));
}

// amzDate renders a time as YYYYMMDD'T'HHMMSS'Z'.
export function amzDate(d) {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

// signingKey derives the day's key for region and service.
export async function signingKey(secret, day, region, service) {
  const kDate = await hmac("AWS4" + secret, day);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

// sign returns the headers to send with a POST of body to path on host:
// the given headers plus X-Amz-Date and Authorization. headers' names must
// be lower case; host is signed but not returned (the browser sends it).
export async function sign({ key, region, service, host, path = "/", headers, body, now = new Date() }) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const all = { ...headers, host, "x-amz-date": date };
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const canonHeaders = names.map((n) => `${n}:${String(all[n]).trim().replace(/\s+/g, " ")}\n`).join("");
  const signed = names.join(";");
  const canonical = ["POST", path, "", canonHeaders, signed, await sha256Hex(body)].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, await sha256Hex(canonical)].join("\n");
  const sig = hex(await hmac(await signingKey(key.secretAccessKey, day, region, service), toSign));
  const out = { ...headers, "x-amz-date": date };
  out.authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${sig}`;
  return out;
}
