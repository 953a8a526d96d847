// newsflow search page, part 3 of 5: the article view (#article=<id>), its text cut at the
// entity mentions' offsets into text nodes and <mark>s we create.
"use strict";

// ------------------------------------------------------------------ article view

const article = { id: null, ticket: 0, opener: null, scrollY: 0 };

const articleUrl = (id) => viewUrl("article", id);
const articleIdFromHash = () => idFromHash("article");
const openArticle = (id, opener) => openView("article", article, id, opener, showArticle);
const closeArticle = () => closeView("article", article, hideArticle);

/** Show whatever article the URL names (or none): on load, Back/Forward, a hand-edited hash. */
function syncArticle() {
  const id = articleIdFromHash();
  if (id === null) hideArticle(true);
  else if (id !== article.id) showArticle(id);
}

function hideArticle(restore) {
  if (article.id === null) return;
  article.id = null;
  article.ticket += 1; // an article still loading is not shown
  $("article-view").hidden = true;
  $("search-view").hidden = false;
  document.title = "newsflow search";
  if (restore) restoreOpener(article);
  article.opener = null;
}

function setArticleStatus(text, isError) {
  const s = $("article-status");
  s.textContent = text;
  s.classList.toggle("error", !!isError);
}

async function showArticle(id) {
  if (article.id === null) article.scrollY = window.scrollY;
  article.id = id;
  const ticket = ++article.ticket;
  $("search-view").hidden = true;
  $("story-view").hidden = true; // an open story comes back when the article is closed
  $("article-view").hidden = false;
  $("article-content").hidden = true;
  $("article-view").removeAttribute("data-id");
  setArticleStatus("Loading article…", false);
  window.scrollTo(0, 0);
  let resp, doc;
  try {
    resp = await fetch("/articles/" + encodeURIComponent(id), { headers: { Accept: "application/json" } });
    doc = await resp.json();
  } catch (e) {
    if (ticket === article.ticket) setArticleStatus("The search service did not answer. Try again in a moment.", true);
    return;
  }
  if (ticket !== article.ticket) return; // closed, or another article asked for meanwhile
  if (!resp.ok || !doc || typeof doc !== "object") {
    setArticleStatus(resp.status === 404 ? "There is no article with this id (any more)." :
      "The article could not be loaded: " + ((doc && doc.error) || resp.status), true);
    return;
  }
  renderArticle(id, doc);
  setArticleStatus("", false);
  $("article-content").hidden = false;
  $("article-view").setAttribute("data-id", id);
  document.title = String(doc.title || "article") + " — newsflow";
  $("article-title").focus({ preventScroll: true });
}

/** Python counts code points, JS strings count UTF-16 units: map one onto the other. */
function codePointToUnit(text) {
  const map = [0];
  let unit = 0;
  for (const ch of text) {
    unit += ch.length;
    map.push(unit);
  }
  return map;
}

function pct(x) {
  const n = Number(x);
  return isFinite(n) ? `${Math.round(n * 100)}%` : "?";
}

function howFound(method, confidence) {
  const m = method ? String(method) : "unknown method";
  return `found by ${m}, confidence ${pct(confidence)}`;
}

/**
 * The mentions of every actor and place as spans of `full` (title + "\n\n" + body) in UTF-16
 * units, sorted, overlaps dropped (the earlier, then the longer one wins), each checked to read
 * exactly the mention's text there. Returns {spans, skipped}.
 */
function mentionSpans(full, entities) {
  const map = codePointToUnit(full);
  const all = [];
  let skipped = 0;
  for (const [kind, list] of [["actor", entities.actors], ["place", entities.places]]) {
    (Array.isArray(list) ? list : []).forEach((ent, i) => {
      if (!ent || typeof ent !== "object") return;
      for (const m of Array.isArray(ent.mentions) ? ent.mentions : []) {
        const s = Number(m && m.start), e = Number(m && m.end);
        if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e <= s || e >= map.length) {
          skipped += 1;
          continue;
        }
        const start = map[s], end = map[e];
        if (typeof m.text === "string" && full.slice(start, end) !== m.text) {
          skipped += 1; // the offsets do not point at the text: do not mark the wrong words
          continue;
        }
        all.push({ start, end, cpStart: s, cpEnd: e, kind, key: `${kind[0]}${i}`, ent });
      }
    });
  }
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const spans = [];
  let reach = 0;
  for (const sp of all) {
    const prev = spans[spans.length - 1];
    if (prev && sp.start === prev.start && sp.end === prev.end) {
      prev.also.push(sp); // the same words found as two entities (e.g. "Kyiv": a city and a government)
      continue;
    }
    if (sp.start < reach) {
      skipped += 1;
      continue;
    }
    sp.also = [];
    spans.push(sp);
    reach = sp.end;
  }
  return { spans, skipped };
}

