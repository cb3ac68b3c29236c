// Shows access tokens once, with copy buttons and command lines that use
// them. Nothing here is stored: leaving the page forgets the tokens.
import { h, copyField } from "./dom.js";

function endpoint() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}

function quote(s) {
  return /^[A-Za-z0-9_.:\/=,@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// tokenPanel renders the tokens of an OpenTunnel or RotateTunnelAccessToken
// answer; services and thing come from the tunnel's destination config.
export function tokenPanel(out, services = [], thing = "") {
  const svc = services.length ? services : ["SSH"];
  const ports = { SSH: 22, VNC: 5900, RDP: 3389, HTTP: 80, HTTPS: 443 };
  const dst = svc.map((s) => `${s}=${ports[s.toUpperCase()] || "PORT"}`).join(",");
  const src = svc.map((s, i) => `${s}=${(ports[s.toUpperCase()] === 22 ? 2222 : 5000 + i)}`).join(",");
  const items = [];
  if (out.sourceAccessToken) {
    items.push(copyField("Source access token", out.sourceAccessToken, "source-token"),
      copyField("Source local proxy (on your machine)", `localproxy -e ${endpoint()} -t ${quote(out.sourceAccessToken)} -s ${src}`, "source-cmd"));
  }
  if (out.destinationAccessToken) {
    items.push(copyField("Destination access token", out.destinationAccessToken, "destination-token"),
      copyField("Destination local proxy (on the device)", `localproxy -e ${endpoint()} -t ${quote(out.destinationAccessToken)} -d ${dst}`, "destination-cmd"));
  }
  if (thing) {
    const mqtt = `mqtt://${location.hostname}:1883`;
    items.push(copyField("Or the device agent (gets the destination token over MQTT; start it before opening the tunnel)",
      `tunnelagent --thing-name ${quote(thing)} --mqtt-url ${mqtt} --endpoint ${endpoint()} --destination-app ${dst}`, "agent-cmd"));
  }
  return h("div", { class: "card tokens", id: "tokens", role: "region", "aria-label": "Access tokens" },
    h("h2", {}, "Access tokens"),
    h("p", { class: "msg warn" }, "These tokens are shown only now. Copy what you need; rotating makes new ones."),
    items);
}
