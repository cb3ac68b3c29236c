// The Connect form on a tunnel's page: SSH username and a password or a
// private key. They go to tunneld once, for this login, and are not kept.
import { h, errorBox } from "./dom.js";
import { openTerminal } from "./terminal.js";

export function connectForm(getTunnel) {
  const hint = h("p", { class: "muted small", id: "connect-hint" });
  const err = h("div");
  const service = h("select", { id: "ssh-service", name: "service" });
  const keyBox = h("div", { hidden: true },
    h("label", { for: "ssh-key" }, "Private key (OpenSSH or PEM)"),
    h("textarea", { id: "ssh-key", name: "key", rows: 4, spellcheck: "false", class: "mono", autocomplete: "off" }),
    h("label", { for: "ssh-passphrase" }, "Passphrase (if the key has one)"),
    h("input", { id: "ssh-passphrase", name: "passphrase", type: "password", autocomplete: "off" }));
  const pwBox = h("div", {},
    h("label", { for: "ssh-password" }, "Password"),
    h("input", { id: "ssh-password", name: "password", type: "password", autocomplete: "off" }));
  const method = (v) => { keyBox.hidden = v !== "key"; pwBox.hidden = v === "key"; };
  const form = h("form", { id: "connect-form", onsubmit: (ev) => {
    ev.preventDefault();
    const t = getTunnel();
    err.replaceChildren();
    const useKey = form.method.value === "key";
    const creds = {
      user: form.user.value.trim(),
      password: useKey ? "" : form.password.value,
      privateKey: useKey ? form.key.value : "",
      passphrase: useKey ? form.passphrase.value : "",
    };
    if (!creds.user || (!creds.password && !creds.privateKey)) {
      err.replaceChildren(errorBox(new Error("Give a username and a password or a private key.")));
      return;
    }
    openTerminal(t, service.value, creds);
    form.password.value = form.passphrase.value = "";
  } },
  h("div", { class: "grid2" },
    h("div", {}, h("label", { for: "ssh-service" }, "Service"), service),
    h("div", {}, h("label", { for: "ssh-user" }, "Username"), h("input", { id: "ssh-user", name: "user", autocomplete: "username", spellcheck: "false" }))),
  h("fieldset", { class: "row" }, h("legend", { class: "sr-only" }, "Sign in with"),
    h("label", { class: "inline" }, h("input", { type: "radio", name: "method", value: "password", checked: true, onchange: () => method("password") }), " Password"),
    h("label", { class: "inline" }, h("input", { type: "radio", name: "method", value: "key", id: "method-key", onchange: () => method("key") }), " Private key")),
  pwBox, keyBox, err,
  h("button", { type: "submit", class: "primary", id: "connect" }, "Connect"));

  function update(t) {
    const services = t.destinationConfig?.services || [];
    if (service.options.length !== services.length) {
      service.replaceChildren(...services.map((s) => h("option", { value: s, selected: /ssh/i.test(s) }, s)));
    }
    const dest = t.destinationConnectionState?.status;
    let why = "";
    if (t.status !== "OPEN") why = "The tunnel is closed.";
    else if (!services.length) why = "The tunnel has no service to connect to.";
    else if (dest !== "CONNECTED") why = "Waiting for the device (destination) to connect.";
    form.querySelector("#connect").disabled = !!why;
    hint.textContent = why || "Connecting rotates the source token: another source local proxy of this tunnel is disconnected.";
  }
  return { el: h("div", {}, hint, form), update };
}
