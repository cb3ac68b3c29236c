// The tunnel list: newest first, filtered by thing (ListTunnels) and by
// status (in the page), paged with nextToken, refreshed every few seconds.
// Connection states come from DescribeTunnel for the first open tunnels.
import { h, fmtTime, badge, errorBox } from "./dom.js";
import { call } from "./api.js";

const REFRESH_MS = 5000;
const DESCRIBE_MAX = 50; // open tunnels per refresh whose connection states are shown

export function listPage(query) {
  const st = {
    thing: query.get("thing") || "",
    status: query.get("status") || "",
    size: query.get("size") || "25",
    tokens: [undefined], // nextToken of each visited page; the last is the current one
    next: null,
    rows: [],
    states: new Map(),
    timer: null,
    seq: 0,
  };
  const err = h("div", { id: "list-error" });
  const tbody = h("tbody");
  const info = h("p", { class: "muted small", id: "list-info", "aria-live": "polite" });
  const prev = h("button", { type: "button", id: "prev", onclick: () => { st.tokens.pop(); load(); } }, "← Newer");
  const next = h("button", { type: "button", id: "next", onclick: () => { st.tokens.push(st.next); load(); } }, "Older →");
  const live = h("input", { type: "checkbox", id: "live", checked: true, onchange: () => schedule() });

  const form = h("form", { class: "filters", role: "search", onsubmit: (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (form.thing.value.trim()) q.set("thing", form.thing.value.trim());
    if (form.status.value) q.set("status", form.status.value);
    if (form.size.value !== "25") q.set("size", form.size.value);
    const hash = "#/tunnels" + (q.toString() ? "?" + q : "");
    if (location.hash === hash) { st.tokens = [undefined]; load(); } else location.hash = hash;
  } },
  h("div", {}, h("label", { for: "thing" }, "Thing name"), h("input", { id: "thing", name: "thing", value: st.thing, spellcheck: "false" })),
  h("div", {}, h("label", { for: "status" }, "Status"),
    h("select", { id: "status", name: "status" }, ["", "OPEN", "CLOSED"].map((s) =>
      h("option", { value: s, selected: s === st.status }, s || "Any")))),
  h("div", {}, h("label", { for: "size" }, "Per page"),
    h("select", { id: "size", name: "size" }, ["25", "50", "100", "all"].map((s) =>
      h("option", { value: s, selected: s === st.size }, s === "all" ? "All" : s)))),
  h("button", { type: "submit" }, "Filter"));

  const el = h("section", {},
    h("div", { class: "titlebar" }, h("h1", {}, "Tunnels"), h("a", { href: "#/open", class: "btn primary" }, "Open tunnel")),
    form,
    h("div", { class: "row small" }, h("label", { class: "inline" }, live, " Live refresh"), info),
    err,
    h("div", { class: "scroll" }, h("table", { id: "tunnels" },
      h("thead", {}, h("tr", {}, ["Tunnel", "Status", "Source", "Destination", "Description", "Created"].map((c) => h("th", { scope: "col" }, c)))),
      tbody)),
    h("div", { class: "pager" }, prev, next));

  async function fetchRows() {
    const base = {};
    if (st.thing) base.thingName = st.thing;
    if (st.size !== "all") {
      const input = { ...base, maxResults: Number(st.size) };
      const tok = st.tokens[st.tokens.length - 1];
      if (tok) input.nextToken = tok;
      const out = await call("ListTunnels", input);
      return { rows: out.tunnelSummaries || [], next: out.nextToken || null };
    }
    let rows = [], token;
    for (let i = 0; i < 1000; i++) { // at most 100,000 tunnels
      const out = await call("ListTunnels", { ...base, maxResults: 100, ...(token ? { nextToken: token } : {}) });
      rows = rows.concat(out.tunnelSummaries || []);
      token = out.nextToken;
      if (!token) break;
    }
    return { rows, next: null };
  }

  async function describeOpen(rows, seq) {
    const open = rows.filter((r) => r.status === "OPEN").slice(0, DESCRIBE_MAX);
    let i = 0;
    const worker = async () => {
      while (i < open.length && seq === st.seq) {
        const r = open[i++];
        try {
          const d = await call("DescribeTunnel", { tunnelId: r.tunnelId });
          st.states.set(r.tunnelId, d.tunnel);
        } catch { /* shown as unknown */ }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  async function load() {
    const seq = ++st.seq;
    st.loadStart = performance.now();
    clearTimeout(st.timer);
    try {
      const { rows, next } = await fetchRows();
      if (seq !== st.seq) return;
      st.rows = rows;
      st.next = next;
      err.replaceChildren();
      render();
      // For benchmarks: the list's first paint of this load.
      window.aditPerf = { ...window.aditPerf, loads: (window.aditPerf?.loads || 0) + 1, firstLoadMs: window.aditPerf.listLoadMs, firstRenderMs: window.aditPerf.listRenderMs };
      await describeOpen(rows, seq);
      if (seq === st.seq) render();
    } catch (e) {
      if (seq === st.seq) err.replaceChildren(errorBox(e));
    }
    if (seq === st.seq) schedule();
  }

  function schedule() {
    clearTimeout(st.timer);
    if (live.checked) st.timer = setTimeout(load, st.rows.length > 200 ? 3 * REFRESH_MS : REFRESH_MS);
  }

  function render() {
    const t0 = performance.now();
    const shown = st.status ? st.rows.filter((r) => r.status === st.status) : st.rows;
    const frag = document.createDocumentFragment();
    for (const r of shown) {
      const d = st.states.get(r.tunnelId);
      const conn = (m) => (r.status !== "OPEN" ? "—" : d ? badge(d[m]?.status || "DISCONNECTED") : "…");
      frag.append(h("tr", { "data-id": r.tunnelId, "data-status": r.status },
        h("td", {}, h("a", { href: `#/tunnel/${encodeURIComponent(r.tunnelId)}`, class: "mono" }, r.tunnelId),
          d?.destinationConfig?.thingName ? h("div", { class: "muted small" }, d.destinationConfig.thingName) : null),
        h("td", {}, badge(r.status)),
        h("td", {}, conn("sourceConnectionState")),
        h("td", {}, conn("destinationConnectionState")),
        h("td", { class: "desc" }, r.description || ""),
        h("td", { class: "nowrap" }, fmtTime(r.createdAt))));
    }
    if (!shown.length) frag.append(h("tr", {}, h("td", { colspan: 6, class: "muted" }, st.rows.length ? "No tunnel on this page has that status." : "No tunnels.")));
    tbody.replaceChildren(frag);
    prev.disabled = st.tokens.length <= 1;
    next.disabled = !st.next;
    const hidden = st.rows.length - shown.length;
    info.textContent = `${shown.length} shown` + (hidden ? `, ${hidden} hidden by the status filter` : "") +
      (st.tokens.length > 1 ? ` · page ${st.tokens.length}` : "") + ` · updated ${new Date().toLocaleTimeString()}`;
    const t1 = performance.now();
    window.aditPerf = { ...window.aditPerf, listRenderMs: t1 - t0, listLoadMs: t1 - st.loadStart, listRows: shown.length };
  }

  load();
  return { el, title: "Tunnels", stop: () => { st.seq++; clearTimeout(st.timer); } };
}
