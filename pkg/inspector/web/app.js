// wa-cb inspector: the page. Plain JavaScript, no build step. Everything
// it shows comes from the inspector's JSON API and its event stream.
"use strict";

const S = {
  info: { targets: [], keep: 1000, live: true },
  rows: [],            // summaries, newest first
  bySeq: new Map(),
  selected: 0,         // seq of the selected row
  open: 0,             // seq of the exchange in the detail pane
  detail: null,
  follow: true,
  lastSeq: 0,
  es: null,
  filtered: false,
  refetch: 0,
  view: "exchanges",
  messages: [],
  message: "",         // id of the message shown
  msgTimer: 0,
};

const $ = (sel) => document.querySelector(sel);

// h builds an element: h("div.a.b", {title: "x", onclick: f}, child, "text").
function h(spec, attrs, ...kids) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

async function api(path, opts) {
  const res = await fetch(path, opts);
  const type = res.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new Error((body && body.error) || res.status + " " + res.statusText);
  return body;
}

// ---------- formatting ----------

function two(n) { return String(n).padStart(2, "0"); }
function clock(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return ["", ""];
  return [two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds()), "." + String(d.getMilliseconds()).padStart(3, "0")];
}
function fullTime(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso || "";
  return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + clock(iso).join("");
}
function httpClass(status) { return "http s" + String(status || 0)[0]; }
function ms(v) { return v === undefined || v === null ? "" : (v < 10 ? v.toFixed(2) : v.toFixed(0)) + " ms"; }
function duration(msv) {
  if (msv === undefined || msv === null) return "";
  const sign = msv < 0 ? "−" : "+";
  let a = Math.abs(msv);
  if (a < 1000) return sign + a + " ms";
  a /= 1000;
  if (a < 120) return sign + a.toFixed(a < 10 ? 1 : 0) + " s";
  return sign + (a / 60).toFixed(1) + " min";
}
function badge(text, cls) { return h("span.badge" + (cls ? "." + cls : ""), { text }); }

function eventBadges(s) {
  const out = [];
  for (const src of s.sources || []) out.push(badge(src, "b-source"));
  const kinds = s.kinds || [];
  for (const k of kinds) {
    if (k === "message") for (const t of s.types && s.types.length ? s.types : ["message"]) out.push(badge(t, "b-message"));
    else if (k === "status") for (const st of s.statuses && s.statuses.length ? s.statuses : ["status"]) out.push(badge(st, "b-" + st));
    else out.push(badge(k, "b-" + k));
  }
  if (!kinds.length && s.origin === "api") out.push(badge("api call", "b-source"));
  if (s.origin === "sent") out.push(badge("sent by mock", "b-source"));
  if (s.replay_of) out.push(badge("↻ replay", "b-replay"));
  if (s.decode_error) out.push(badge("decode error", "b-bad"));
  if (s.error) out.push(badge("refused", "b-bad"));
  return out;
}

function signatureBadge(sig) {
  if (!sig) return null;
  if (sig === "valid") return badge("sig ✓", "b-ok");
  return badge("sig " + sig, sig === "invalid" ? "b-bad" : "b-warn");
}

// ---------- the list ----------

function rowOf(s, fresh) {
  const [t, msPart] = clock(s.at);
  const who = [s.from, s.to].filter(Boolean).join(" → ");
  const outcome = [h("span", { class: httpClass(s.answer), title: s.reason || "answer given" }, String(s.answer))];
  if (s.forward !== undefined) {
    outcome.push(h("span", { class: httpClass(s.forward), title: s.forward_error || "the app's answer" }, "app " + (s.forward || "✗")));
  }
  const sig = signatureBadge(s.signature);
  if (sig) outcome.push(sig);
  return h("li.row" + (s.failed ? ".failed" : "") + (fresh ? ".fresh" : ""), {
    dataset: { seq: s.seq },
    role: "button",
    tabindex: "-1",
    onclick: () => { select(s.seq, true); openDetail(s.seq); },
  },
  h("div.time", null, t, h("span.ms", { text: msPart })),
  h("div.what", null, h("span.method", { text: s.method }), h("span.path", { text: s.path + (s.query ? "?" + s.query : ""), title: s.path + (s.query ? "?" + s.query : "") }), eventBadges(s)),
  h("div.text", null, who ? h("span.who", { text: who }) : null, who && s.text ? " · " : "", s.text || (who ? "" : s.note || s.events + " event" + (s.events === 1 ? "" : "s"))),
  h("div.outcome", null, outcome));
}

function renderRows() {
  const ol = $("#rows");
  ol.replaceChildren(...S.rows.map((s) => rowOf(s, false)));
  markSelected();
  updateCounts();
}

