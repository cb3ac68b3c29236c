// Open a tunnel: thing, services, lifetime, description and tags; the
// answer's tokens are shown once.
import { h, errorBox } from "./dom.js";
import { call } from "./api.js";
import { tokenPanel } from "./tokens.js";

// parseTags reads "key=value" lines (or comma-separated pairs).
export function parseTags(text) {
  const tags = [];
  for (const part of text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0) throw new Error(`Tag "${part}" is not key=value`);
    tags.push({ key: part.slice(0, i).trim(), value: part.slice(i + 1).trim() });
  }
  return tags;
}

export function openPage() {
  const result = h("div", { id: "open-result" });
  const form = h("form", { class: "card", id: "open", onsubmit: async (ev) => {
    ev.preventDefault();
    result.replaceChildren();
    const btn = form.querySelector("button[type=submit]");
    const input = {};
    const thing = form.thing.value.trim();
    const services = form.services.value.split(",").map((s) => s.trim()).filter(Boolean);
    try {
      if (thing || services.length) {
        input.destinationConfig = { services };
        if (thing) input.destinationConfig.thingName = thing;
      }
      if (form.lifetime.value) input.timeoutConfig = { maxLifetimeTimeoutMinutes: Number(form.lifetime.value) };
      if (form.description.value.trim()) input.description = form.description.value.trim();
      const tags = parseTags(form.tags.value);
      if (tags.length) input.tags = tags;
    } catch (e) {
      result.replaceChildren(errorBox(e));
      return;
    }
    btn.disabled = true;
    try {
      const out = await call("OpenTunnel", input);
      result.replaceChildren(
        h("p", { class: "msg ok", role: "status" }, "Opened tunnel ",
          h("a", { href: `#/tunnel/${encodeURIComponent(out.tunnelId)}`, class: "mono", id: "opened-link" }, out.tunnelId)),
        tokenPanel(out, services, thing));
      result.querySelector("#opened-link").focus();
    } catch (e) {
      result.replaceChildren(errorBox(e));
    } finally {
      btn.disabled = false;
    }
  } },
  h("h1", {}, "Open a tunnel"),
  h("label", { for: "thing" }, "Thing name ", h("span", { class: "muted small" }, "(a device running tunnelagent connects by itself)")),
  h("input", { id: "thing", name: "thing", spellcheck: "false", autofocus: true, maxlength: 128 }),
  h("label", { for: "services" }, "Services ", h("span", { class: "muted small" }, "(comma-separated, e.g. SSH, VNC)")),
  h("input", { id: "services", name: "services", value: "SSH", spellcheck: "false" }),
  h("label", { for: "lifetime" }, "Lifetime in minutes ", h("span", { class: "muted small" }, "(1–720; empty: 720)")),
  h("input", { id: "lifetime", name: "lifetime", type: "number", min: 1, max: 720, inputmode: "numeric" }),
  h("label", { for: "description" }, "Description"),
  h("input", { id: "description", name: "description", maxlength: 256 }),
  h("label", { for: "tags" }, "Tags ", h("span", { class: "muted small" }, "(key=value, one per line)")),
  h("textarea", { id: "tags", name: "tags", rows: 2, spellcheck: "false" }),
  h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Open tunnel"), h("a", { href: "#/tunnels" }, "Cancel")));
  return { el: h("section", {}, form, result), title: "Open tunnel" };
}