function mentionTooltip(sp) {
  return [sp, ...(sp.also || [])].map(entityTooltip).join("\n\n");
}

function entityTooltip(sp) {
  const ent = sp.ent;
  const name = String(ent.name || "");
  let what;
  if (sp.kind === "actor") {
    what = `${name} — ${ent.type ? String(ent.type) : "actor"}`;
    if (Array.isArray(ent.roles) && ent.roles.length) what += ` (${ent.roles.join(", ")})`;
  } else {
    what = `${name} — place`;
    if (ent.feature) what += `, ${ent.feature}`;
    if (ent.country_code) what += `, ${ent.country_code}`;
  }
  return `${what}\n${howFound(ent.method, ent.confidence)}`;
}

/** Append full[from, to) to `parent`: text nodes, and a <mark> for every span (clipped) in it. */
function appendMarked(parent, full, from, to, spans) {
  let at = from;
  for (const sp of spans) {
    if (sp.end <= from || sp.start >= to) continue;
    const s = Math.max(sp.start, from), e = Math.min(sp.end, to);
    if (s > at) parent.appendChild(document.createTextNode(full.slice(at, s)));
    const mark = el("mark", {
      class: `ent ent-${sp.kind}`, "data-ent": sp.key, "data-kind": sp.kind, "data-name": String(sp.ent.name || ""),
      "data-start": sp.cpStart, "data-end": sp.cpEnd, title: mentionTooltip(sp),
    }, full.slice(s, e));
    if (sp.also.length) {
      mark.classList.add("ent-shared");
      mark.setAttribute("data-also", sp.also.map((x) => x.key).join(" "));
    }
    parent.appendChild(mark);
    at = e;
  }
  if (at < to) parent.appendChild(document.createTextNode(full.slice(at, to)));
}

function renderArticle(id, doc) {
  const title = typeof doc.title === "string" ? doc.title : "";
  const body = typeof doc.body === "string" ? doc.body : "";
  const full = title + "\n\n" + body;
  const entities = doc.entities && typeof doc.entities === "object" ? doc.entities : {};
  const { spans, skipped } = mentionSpans(full, entities);

  const h = $("article-title");
  h.replaceChildren();
  if (title) appendMarked(h, full, 0, title.length, spans);
  else h.textContent = "(untitled)";

  const meta = $("article-meta");
  meta.replaceChildren();
  if (doc.source) meta.appendChild(el("span", { class: "source" }, doc.source));
  if (doc.published_at) {
    const t = el("time", { datetime: String(doc.published_at) }, formatDate(doc.published_at));
    t.title = String(doc.published_at) + (doc.published_at_source ? ` (date from ${doc.published_at_source})` : "");
    meta.appendChild(t);
  }
  if (doc.author) meta.appendChild(el("span", { class: "author" }, "by " + doc.author));
  if (doc.language) meta.appendChild(el("span", { class: "lang" }, doc.language));
  const href = safeHref(doc.url);
  if (href) {
    meta.appendChild(el("a", { class: "original", href, rel: "noopener noreferrer nofollow", target: "_blank" },
      "Read the original ↗"));
  } else if (doc.url) {
    meta.appendChild(el("span", { class: "no-link", title: String(doc.url) }, "original address not linked (not http/https)"));
  }
  if (doc.duplicate_of) {
    const dup = el("a", { class: "duplicate", href: articleUrl(doc.duplicate_of) }, "a duplicate: see the first copy");
    meta.appendChild(dup);
  }

  // body paragraphs: the cleaned text separates them with a blank line
  const box = $("article-body");
  box.replaceChildren();
  const offset = title.length + 2;
  const breaks = /\n[^\S\n]*\n\s*/g;
  let start = 0, m;
  const paragraphs = [];
  while ((m = breaks.exec(body)) !== null) {
    paragraphs.push([start, m.index]);
    start = m.index + m[0].length;
  }
  paragraphs.push([start, body.length]);
  for (const [ps, pe] of paragraphs) {
    if (!body.slice(ps, pe).trim()) continue;
    const p = el("p");
    appendMarked(p, full, offset + ps, offset + pe, spans);
    box.appendChild(p);
  }
  if (!box.childElementCount) box.appendChild(el("p", { class: "empty" }, "(no text)"));
  if (skipped) {
    box.appendChild(el("p", { class: "note" },
      `${skipped} mention${skipped === 1 ? "" : "s"} not highlighted (overlapping another, or not where the text is).`));
  }

  renderEntityLists(entities, doc, spans);
}