function addRow(s) {
  if (S.bySeq.has(s.seq)) return;
  S.rows.unshift(s);
  S.bySeq.set(s.seq, s);
  $("#rows").prepend(rowOf(s, true));
  while (S.rows.length > S.info.keep) {
    const old = S.rows.pop();
    S.bySeq.delete(old.seq);
    const el = $("#rows").lastElementChild;
    if (el) el.remove();
  }
  if (S.follow) $("#list-pane").scrollTop = 0;
  markSelected();
  updateCounts();
}

function updateCounts() {
  $("#count").textContent = S.rows.length;
  $("#empty").hidden = S.rows.length > 0;
  if (S.rows.length === 0 && S.filtered) {
    $("#empty").hidden = false;
    $("#empty").replaceChildren(h("p.big", { text: "Nothing matches" }), h("p", { text: "Change the search or the filters." }));
  } else if (S.rows.length === 0) {
    $("#empty").replaceChildren(...[
      h("p.big", { text: S.info.live ? "Waiting for callbacks…" : "This recording holds no exchanges" }),
      S.info.live ? h("p", { text: "Send one from another terminal:" }) : null,
      S.info.live ? h("pre", { text: "wa-cb send fixture cloud-incoming-text" + (S.info.targets[0] ? " --to " + S.info.targets[0].url : "") }) : null].filter(Boolean));
  }
}

function markSelected() {
  for (const el of document.querySelectorAll(".row.selected")) el.classList.remove("selected");
  if (!S.selected) return;
  const el = document.querySelector('.row[data-seq="' + S.selected + '"]');
  if (el) el.classList.add("selected");
}

function select(seq, byUser) {
  S.selected = seq;
  if (byUser) setFollow(false);
  markSelected();
  const el = document.querySelector('.row[data-seq="' + seq + '"]');
  if (el) el.scrollIntoView({ block: "nearest" });
}

function setFollow(on) {
  S.follow = on;
  $("#follow").classList.toggle("on", on);
  if (on) $("#list-pane").scrollTop = 0;
}

function filterParams() {
  const p = new URLSearchParams();
  const q = $("#q").value.trim(), jq = $("#jq").value.trim();
  if (q) p.set("q", q);
  if (jq) p.set("jq", jq);
  for (const [id, name] of [["#f-source", "source"], ["#f-kind", "kind"], ["#f-status", "status"]]) {
    if ($(id).value) p.set(name, $(id).value);
  }
  return p;
}

let listGen = 0;

async function loadList() {
  const gen = ++listGen;
  const p = filterParams();
  S.filtered = [...p.keys()].length > 0;
  p.set("limit", S.info.keep);
  $("#export-har").href = "/api/export.har?" + filterParams();
  $("#export-rec").href = "/api/export.ndjson?" + filterParams();
  let data;
  try {
    data = await api("/api/exchanges?" + p);
  } catch (err) {
    if (gen !== listGen) return; // a newer search is under way
    $("#jq").classList.add("bad");
    notice("jq", err.message, "error");
    return;
  }
  if (gen !== listGen) return; // answers can come back out of order
  $("#jq").classList.toggle("bad", !!data.jq_error);
  if (data.jq_error) notice("jq", "jq: " + data.jq_error, "error"); else clearNotice("jq");
  S.rows = data.items;
  S.bySeq = new Map(S.rows.map((s) => [s.seq, s]));
  if (!S.lastSeq) S.lastSeq = data.last_seq;
  renderRows();
}

function scheduleRefetch() {
  if (S.refetch) return;
  S.refetch = setTimeout(() => { S.refetch = 0; loadList(); }, 250);
}

// ---------- notices ----------

function notice(key, text, kind, action) {
  let el = document.querySelector('.notice[data-key="' + key + '"]');
  const kids = [h("span", { text }), action || null];
  if (!el) {
    el = h("div.notice" + (kind ? "." + kind : ""), { dataset: { key } });
    $("#notices").append(el);
  }
  el.className = "notice" + (kind ? " " + kind : "");
  el.replaceChildren(...kids.filter(Boolean));
}
function clearNotice(key) {
  const el = document.querySelector('.notice[data-key="' + key + '"]');
  if (el) el.remove();
}

// ---------- the live stream ----------

function setState(text, cls) {
  const el = $("#state");
  el.textContent = text;
  el.className = "state" + (cls ? " " + cls : "");
}

let missedTotal = 0;

