// Browser terminals. Each one rotates the tunnel's source token with the
// signed-in key, gives it and the SSH credentials to tunneld over a
// same-origin WebSocket, and shows the SSH session in xterm.js. Several can
// run at once; they live outside the page area, so they survive navigation.
import { h } from "./dom.js";
import { call } from "./api.js";

const HOSTKEYS = "adit.hostkeys"; // trusted fingerprints: {"thing-or-tunnel/service": "SHA256:..."}
let xtermMods = null;
let seq = 0;
window.aditTerminals = []; // for tests and debugging: {id, term, state}

function loadXterm() {
  xtermMods ??= Promise.all([import("../vendor/xterm.mjs"), import("../vendor/addon-fit.mjs")]);
  return xtermMods;
}

function knownKeys() {
  try { return JSON.parse(localStorage.getItem(HOSTKEYS) || "{}"); } catch { return {}; }
}

function trustKey(name, fp) {
  const k = knownKeys();
  k[name] = fp;
  localStorage.setItem(HOSTKEYS, JSON.stringify(k));
}

// openTerminal starts a terminal to service of tunnel t with creds.
export async function openTerminal(t, service, creds) {
  const n = ++seq;
  const thing = t.destinationConfig?.thingName;
  const keyName = `${thing || t.tunnelId}/${service}`;
  const status = h("span", { class: "term-status", "aria-live": "polite" }, "starting");
  const screen = h("div", { class: "term-screen" });
  const prompt = h("div", { class: "term-prompt" });
  const closeBtn = h("button", { type: "button", class: "link", "aria-label": "Close terminal" }, "Close");
  const panel = h("section", { class: "term", id: `term-${n}`, "data-state": "starting", "data-tunnel": t.tunnelId, "aria-label": `Terminal to ${thing || t.tunnelId}` },
    h("header", {}, h("strong", {}, `${creds.user}@${thing || t.tunnelId}`), h("span", { class: "muted small mono" }, ` ${t.tunnelId} ${service}`), status, closeBtn),
    prompt, screen);
  document.getElementById("terminals").append(panel);
  const entry = { id: n, tunnelId: t.tunnelId, state: "starting", panel };
  window.aditTerminals.push(entry);
  const setState = (s, text) => { entry.state = s; panel.dataset.state = s; status.textContent = text || s; };

  const [{ Terminal }, { FitAddon }] = await loadXterm();
  const term = new Terminal({ cursorBlink: true, convertEol: false, scrollback: 5000, fontSize: 14,
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(screen);
  fit.fit();
  entry.term = term;
  panel.scrollIntoView({ block: "nearest" });

  let ws = null, ended = false;
  const end = (reason, isErr) => {
    if (ended) return;
    ended = true;
    setState(isErr ? "failed" : "ended", isErr ? "failed" : "ended");
    entry.reason = reason;
    term.write(`\r\n\x1b[${isErr ? 31 : 33}m[${reason}]\x1b[0m\r\n`);
    prompt.replaceChildren(h("p", { class: `msg ${isErr ? "error" : "warn"}`, role: "alert" }, reason));
    ro.disconnect();
  };
  closeBtn.onclick = () => {
    if (ws) ws.close(1000);
    ro.disconnect();
    term.dispose();
    panel.remove();
    window.aditTerminals = window.aditTerminals.filter((e) => e !== entry);
  };
  const ro = new ResizeObserver(() => {
    fit.fit();
  });
  ro.observe(screen);

  setState("rotating", "rotating the source token");
  let token;
  try {
    token = (await call("RotateTunnelAccessToken", { tunnelId: t.tunnelId, clientMode: "SOURCE" })).sourceAccessToken;
  } catch (e) {
    end(e.message, true);
    return;
  }
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${location.pathname.replace(/[^/]*$/, "")}terminal`;
  ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const enc = new TextEncoder();
  const send = (m) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
  ws.onopen = () => {
    setState("connecting", "connecting");
    ws.send(JSON.stringify({ type: "start", token, service, user: creds.user, password: creds.password,
      privateKey: creds.privateKey, passphrase: creds.passphrase, cols: term.cols, rows: term.rows }));
    token = null;
    creds.password = creds.privateKey = creds.passphrase = "";
  };
  term.onData((d) => { if (entry.state === "ready") ws.send(enc.encode(d)); });
  term.onResize(({ cols, rows }) => send({ type: "resize", cols, rows }));
  ws.onmessage = (ev) => {
    if (typeof ev.data !== "string") {
      term.write(new Uint8Array(ev.data));
      return;
    }
    const m = JSON.parse(ev.data);
    switch (m.type) {
      case "status": setState(entry.state, m.text); break;
      case "hostkey": askHostKey(m); break;
      case "ready": setState("ready", "connected"); prompt.replaceChildren(); term.focus(); break;
      case "end": end(m.reason, m.error); break;
    }
  };
  ws.onclose = (ev) => end(ev.code === 1000 ? "the session ended" : `connection to tunneld lost (${ev.code})`, ev.code !== 1000);

  function askHostKey(m) {
    const known = knownKeys()[keyName];
    entry.fingerprint = m.fingerprint;
    if (known === m.fingerprint) {
      send({ type: "hostkey", accept: true });
      return;
    }
    const answer = (ok) => {
      if (ok) trustKey(keyName, m.fingerprint);
      send({ type: "hostkey", accept: ok });
      prompt.replaceChildren();
    };
    setState("hostkey", "check the host key");
    const changed = known && known !== m.fingerprint;
    prompt.replaceChildren(h("div", { class: `msg ${changed ? "error" : "warn"}`, role: "alertdialog", "aria-label": "Host key" },
      h("p", {}, changed
        ? `WARNING: the host key of ${keyName} has CHANGED. It was ${known}. This may be another device or an attack.`
        : `First connection to ${keyName}. Check the device's host key fingerprint:`),
      h("p", { class: "mono", id: `fp-${n}` }, `${m.algorithm} ${m.fingerprint}`),
      h("div", { class: "row" },
        h("button", { type: "button", class: "primary hostkey-accept", onclick: () => answer(true) }, changed ? "Trust the new key" : "Trust and connect"),
        h("button", { type: "button", class: "hostkey-reject", onclick: () => answer(false) }, "Cancel"))));
    prompt.querySelector(".hostkey-accept").focus();
  }
}
