// newsflow search page, part 1 of 5: constants and safe DOM building (loaded first).
// See app.js for the safety rule every part follows.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PAGE_SIZE = 10;
const FACETS = [
  // facet name in the API's JSON -> the /search parameter it filters, and whether it repeats
  { facet: "actors", param: "actor", label: "Actor", multi: true },
  { facet: "places", param: "place", label: "Place", multi: true },
  { facet: "topics", param: "topic", label: "Topic", multi: true },
  { facet: "sources", param: "source", label: "Source", multi: false },
  { facet: "stories", param: "story", label: "Story", multi: false },
];

const state = {
  q: "",
  sort: "relevance",
  filters: { actor: [], place: [], topic: [], source: [], story: [] },
  cursors: [null], // cursors[i] is the cursor that fetches page i+1 (null: the first page)
  pageIndex: 0,
};
let lastRequest = 0;
let lastSearch = null; // the location.search the results on screen were read from

const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function svgTitle(node, text) {
  const t = svg("title");
  t.textContent = text;
  node.appendChild(t);
  return node;
}

// ------------------------------------------------------------------ highlight fragments

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return Object.prototype.hasOwnProperty.call(ENTITIES, name) ? ENTITIES[name] : whole;
  });
}

/** Append an ES highlight fragment to `parent`: text nodes plus <mark> elements, nothing else. */
function appendHighlighted(parent, fragment) {
  const parts = String(fragment).split(/(<mark>|<\/mark>)/);
  let mark = null;
  for (const part of parts) {
    if (part === "<mark>") {
      mark = document.createElement("mark");
      parent.appendChild(mark);
    } else if (part === "</mark>") {
      mark = null;
    } else if (part) {
      (mark || parent).appendChild(document.createTextNode(decodeEntities(part)));
    }
  }
}

function safeHref(url) {
  if (!url) return null;
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch (e) {
    return null;
  }
}

// ------------------------------------------------------------------ views named by the URL
// The article and the story view each show one item the URL's hash names ("#article=<id>",
// "#story=<id>"); a click opens one with a history entry, so Back (the button or the
// browser's) closes it and what was under it comes back as it was.

function viewUrl(kind, id) {
  return window.location.pathname + window.location.search + "#" + kind + "=" + encodeURIComponent(String(id));
}

function idFromHash(kind) {
  const m = new RegExp(`^#${kind}=(.+)$`).exec(window.location.hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]) || null;
  } catch (e) {
    return null;
  }
}

/** ``view`` ({id, opener, scrollY, ...}) opened on ``id`` from a click on ``opener``. */
function openView(kind, view, id, opener, show) {
  view.opener = opener || null;
  history.pushState({ [kind]: id }, "", viewUrl(kind, id));
  show(id);
}

function closeView(kind, view, hide) {
  if (history.state && history.state[kind] === view.id) {
    history.back(); // popstate hides it
  } else {
    history.pushState(null, "", window.location.pathname + window.location.search);
    hide(true);
  }
}

/** Back where ``view`` was opened from: that scroll position, the focus on its opener. */
function restoreOpener(view) {
  window.scrollTo(0, view.scrollY);
  if (view.opener && view.opener.isConnected) view.opener.focus({ preventScroll: true });
}