function connect() {
  if (!S.info.live) {
    setState("recording, read-only", "");
    return;
  }
  const es = new EventSource("/api/stream?" + new URLSearchParams({ after: S.lastSeq, run: S.info.run || "" }));
  S.es = es;
  es.onopen = () => setState("live", "live");
  es.onerror = () => setState("reconnecting…", "down");
  es.addEventListener("exchange", (ev) => {
    const s = JSON.parse(ev.data);
    S.lastSeq = Math.max(S.lastSeq, s.seq);
    if (S.filtered) scheduleRefetch(); else addRow(s);
    if (S.view === "messages" && (s.kinds || []).some((k) => k === "status" || k === "message")) scheduleMessages();
  });
  es.addEventListener("missed", (ev) => {
    const m = JSON.parse(ev.data);
    missedTotal += m.missed;
    notice("missed", missedTotal + " exchange" + (missedTotal === 1 ? "" : "s") + " arrived faster than this page took them and left the last " + m.keep + " kept (--ui-keep); they are not shown.", "",
      h("button", { type: "button", onclick: () => { missedTotal = 0; clearNotice("missed"); } }, "OK"));
    scheduleRefetch();
  });
  es.addEventListener("reset", (ev) => {
    // The listener was started again: its exchanges are new ones, and
    // the numbers this page holds name others there.
    es.close();
    restart(JSON.parse(ev.data).run);
  });
  es.addEventListener("end", () => {
    es.close();
    setState("stopped", "down");
    notice("end", "The source has stopped: what is shown stays; when it serves this address again the page follows it.", "info",
      h("button", { type: "button", onclick: () => location.reload() }, "Reload"));
    waitForSource();
  });
}

// restart follows another run of the source on this address.
function restart(run) {
  S.info.run = run;
  S.lastSeq = 0;
  missedTotal = 0;
  clearNotice("missed");
  clearNotice("end");
  closeDetail();
  loadList().then(connect);
  if (S.view === "messages") loadMessages();
}

// waitForSource asks every two seconds whether the source serves again
// (a listener restarted on its --ui-addr), and follows it when it does.
function waitForSource() {
  setTimeout(async () => {
    let info;
    try { info = await api("/api/info"); } catch (_) { waitForSource(); return; }
    S.info = info;
    document.title = info.title;
    restart(info.run);
  }, 2000);
}

// ---------- detail ----------

async function openDetail(seq, keepHash) {
  S.open = seq;
  if (!keepHash && location.hash !== "#/x/" + seq) history.replaceState(null, "", "#/x/" + seq);
  document.body.classList.add("has-detail");
  const pane = $("#detail-pane");
  pane.hidden = false;
  let d;
  try {
    d = await api("/api/exchanges/" + seq);
  } catch (err) {
    pane.replaceChildren(h("p.result.bad", { text: err.message }), h("button", { type: "button", onclick: closeDetail }, "Close"));
    return;
  }
  if (S.open !== seq) return;
  S.detail = d;
  renderDetail(d);
}

function closeDetail() {
  S.open = 0;
  S.detail = null;
  document.body.classList.remove("has-detail");
  $("#detail-pane").hidden = true;
  if (location.hash.startsWith("#/x/")) history.replaceState(null, "", "#/");
}

function shortURL(u) {
  try {
    const x = new URL(u);
    return x.host + (x.pathname === "/" ? "" : x.pathname);
  } catch (_) { return u; }
}

function targetSelect(id) {
  const sel = h("select", { id, "aria-label": "Replay to" });
  for (const t of S.info.targets) sel.append(h("option", { value: t.name, title: t.url }, t.label + " (" + shortURL(t.url) + ")"));
  sel.append(h("option", { value: "url" }, "a URL…"));
  return sel;
}

