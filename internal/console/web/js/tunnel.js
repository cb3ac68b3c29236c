// A tunnel's page: its fields (refreshed), tags, rotation, close, and the
// Connect form of the browser terminal.
import { h, fmtTime, badge, errorBox, flash } from "./dom.js";
import { call } from "./api.js";
import { tokenPanel } from "./tokens.js";
import { parseTags } from "./open.js";
import { connectForm } from "./connect.js";

const REFRESH_MS = 3000;

export function tunnelPage(id) {
  let tunnel = null, timer = null, stopped = false, tagsJSON = "";
  const err = h("div", { id: "tunnel-error" });
  const fields = h("dl", { class: "fields", id: "fields" });
  const tagList = h("ul", { class: "tags", id: "tag-list" });
  const out = h("div", { id: "action-result" });
  const connect = connectForm(() => tunnel);

  const tagForm = h("form", { class: "row", id: "tag-form", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const tags = parseTags(tagForm.tag.value);
      if (!tags.length) return;
      await call("TagResource", { resourceArn: tunnel.tunnelArn, tags });
      tagForm.tag.value = "";
      await refresh();
    } catch (e) { out.replaceChildren(errorBox(e)); }
  } }, h("label", { for: "tag", class: "sr-only" }, "New tag"),
  h("input", { id: "tag", name: "tag", placeholder: "key=value", spellcheck: "false" }), h("button", { type: "submit" }, "Add tag"));

  const rotateForm = h("form", { class: "row", id: "rotate-form", onsubmit: async (ev) => {
    ev.preventDefault();
    const mode = rotateForm.mode.value;
    try {
      const input = { tunnelId: id, clientMode: mode };
      const res = await call("RotateTunnelAccessToken", input);
      const dc = tunnel?.destinationConfig || {};
      out.replaceChildren(h("p", { class: "msg ok", role: "status" }, `Rotated the ${mode.toLowerCase()} token${mode === "ALL" ? "s" : ""}.`),
        tokenPanel(res, dc.services || [], mode === "SOURCE" ? "" : dc.thingName || ""));
      await refresh();
    } catch (e) { out.replaceChildren(errorBox(e)); }
  } }, h("label", { for: "mode" }, "Rotate"),
  h("select", { id: "mode", name: "mode" }, ["SOURCE", "DESTINATION", "ALL"].map((m) => h("option", { value: m }, m.toLowerCase()))),
  h("button", { type: "submit" }, "Rotate token"));

  async function close(del) {
    const what = del ? "Close and delete" : "Close";
    if (!confirm(`${what} tunnel ${id}? Both ends are disconnected.`)) return;
    try {
      await call("CloseTunnel", del ? { tunnelId: id, delete: true } : { tunnelId: id });
      if (del) { flash(`Tunnel ${id} closed and deleted.`); location.hash = "#/tunnels"; return; }
      await refresh();
    } catch (e) { out.replaceChildren(errorBox(e)); }
  }

  const actions = h("div", { class: "row", id: "close-actions" },
    h("button", { type: "button", id: "close", class: "danger", onclick: () => close(false) }, "Close tunnel"),
    h("button", { type: "button", id: "close-delete", class: "danger", onclick: () => close(true) }, "Close and delete"));

  function row(label, value) {
    return [h("dt", {}, label), h("dd", {}, value)];
  }

  function render(t) {
    const dc = t.destinationConfig || {};
    const conn = (c) => h("span", {}, badge(c?.status), c?.lastUpdatedAt ? h("span", { class: "muted small" }, " since ", fmtTime(c.lastUpdatedAt)) : "");
    fields.replaceChildren(...[
      row("Status", badge(t.status)),
      row("Thing", dc.thingName || "—"),
      row("Services", (dc.services || []).join(", ") || "—"),
      row("Source", conn(t.sourceConnectionState)),
      row("Destination", conn(t.destinationConnectionState)),
      row("Description", t.description || "—"),
      row("Lifetime", `${t.timeoutConfig?.maxLifetimeTimeoutMinutes ?? "—"} min`),
      row("Created", fmtTime(t.createdAt)),
      row("Updated", fmtTime(t.lastUpdatedAt)),
      row("ARN", h("span", { class: "mono small" }, t.tunnelArn)),
    ].flat());
    fields.dataset.status = t.status;
    fields.dataset.destination = t.destinationConnectionState?.status || "";
    const tj = JSON.stringify(t.tags || []);
    if (tj !== tagsJSON) {
      tagsJSON = tj;
      tagList.replaceChildren(...(t.tags || []).map((tag) => h("li", {}, h("span", { class: "mono" }, `${tag.key}=${tag.value}`), " ",
        h("button", { type: "button", class: "link", "aria-label": `Remove tag ${tag.key}`, onclick: async () => {
          try { await call("UntagResource", { resourceArn: t.tunnelArn, tagKeys: [tag.key] }); await refresh(); } catch (e) { out.replaceChildren(errorBox(e)); }
        } }, "remove"))));
      if (!(t.tags || []).length) tagList.append(h("li", { class: "muted" }, "No tags"));
    }
    const open = t.status === "OPEN";
    for (const b of [...rotateForm.elements, ...actions.querySelectorAll("button#close")]) b.disabled = !open;
    connect.update(t);
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const d = await call("DescribeTunnel", { tunnelId: id });
      if (stopped) return;
      tunnel = d.tunnel;
      err.replaceChildren();
      render(tunnel);
    } catch (e) {
      if (!stopped) err.replaceChildren(errorBox(e));
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  }

  refresh();
  const el = h("section", {},
    h("div", { class: "titlebar" }, h("h1", {}, "Tunnel ", h("span", { class: "mono" }, id)), h("a", { href: "#/tunnels" }, "All tunnels")),
    err, h("div", { class: "card" }, fields),
    h("div", { class: "card" }, h("h2", {}, "Terminal"), connect.el),
    h("div", { class: "card" }, h("h2", {}, "Tags"), tagList, tagForm),
    h("div", { class: "card" }, h("h2", {}, "Access"), rotateForm, actions),
    out);
  return { el, title: `Tunnel ${id}`, stop: () => { stopped = true; clearTimeout(timer); } };
}
