// Sign-in: checks the access key with one signed ListTunnels call and keeps
// it in sessionStorage.
import { h, errorBox } from "./dom.js";
import { call, loadConfig } from "./api.js";
import { saveKey } from "./auth.js";

export function signInPage() {
  const err = h("div", { id: "signin-error" });
  const region = h("span", { class: "mono" }, "…");
  loadConfig().then((c) => (region.textContent = c.region)).catch((e) => err.replaceChildren(errorBox(e)));
  const form = h("form", { class: "card narrow", id: "signin", onsubmit: async (ev) => {
    ev.preventDefault();
    const key = { accessKeyId: form.akid.value.trim(), secretAccessKey: form.secret.value.trim() };
    const btn = form.querySelector("button");
    btn.disabled = true;
    err.replaceChildren();
    try {
      await call("ListTunnels", { maxResults: 1 }, key);
      saveKey(key.accessKeyId, key.secretAccessKey);
      location.hash = "#/tunnels";
    } catch (e) {
      err.replaceChildren(errorBox(e));
    } finally {
      btn.disabled = false;
    }
  } },
  h("h1", {}, "Sign in"),
  h("p", { class: "muted" }, "Use an access key of this tunneld, e.g. the one it generated in DATA-DIR/credentials. ",
    "It stays in this browser tab (session storage) and signs each request; it is never sent itself."),
  h("label", { for: "akid" }, "Access key ID"),
  h("input", { id: "akid", name: "akid", required: true, autocomplete: "username", autofocus: true, spellcheck: "false", class: "mono" }),
  h("label", { for: "secret" }, "Secret access key"),
  h("input", { id: "secret", name: "secret", type: "password", required: true, autocomplete: "current-password", class: "mono" }),
  h("p", { class: "muted small" }, "Region: ", region),
  err,
  h("button", { type: "submit", class: "primary" }, "Sign in"));
  return { el: form, title: "Sign in" };
}