function renderDetail(d) {
  const pane = $("#detail-pane");
  const target = targetSelect("replay-target");
  const url = h("input.mono", { id: "replay-url", placeholder: "http://127.0.0.1:3000/webhook", hidden: S.info.targets.length > 0, spellcheck: "false", "aria-label": "Replay URL" });
  target.addEventListener("change", () => { url.hidden = target.value !== "url"; if (!url.hidden) url.focus(); });
  const result = h("div.result", { id: "replay-result" });
  const ids = "ids=" + d.seq;
  const actions = h("div.actions", null,
    h("button.primary", { type: "button", id: "replay", onclick: () => replay(d, null), title: "Replay (r)" }, "↻ Replay"),
    h("span.muted", { text: "to" }), target, url,
    h("button", { type: "button", id: "edit-open", onclick: () => openEdit(d), title: "Edit and replay (e)" }, "✎ Edit & replay"),
    h("button", { type: "button", id: "copy-curl", onclick: () => copyCurl(d) }, "Copy as curl"),
    h("span.downloads", null, "Download ",
      h("a", { href: "/api/export.har?" + ids, download: true, title: "HAR 1.2, for browsers' developer tools" }, "HAR"), " · ",
      h("a", { href: "/api/export.ndjson?" + ids, download: true, title: "A recording line that wa-cb replay and wa-cb inspect read" }, "recording")));
  const meta = h("div.d-meta", null,
    h("span", null, "request ", h("code", { text: d.id })),
    h("span", { text: fullTime(d.at) }),
    d.origin !== "callback" ? h("span", { text: d.origin === "api" ? "API call to the mock" : "callback sent by the mock" }) : null,
    d.request.remote_addr ? h("span", { text: "from " + d.request.remote_addr }) : null,
    d.replay_of ? h("span", null, "replay of ", h("code", { text: d.replay_of })) : null,
    d.redacted ? badge("redacted", "b-warn") : null);
  const head = h("div.d-head", null,
    h("button.back", { type: "button", onclick: closeDetail }, "← List"),
    h("h1", null, h("span.method", { text: d.method }), h("span.path", { text: d.path + (d.query ? "?" + d.query : "") })),
    eventBadges(d), signatureBadge(d.signature),
    h("span.spacer"),
    h("button.icon.close", { type: "button", onclick: closeDetail, title: "Close (Esc)", "aria-label": "Close" }, "✕"));
  pane.replaceChildren(...[head, meta, actions, result,
    eventsCard(d), requestCard(d), answerCard(d), d.forward ? forwardCard(d.forward) : null, replaysCard(d), messagesCard(d)].filter(Boolean));
  pane.scrollTop = 0;
}

function card(title, open, ...body) {
  return h("details.card", { open: open }, h("summary", null, title), h("div.body", null, body));
}

function kvTable(rows) {
  return h("table.kv", null, h("tbody", null, rows.map(([k, v]) => h("tr", null, h("td", { text: k }), h("td.v", { text: v })))));
}

// requestFacts are on every event of an exchange and in its header
// already: the field table leaves them out.
const requestFacts = new Set(["schema", "raw", "request_id", "received_at", "method", "path", "signature"]);

// flatten turns an event into field/value rows; raw is shown on its own.
function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    if (!prefix && requestFacts.has(k)) continue;
    const key = prefix ? prefix + "." + k : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== "object")) out.push([key, v.join(", ")]);
      else v.forEach((x, i) => (x && typeof x === "object" ? flatten(x, key + "[" + i + "]", out) : out.push([key + "[" + i + "]", String(x)])));
    } else out.push([key, String(v)]);
  }
  return out;
}

// eventsShown is how many event cards are drawn at a time: a callback
// may batch thousands of entries, and a card each would hold the page.
const eventsShown = 100;

function eventCard(ev, i) {
  const s = { sources: [ev.source], kinds: [ev.kind], types: ev.type ? [ev.type] : [], statuses: ev.status ? [ev.status] : [] };
  let raw = null;
  if (ev.raw !== undefined) {
    // The raw object is drawn when unfolded, not for every event up front.
    raw = h("details", { ontoggle: () => { if (raw.open && raw.childElementCount === 1) raw.append(jsonBlock(JSON.stringify(ev.raw, null, 2))); } }, h("summary.muted", { text: "raw" }));
  }
  return h("div.event", null,
    h("div.event-head", null, h("strong", { text: "Event " + (i + 1) }), eventBadges(s), ev.decode_error ? badge("decode error", "b-bad") : null),
    kvTable(flatten(ev, "", [])),
    raw);
}

function eventsCard(d) {
  const evs = d.events || [];
  const body = h("div");
  const more = (from) => {
    body.append(...evs.slice(from, from + eventsShown).map((ev, i) => eventCard(ev, from + i)));
    const rest = evs.length - from - eventsShown;
    if (rest > 0) {
      const btn = h("button", { type: "button", onclick: () => { btn.remove(); more(from + eventsShown); } },
        "Show " + Math.min(rest, eventsShown) + " more of " + rest + " events");
      body.append(btn);
    }
  };
  if (evs.length) more(0); else body.append(h("p.muted", { text: "No events: this exchange carries no callback." }));
  return card("Events (" + evs.length + ")", true, body);
}

function requestCard(d) {
  const r = d.request;
  const kids = [h("div.reqline", { text: r.method + " " + r.path + (r.query ? "?" + r.query : "") + " HTTP/1.1" + (r.host ? "\nHost: " + r.host : "") })];
  if (r.query_params && r.query_params.length) kids.push(h("div.sub", { text: "Query" }), kvTable(r.query_params));
  kids.push(h("div.sub", { text: "Headers" }), r.headers.length ? kvTable(r.headers) : h("p.muted", { text: "none" }));
  kids.push(h("div.sub", { text: "Body " + bodyLabel(r.body) }), bodyBlock(r.body));
  return card("Request", true, kids);
}