function entityButton(param, name) {
  const b = el("button", { type: "button", class: "link ent-name", title: "Search articles with this" }, name);
  b.addEventListener("click", () => addFilter(param, String(name)));
  return b;
}

/** Hovering an entry lights up its mentions in the text. */
function linkHover(li, key) {
  const toggle = (on) => {
    for (const mk of document.querySelectorAll(`#article-view mark[data-ent="${key}"], #article-view mark[data-also~="${key}"]`)) mk.classList.toggle("lit", on);
  };
  li.addEventListener("mouseenter", () => toggle(true));
  li.addEventListener("mouseleave", () => toggle(false));
}

function fmtCoord(lat, lon) {
  const a = Number(lat), o = Number(lon);
  if (lat === null || lon === null || lat === undefined || lon === undefined || !isFinite(a) || !isFinite(o)) return null;
  return `${Math.abs(a).toFixed(2)}°${a >= 0 ? "N" : "S"}, ${Math.abs(o).toFixed(2)}°${o >= 0 ? "E" : "W"}`;
}

function renderEntityLists(entities, doc, spans) {
  const shown = new Map(); // key -> mentions highlighted
  for (const sp of spans) {
    for (const x of [sp, ...sp.also]) shown.set(x.key, (shown.get(x.key) || 0) + 1);
  }

  const actors = Array.isArray(entities.actors) ? entities.actors :
    (Array.isArray(doc.actors) ? doc.actors.map((name) => ({ name })) : []);
  const places = Array.isArray(entities.places) ? entities.places :
    (Array.isArray(doc.places) ? doc.places.map((name) => ({ name })) : []);
  const topics = Array.isArray(entities.topics) ? entities.topics :
    (Array.isArray(doc.topics) ? doc.topics.map((label) => ({ label })) : []);

  fillList("article-actors", actors.flatMap((a, i) => {
    if (!a || !a.name) return [];
    const details = [];
    if (Array.isArray(a.roles) && a.roles.length) details.push(a.roles.join(", "));
    if (Array.isArray(a.aliases) && a.aliases.length) details.push("also: " + a.aliases.join(", "));
    return [entityItem("actor", `a${i}`, a, a.type, details, shown)];
  }));
  fillList("article-places", places.flatMap((p, i) => {
    if (!p || !p.name) return [];
    const coord = fmtCoord(p.lat, p.lon);
    const li = entityItem("place", `p${i}`, p, [p.feature, p.country_code].filter(Boolean).join(", "),
      [coord || "no coordinates"], shown);
    if (coord) li.querySelector(".ent-details").setAttribute("data-coords", `${Number(p.lat)},${Number(p.lon)}`);
    return [li];
  }));

  const sortedTopics = topics.filter((t) => t && t.label)
    .sort((a, b) => (Number(b.score) || 0) - (Number(a.score) || 0));
  fillList("article-topics", sortedTopics.map((t) => {
    const li = el("li", { class: "ent-item ent-item-topic" });
    li.appendChild(entityButton("topic", t.label));
    const score = Number(t.score);
    if (isFinite(score)) {
      const bar = el("span", { class: "score", title: `score ${score.toFixed(2)}` + (t.id ? ` · ${t.id}` : "") +
        (t.method ? ` · found by ${t.method}` : "") });
      const fill = el("span", { class: "score-fill" });
      fill.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el("span", { class: "score-value" }, score.toFixed(2)));
    }
    return li;
  }));
}

/** One actor or place (``kind``) as a list item: its name as a filter button, ``type`` (what
 * kind of actor, where the place is), ``details`` and then what every entity has (how often the
 * text names it, how many of those are marked, how it was found), hover linked to its marks. */
function entityItem(kind, key, ent, type, details, shown) {
  const li = el("li", { class: `ent-item ent-item-${kind}`, "data-ent": key });
  li.appendChild(entityButton(kind, ent.name));
  if (type) li.appendChild(el("span", { class: "ent-type" }, type));
  details.push(`${ent.count || 0}× in text, ${shown.get(key) || 0} marked`);
  if (ent.method !== undefined) details.push(howFound(ent.method, ent.confidence));
  li.appendChild(el("span", { class: "ent-details" }, details.join(" · ")));
  linkHover(li, key);
  return li;
}

/** The list ``id`` holding ``items``, or saying none was found. */
function fillList(id, items) {
  const list = $(id);
  list.replaceChildren(...items);
  if (!list.childElementCount) list.appendChild(el("li", { class: "empty" }, "none found"));
}
