// Small DOM helpers shared by the pages.

// h builds an element: h("a", {href: "#/x", class: "btn"}, "text", child).
// Attributes starting with "on" become listeners; null/false are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

// fmtTime renders epoch seconds as local date and time.
export function fmtTime(sec) {
  return sec ? timeFmt.format(new Date(sec * 1000)) : "—";
}

// notice shows a message (an error by default) at the top of the page.
export function notice(msg, kind = "error") {
  const el = document.getElementById("notice");
  el.replaceChildren();
  if (!msg) return;
  el.append(h("div", { class: `msg ${kind}` }, msg, h("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => el.replaceChildren() }, "×")));
}

let pending = null;

// flash shows a message on the next page (after a navigation).
export function flash(msg, kind = "ok") {
  pending = [msg, kind];
}

// showFlash shows and forgets the message kept by flash, if any.
export function showFlash() {
  if (pending) notice(...pending);
  pending = null;
}

// errorBox is an inline error message element.
export function errorBox(err) {
  return h("p", { class: "msg error", role: "alert" }, err.message || String(err));
}

// copyField is a read-only value with a copy button.
export function copyField(label, value, id) {
  const input = h("input", { type: "text", readonly: true, value, id, class: "mono", "aria-label": label, onfocus: (e) => e.target.select() });
  const btn = h("button", { type: "button", onclick: async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      input.select();
      document.execCommand("copy");
    }
    btn.textContent = "Copied";
    setTimeout(() => (btn.textContent = "Copy"), 1500);
  } }, "Copy");
  return h("div", { class: "copy" }, h("label", { for: id }, label), h("div", { class: "row" }, input, btn));
}

// stateBadge renders a status or connection state.
export function badge(text) {
  return h("span", { class: `badge ${String(text || "").toLowerCase()}` }, text || "—");
}