function answerCard(d) {
  const a = d.response;
  return card("Answer", true,
    h("p", null, h("span", { class: httpClass(a.status), text: a.status + " " }), a.reason ? h("span.muted", { text: a.reason + " · " }) : null, h("span.muted", { text: ms(a.latency_ms) })),
    a.body.size ? bodyBlock(a.body) : h("p.muted", { text: "empty body" }));
}

function forwardCard(f) {
  return card("Forwarded to the app", true,
    h("p", null, h("code", { text: f.url })),
    h("p", null, f.status ? h("span", { class: httpClass(f.status), text: String(f.status) + " " }) : badge("no answer", "b-bad"), " ", h("span.muted", { text: ms(f.latency_ms) }), f.truncated ? badge("cut", "b-warn") : null),
    f.error ? h("p.result.bad", { text: f.error }) : null,
    f.headers && f.headers.length ? [h("div.sub", { text: "Headers" }), kvTable(f.headers)] : null,
    f.body.size ? [h("div.sub", { text: "Body " + bodyLabel(f.body) }), bodyBlock(f.body)] : null);
}

function replaysCard(d) {
  if (!d.replays || !d.replays.length) return null;
  return card("Replays (" + d.replays.length + ")", true, h("ul.replays", null, d.replays.slice().reverse().map(replayItem)));
}

function replayItem(r) {
  return h("li", null,
    r.status ? h("span", { class: httpClass(r.status), text: String(r.status) }) : badge("no answer", "b-bad"),
    r.edited ? badge("edited", "b-replay") : null,
    r.signed ? badge("signed", "b-ok") : null,
    h("code", { text: r.method + " " + r.url }),
    h("span.muted", { text: ms(r.latency_ms) + " · " + clock(r.at)[0] }),
    r.error ? h("span.preview", { text: r.error }) : r.response ? h("span.preview", { text: r.response }) : null);
}

function messagesCard(d) {
  const ids = [];
  // Only statuses make a timeline: an incoming message's id has none
  // (unless statuses of it were kept too).
  const timed = new Set(S.messages.map((m) => m.id));
  for (const ev of d.events || []) if (ev.id && (ev.kind === "status" || (ev.kind === "message" && timed.has(ev.id))) && !ids.includes(ev.id)) ids.push(ev.id);
  if (!ids.length) return null;
  return card("Messages", true, h("ul.replays", null, ids.map((id) => h("li", null, h("a", { href: "#/messages/" + encodeURIComponent(id), text: id }), h("span.muted", { text: "timeline ›" })))));
}

function bodyLabel(b) {
  if (!b || b.kind === "empty") return "(empty)";
  const size = (n) => n + " byte" + (n === 1 ? "" : "s");
  // a compressed body is shown as it was decoded: what it held first
  if (b.decoded) return "(" + b.decoded.kind + ", " + size(b.decoded.size) + "; sent " + b.coding + ", " + size(b.size) + ")";
  return "(" + b.kind + ", " + size(b.size) + ")";
}

function bodyBlock(b) {
  if (b && b.decoded) return h("div", null, b.note ? h("p.muted", { text: b.note }) : null, bodyBlock(b.decoded));
  if (!b || b.kind === "empty") return h("p.muted", { text: "empty" });
  if (b.kind === "binary") return h("pre.code", { text: b.hex });
  if (b.kind === "form") return kvTable(b.fields || []);
  if (b.kind === "json" && b.pretty) return jsonBlock(b.pretty);
  if (b.kind === "json" && b.json_error) return jsonErrorBlock(b.text, b.json_error);
  return h("pre.code.wrap", { text: b.text });
}

// maxHighlight bounds the JSON jsonBlock colours: a span per token of a
// body of megabytes (the listener takes up to 3 MiB) holds the page for
// minutes; past it the text is shown plain.
const maxHighlight = 256 * 1024;

// jsonBlock highlights indented JSON (built with text nodes only).
function jsonBlock(text) {
  if (text.length > maxHighlight) {
    return h("div", null, h("p.muted", { text: "Not highlighted: " + text.length + " characters." }), h("pre.code", { text }));
  }
  const pre = h("pre.code");
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > last) pre.append(text.slice(last, m.index));
    if (m[1]) {
      pre.append(h("span", { class: m[2] ? "j-key" : "j-str", text: m[1] }));
      if (m[2]) pre.append(m[2]);
    } else if (m[3]) pre.append(h("span.j-lit", { text: m[3] }));
    else pre.append(h("span.j-num", { text: m[4] }));
    last = re.lastIndex;
  }
  pre.append(text.slice(last));
  return pre;
}

