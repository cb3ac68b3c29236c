// The console's entry point: routes "#/..." to a page and keeps the header
// in line with the sign-in state.
import { currentKey, signOut } from "./auth.js";
import { h, notice, showFlash } from "./dom.js";
import { signInPage } from "./signin.js";
import { listPage } from "./list.js";
import { openPage } from "./open.js";
import { tunnelPage } from "./tunnel.js";

let cleanup = null; // the current page's stop function (timers)

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/tunnels";
  const [path, query = ""] = raw.split("?");
  return { parts: path.split("/").filter(Boolean), query: new URLSearchParams(query) };
}

function header() {
  const key = currentKey();
  document.getElementById("nav").hidden = !key;
  const who = document.getElementById("who");
  who.replaceChildren();
  if (key) {
    who.append(h("span", { class: "mono", title: "signed-in access key" }, key.accessKeyId), " ",
      h("button", { type: "button", class: "link", onclick: () => { signOut(); location.hash = "#/signin"; } }, "Sign out"));
  }
}

async function route() {
  if (cleanup) cleanup();
  cleanup = null;
  notice("");
  showFlash();
  header();
  const { parts, query } = parseHash();
  const main = document.getElementById("main");
  if (!currentKey() && parts[0] !== "signin") {
    location.hash = "#/signin";
    return;
  }
  let page;
  switch (parts[0]) {
    case "signin": page = signInPage(); break;
    case "open": page = openPage(); break;
    case "tunnel": page = tunnelPage(decodeURIComponent(parts[1] || "")); break;
    default: page = listPage(query);
  }
  main.replaceChildren(page.el);
  cleanup = page.stop || null;
  document.title = `${page.title} · adit console`;
  const focus = main.querySelector("[autofocus]") || main.querySelector("h1");
  if (focus) { if (!focus.hasAttribute("tabindex") && focus.tagName === "H1") focus.setAttribute("tabindex", "-1"); focus.focus(); }
}

window.addEventListener("hashchange", route);
route();