// jsonErrorBlock shows a broken JSON body with the place it breaks.
function jsonErrorBlock(text, e) {
  const lines = text.split("\n");
  const from = Math.max(0, e.line - 4), to = Math.min(lines.length, e.line + 3);
  const pre = h("pre.code");
  for (let i = from; i < to; i++) {
    pre.append(h("span.line-no", { text: String(i + 1) }));
    const line = lines[i];
    if (i === e.line - 1) {
      const chars = Array.from(line);
      const c = Math.min(e.column - 1, chars.length);
      pre.append(chars.slice(0, c).join(""), h("span.err-mark", { text: chars[c] || " " }), chars.slice(c + 1).join(""));
    } else pre.append(line);
    pre.append("\n");
  }
  return h("div", null,
    h("p.json-error", { text: "Not valid JSON: line " + e.line + ", column " + e.column + ": " + e.message }), pre,
    h("details", null, h("summary.muted", { text: "whole body" }), h("pre.code.wrap", { text: text })));
}

// ---------- replay, edit, curl ----------

function isLocalURL(u) {
  try {
    const host = new URL(u).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1";
  } catch (_) { return false; }
}

// order reads a replay target from a select and its URL field; null when
// the user declined.
function order(selId, urlId) {
  const o = { target: $(selId).value };
  if (o.target === "url") {
    o.url = $(urlId).value.trim();
    if (!o.url) { $(urlId).hidden = false; $(urlId).focus(); return null; }
    if (!isLocalURL(o.url)) {
      if (!confirm("Replay to " + o.url + "?\nIt is not on this machine.")) return null;
      o.allow_remote = true;
    }
  }
  return o;
}

async function sendReplay(d, o, resultEl) {
  resultEl.className = "result";
  resultEl.textContent = "Sending…";
  try {
    const r = await api("/api/exchanges/" + d.seq + "/replay", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(o),
    });
    resultEl.replaceChildren(h("strong", { text: r.status ? "Replayed: " : "Replay failed: " }), replayItem(r));
    resultEl.classList.toggle("bad", !r.status);
    if (S.open === d.seq) {
      const fresh = await api("/api/exchanges/" + d.seq);
      S.detail = fresh;
      const keep = resultEl.parentNode && resultEl.id === "replay-result" ? resultEl.cloneNode(true) : null;
      renderDetail(fresh);
      if (keep) $("#replay-result").replaceWith(keep);
    }
    return r;
  } catch (err) {
    resultEl.className = "result bad";
    resultEl.textContent = err.message;
    return null;
  }
}

function replay(d) {
  const o = order("#replay-target", "#replay-url");
  if (o) sendReplay(d, o, $("#replay-result"));
}

const skipInEdit = new Set(["content-length", "host"]);

function openEdit(d) {
  const r = d.request;
  $("#edit-id").textContent = d.id;
  $("#edit-method").value = r.method;
  $("#edit-path").value = r.path;
  $("#edit-query").value = r.query || "";
  $("#edit-headers").value = r.headers.filter(([k]) => !skipInEdit.has(k.toLowerCase())).map(([k, v]) => k + ": " + v).join("\n");
  const body = $("#edit-body");
  body.dataset.base64 = "";
  if (r.body.kind === "binary") {
    body.value = "";
    body.placeholder = "binary body of " + r.body.size + " bytes: sent as received unless you type a new one";
    body.dataset.base64 = r.body.base64 || "";
  } else {
    body.placeholder = "";
    body.value = r.body.pretty && r.body.kind === "json" ? r.body.text : (r.body.text || "");
  }
  const signed = r.headers.some(([k]) => k.toLowerCase() === "x-hub-signature-256");
  $("#edit-resign-label").hidden = !S.info.can_resign;
  $("#edit-resign").checked = S.info.can_resign && signed;
  const sel = targetSelect("edit-target");
  $("#edit-target").replaceWith(sel);
  const url = $("#edit-url");
  url.hidden = S.info.targets.length > 0;
  sel.addEventListener("change", () => { url.hidden = sel.value !== "url"; });
  const main = $("#replay-target");
  if (main) { sel.value = main.value; url.value = $("#replay-url").value; url.hidden = sel.value !== "url"; }
  $("#edit-result").textContent = "";
  $("#edit").dataset.seq = d.seq;
  if (!$("#edit").open) $("#edit").showModal();
  // Focus stays off the fields, so the key that opened the editor types
  // nothing into them.
  $("#edit-send").focus();
}

async function submitEdit(ev) {
  ev.preventDefault();
  const d = S.detail;
  if (!d || String(d.seq) !== $("#edit").dataset.seq) return;
  const o = order("#edit-target", "#edit-url");
  if (!o) return;
  const headers = [];
  for (const line of $("#edit-headers").value.split("\n")) {
    if (!line.trim()) continue;
    const i = line.indexOf(":");
    if (i <= 0) { $("#edit-result").className = "result bad"; $("#edit-result").textContent = "Not a header line: " + line; return; }
    headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
  }
  const body = $("#edit-body");
  o.edit = {
    method: $("#edit-method").value,
    path: $("#edit-path").value,
    query: $("#edit-query").value,
    headers,
    resign: $("#edit-resign").checked,
  };
  if (body.dataset.base64 && body.value === "") o.edit.body_base64 = body.dataset.base64;
  else o.edit.body = body.value;
  await sendReplay(d, o, $("#edit-result"));
}

async function copyCurl(d) {
  const p = new URLSearchParams({ target: $("#replay-target").value });
  if ($("#replay-target").value === "url") p.set("url", $("#replay-url").value.trim() || "http://127.0.0.1:4280/");
  let text;
  try {
    text = await api("/api/exchanges/" + d.seq + "/curl?" + p);
  } catch (err) {
    $("#replay-result").className = "result bad";
    $("#replay-result").textContent = err.message;
    return;
  }
  $("#curl-text").value = text;
  $("#curl").showModal();
  $("#curl-text").select();
  try {
    await navigator.clipboard.writeText(text);
    $("#curl h2").textContent = "Copied as curl";
  } catch (_) {
    $("#curl h2").textContent = "Copy as curl (select and copy)";
  }
}

// ---------- messages ----------

function scheduleMessages() {
  if (S.msgTimer) return;
  S.msgTimer = setTimeout(() => { S.msgTimer = 0; loadMessages(); }, 300);
}

async function loadMessages() {
  const data = await api("/api/messages");
  S.messages = data.messages;
  $("#mcount").textContent = S.messages.length;
  if (S.view !== "messages") return;
  const ol = $("#msg-list");
  ol.replaceChildren(...S.messages.map((m) => h("li" + (m.id === S.message ? ".selected" : ""), {
    dataset: { id: m.id },
    onclick: () => { location.hash = "#/messages/" + encodeURIComponent(m.id); },
  },
  h("span.id", { text: m.id, title: m.id }),
  h("span", null, badge(m.last, "b-" + m.last)),
  h("span.sub", null, m.to ? h("span", { text: "to " + m.to }) : null, h("span", { text: m.entries.length + " status" + (m.entries.length === 1 ? "" : "es") }),
    (m.flags || []).map((f) => badge(f.replace(/_/g, " "), "b-flag")), (m.missing || []).map((s) => badge("no " + s, "b-flag"))))));
  if (!S.messages.length) ol.replaceChildren(h("li", null, h("span.muted", { text: "No message statuses among the kept exchanges yet." })));
  renderTimeline();
}

function renderTimeline() {
  const box = $("#timeline");
  const m = S.message ? S.messages.find((x) => x.id === S.message) : S.messages[0];
  if (!m && S.message) {
    // An address naming a message no kept status talks about: say so
    // rather than show another message's timeline.
    for (const li of document.querySelectorAll("#msg-list li")) li.classList.remove("selected");
    box.replaceChildren(h("h2", null, "Message ", h("code", { text: S.message })), h("p.muted", { text: "No status of this message among the kept exchanges." }));
    return;
  }
  if (!m) { box.replaceChildren(h("p.muted", { text: "Statuses of each message id appear here as a timeline." })); return; }
  S.message = m.id;
  for (const li of document.querySelectorAll("#msg-list li")) li.classList.toggle("selected", li.dataset.id === m.id);
  const seen = new Set(m.entries.map((e) => e.status));
  const steps = ["sent", "delivered", "read"].map((s) => h("span.step" + (seen.has(s) ? ".done" : "") + ((m.missing || []).includes(s) ? ".missing" : ""), null, h("span.dot"), s));
  if (seen.has("failed")) steps.push(h("span.step.done.bad", null, h("span.dot"), "failed"));
  box.replaceChildren(
    h("h2", null, "Message ", h("code", { text: m.id })),
    h("p.muted", { text: [m.to ? "to " + m.to : "", m.from ? "from " + m.from : "", m.exchanges.length + " exchange" + (m.exchanges.length === 1 ? "" : "s")].filter(Boolean).join(" · ") }),
    h("div.steps", null, steps),
    h("p.muted", null, "Exchanges: ", m.exchanges.map((seq, i) => [i ? " · " : "", h("a", { href: "#/x/" + seq, text: "#" + seq })])),
    h("ol.tl", null, m.entries.map((e) => {
      const odd = e.flags && e.flags.length;
      return h("li" + (e.status === "failed" ? ".bad" : odd ? ".odd" : ""), null,
        h("div", null, badge(e.status, "b-" + e.status), " ", h("span.when", { text: fullTime(e.at) }), " ",
          e.since_previous_ms !== undefined ? h("span.muted", { text: duration(e.since_previous_ms) + " after " + e.previous }) : null),
        h("div", null, (e.flags || []).map((f) => badge(f.replace(/_/g, " "), "b-flag")), (e.missing || []).map((s) => badge("no " + s + " before", "b-flag"))),
        e.error ? h("div.result.bad", { text: e.error }) : null,
        h("div", null, h("a", { href: "#/x/" + e.exchange, text: "exchange " + e.request_id + " ›" })));
    })));
}

// ---------- routing and keys ----------

// decodeHash reads a message id from the address; one typed or cut
// short is taken as it stands rather than breaking the page.
function decodeHash(s) {
  try { return decodeURIComponent(s); } catch (_) { return s; }
}

function route() {
  const hash = location.hash || "#/";
  const msg = hash.match(/^#\/messages(?:\/(.+))?$/);
  const ex = hash.match(/^#\/x\/(\d+)$/);
  S.view = msg ? "messages" : "exchanges";
  $("#tab-exchanges").classList.toggle("active", !msg);
  $("#tab-messages").classList.toggle("active", !!msg);
  $("#list-pane").hidden = !!msg;
  $("#messages-pane").hidden = !msg;
  $("#search").hidden = !!msg;
  if (msg) {
    $("#detail-pane").hidden = true;
    document.body.classList.remove("has-detail");
    S.message = msg[1] ? decodeHash(msg[1]) : "";
    loadMessages();
  } else if (ex) {
    const seq = Number(ex[1]);
    select(seq, true);
    openDetail(seq, true);
  } else if (S.open) {
    closeDetail();
  }
}

function move(delta) {
  if (!S.rows.length) return;
  let i = S.rows.findIndex((s) => s.seq === S.selected);
  i = i < 0 ? 0 : Math.max(0, Math.min(S.rows.length - 1, i + delta));
  select(S.rows[i].seq, true);
  if (S.open) openDetail(S.rows[i].seq);
}

async function ensureOpen() {
  if (!S.selected && S.rows.length) select(S.rows[0].seq, true);
  if (!S.selected) return null;
  if (S.open !== S.selected || !S.detail) await openDetail(S.selected);
  return S.detail;
}

function onKey(ev) {
  const t = ev.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) {
    if (ev.key === "Escape") t.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (document.querySelector("dialog[open]")) return;
  switch (ev.key) {
    case "j": move(1); break;
    case "k": move(-1); break;
    case "Enter": if (S.selected) openDetail(S.selected); break;
    case "r": ensureOpen().then((d) => d && replay(d)); break;
    case "e": ensureOpen().then((d) => d && openEdit(d)); break;
    case "/": location.hash = "#/"; $("#q").focus(); break;
    case "?": $("#help").showModal(); break;
    case "f": setFollow(!S.follow); break;
    case "m": location.hash = "#/messages"; break;
    case "Escape": if (S.open) closeDetail(); else if (S.view === "messages") location.hash = "#/"; break;
    default: return;
  }
  // The key did its job: it must not also type into what it focused.
  ev.preventDefault();
}

async function start() {
  try {
    S.info = await api("/api/info");
  } catch (err) {
    setState("unreachable", "down");
    notice("info", "The inspector does not answer: " + err.message, "error");
    return;
  }
  if (S.info.redacted) notice("redacted", "Redacted (--redact): phone numbers, names and message texts are masked here; replays send the masked bodies.", "info");
  if (!S.info.live) notice("ro", "Read-only: a recording opened with wa-cb inspect. Replays go to the URL you give.", "info");
  document.title = S.info.title;
  await loadList();
  connect();
  route();
  loadMessages();
}

window.addEventListener("hashchange", route);
document.addEventListener("keydown", onKey);
document.addEventListener("DOMContentLoaded", () => {
  $("#search").addEventListener("submit", (ev) => { ev.preventDefault(); loadList(); });
  let typing = 0;
  for (const id of ["#q", "#jq"]) $(id).addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(loadList, 300); });
  for (const id of ["#f-source", "#f-kind", "#f-status"]) $(id).addEventListener("change", loadList);
  $("#follow").addEventListener("click", () => setFollow(!S.follow));
  $("#help-button").addEventListener("click", () => $("#help").showModal());
  $("#edit-form").addEventListener("submit", submitEdit);
  $("#edit-cancel").addEventListener("click", () => $("#edit").close());
  $("#list-pane").addEventListener("scroll", () => { if ($("#list-pane").scrollTop > 40 && S.follow) setFollow(false); });
  start();
});
