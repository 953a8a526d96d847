// newsflow search page: plain JS, no build step, no network but this API.
//
// Safety rule: article data (titles, sources, names, urls) only ever reaches the page through
// textContent / createTextNode / validated attributes. The one exception is the highlight
// fragments, which Elasticsearch HTML-escapes and wraps in <mark> tags: those are split on
// exactly "<mark>" and "</mark>", their text decoded and inserted as text nodes, and each
// marked run is a <mark> element we create. No innerHTML anywhere.
//
// The article view (#article=<id> in the URL) is built the same way: the text is cut at the
// entity mentions' offsets and every piece becomes a text node or a <mark> we create.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const PAGE_SIZE = 10;
  const FACETS = [
    // facet name in the API's JSON -> the /search parameter it filters, and whether it repeats
    { facet: "actors", param: "actor", label: "Actor", multi: true },
    { facet: "places", param: "place", label: "Place", multi: true },
    { facet: "topics", param: "topic", label: "Topic", multi: true },
    { facet: "sources", param: "source", label: "Source", multi: false },
  ];

  const state = {
    q: "",
    sort: "relevance",
    filters: { actor: [], place: [], topic: [], source: [] },
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

  // ------------------------------------------------------------------ state <-> URL

  function readUrl() {
    const p = new URLSearchParams(window.location.search);
    state.q = p.get("q") || "";
    state.sort = p.get("sort") === "date" ? "date" : "relevance";
    for (const f of FACETS) state.filters[f.param] = p.getAll(f.param).filter(Boolean);
    state.cursors = [null];
    state.pageIndex = 0;
    $("q").value = state.q;
    $("sort").value = state.sort;
    lastSearch = window.location.search;
  }

  function filterParams() {
    const p = new URLSearchParams();
    if (state.q.trim()) p.set("q", state.q.trim());
    if (state.sort !== "relevance") p.set("sort", state.sort);
    for (const f of FACETS) for (const v of state.filters[f.param]) p.append(f.param, v);
    return p;
  }

  function pushUrl() {
    const qs = filterParams().toString();
    const url = window.location.pathname + (qs ? "?" + qs : "");
    const here = window.location.pathname + window.location.search + window.location.hash;
    if (url !== here) history.pushState(null, "", url);
    lastSearch = window.location.search;
  }

  function newSearch() {
    hideArticle(false);
    state.cursors = [null];
    state.pageIndex = 0;
    pushUrl();
    run();
  }

  function addFilter(param, value) {
    const f = FACETS.find((x) => x.param === param);
    const list = state.filters[param];
    if (list.includes(value)) return;
    state.filters[param] = f && !f.multi ? [value] : list.concat([value]);
    newSearch();
  }

  function removeFilter(param, value) {
    state.filters[param] = state.filters[param].filter((v) => v !== value);
    newSearch();
  }

  // ------------------------------------------------------------------ fetching

  async function run() {
    const params = filterParams();
    params.set("size", String(PAGE_SIZE));
    const cursor = state.cursors[state.pageIndex];
    if (cursor) params.set("cursor", cursor);
    const ticket = ++lastRequest;
    setStatus("Searching…", false);
    document.body.classList.add("busy");
    let resp, data;
    try {
      resp = await fetch("/search?" + params.toString(), { headers: { Accept: "application/json" } });
      data = await resp.json();
    } catch (e) {
      if (ticket === lastRequest) {
        document.body.classList.remove("busy");
        setStatus("The search service did not answer. Try again in a moment.", true);
      }
      return;
    }
    if (ticket !== lastRequest) return; // a newer search was started meanwhile
    document.body.classList.remove("busy");
    if (!resp.ok) {
      const message = data && (data.error || (data.detail && JSON.stringify(data.detail)));
      setStatus("Search failed: " + (message || resp.status), true);
      render({ total: 0, hits: [], facets: null, next_cursor: null });
      return;
    }
    render(data);
  }

  function setStatus(text, isError) {
    const s = $("status");
    s.textContent = text;
    s.classList.toggle("error", !!isError);
  }

  // ------------------------------------------------------------------ rendering

  function render(data) {
    renderChips();
    const total = data.total || 0;
    const first = state.pageIndex * PAGE_SIZE + 1;
    const last = state.pageIndex * PAGE_SIZE + (data.hits || []).length;
    setStatus(
      total === 0 ? "No articles match." :
        `${total.toLocaleString("en")} article${total === 1 ? "" : "s"} — showing ${first}–${last}`,
      false,
    );
    renderResults(data.hits || []);
    if (data.facets) {
      renderFacets(data.facets);
      renderTimeline(data.facets.timeline || [], data.timeline_interval);
    } else {
      renderFacets({});
      renderTimeline([], null);
    }
    renderMap(data.hits || []);
    renderPager(data);
  }

  function renderChips() {
    const box = $("chips");
    box.replaceChildren();
    for (const f of FACETS) {
      for (const value of state.filters[f.param]) {
        const chip = el("span", { class: "chip", "data-param": f.param });
        chip.appendChild(el("span", { class: "chip-kind" }, f.label + ":"));
        chip.appendChild(el("span", { class: "chip-value" }, value));
        const x = el("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${f.label} ${value}` }, "×");
        x.addEventListener("click", () => removeFilter(f.param, value));
        chip.appendChild(x);
        box.appendChild(chip);
      }
    }
    if (box.childElementCount > 1) {
      const clear = el("button", { type: "button", class: "chip-clear" }, "Clear all");
      clear.addEventListener("click", () => {
        for (const f of FACETS) state.filters[f.param] = [];
        newSearch();
      });
      box.appendChild(clear);
    }
    box.hidden = box.childElementCount === 0;
  }

  function renderFacets(facets) {
    for (const f of FACETS) {
      const section = document.querySelector(`.facet[data-facet="${f.facet}"]`);
      const ul = section.querySelector("ul");
      ul.replaceChildren();
      const buckets = (facets[f.facet] || []).filter((b) => !state.filters[f.param].includes(b.value));
      for (const b of buckets) {
        const li = el("li");
        const btn = el("button", { type: "button", class: "facet-value", "data-param": f.param });
        btn.appendChild(el("span", { class: "facet-name" }, b.value));
        btn.appendChild(el("span", { class: "facet-count" }, b.count));
        btn.addEventListener("click", () => addFilter(f.param, String(b.value)));
        li.appendChild(btn);
        ul.appendChild(li);
      }
      section.hidden = buckets.length === 0;
    }
  }

  function formatDate(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toISOString().slice(0, 10);
  }

  function renderResults(hits) {
    const ol = $("results");
    ol.replaceChildren();
    for (const hit of hits) {
      const li = el("li", { class: "result", "data-id": hit.id });
      const h = el("h3", { class: "result-title" });
      const href = safeHref(hit.url);
      const titleBox = el("a", { class: "read", href: articleUrl(hit.id), title: "Read the article here" });
      titleBox.addEventListener("click", (e) => {
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return; // new tab etc.
        e.preventDefault();
        openArticle(String(hit.id), titleBox);
      });
      const hl = hit.highlight || {};
      if (hl.title && hl.title.length) appendHighlighted(titleBox, hl.title[0]);
      else titleBox.textContent = hit.title || "(untitled)";
      h.appendChild(titleBox);
      li.appendChild(h);

      const meta = el("p", { class: "result-meta" });
      if (hit.published_at) meta.appendChild(el("time", { datetime: String(hit.published_at) }, formatDate(hit.published_at)));
      if (hit.source) {
        const src = el("button", { type: "button", class: "link source" }, hit.source);
        src.title = "Only this source";
        src.addEventListener("click", () => addFilter("source", String(hit.source)));
        meta.appendChild(src);
      }
      if (hit.language) meta.appendChild(el("span", { class: "lang" }, hit.language));
      if (href) {
        meta.appendChild(el("a", { class: "original", href, rel: "noopener noreferrer nofollow", target: "_blank",
          title: "The original, on its site" }, "original ↗"));
      }
      li.appendChild(meta);

      const snippet = el("p", { class: "snippet" });
      (hl.body || []).forEach((fragment, i) => {
        if (i) snippet.appendChild(document.createTextNode(" … "));
        appendHighlighted(snippet, fragment);
      });
      if (snippet.childNodes.length) li.appendChild(snippet);

      const tags = el("p", { class: "tags" });
      const addTags = (values, param, cls) => {
        for (const v of (values || []).slice(0, 8)) {
          const t = el("button", { type: "button", class: "tag " + cls }, v);
          t.addEventListener("click", () => addFilter(param, String(v)));
          tags.appendChild(t);
        }
      };
      addTags(hit.actors, "actor", "tag-actor");
      addTags(hit.places, "place", "tag-place");
      addTags(hit.topics, "topic", "tag-topic");
      if (tags.childNodes.length) li.appendChild(tags);
      ol.appendChild(li);
    }
  }

  function renderTimeline(buckets, interval) {
    const chart = $("timeline");
    const axis = $("timeline-axis");
    chart.replaceChildren();
    axis.replaceChildren();
    if (!buckets.length) {
      const t = svg("text", { x: 300, y: 75, "text-anchor": "middle", class: "empty" });
      t.textContent = "no dated articles";
      chart.appendChild(t);
      return;
    }
    const W = 600, H = 140, top = 8, bottom = 2;
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const slot = W / buckets.length;
    const gap = Math.min(4, slot * 0.2);
    buckets.forEach((b, i) => {
      const h = b.count ? Math.max(2, ((H - top - bottom) * b.count) / max) : 0;
      const rect = svg("rect", {
        class: "bar", x: (i * slot + gap / 2).toFixed(2), y: (H - bottom - h).toFixed(2),
        width: Math.max(1, slot - gap).toFixed(2), height: h.toFixed(2),
      });
      rect.setAttribute("data-date", String(b.date));
      rect.setAttribute("data-count", String(b.count));
      svgTitle(rect, `${formatDate(b.date)}: ${b.count} article${b.count === 1 ? "" : "s"}`);
      chart.appendChild(rect);
    });
    chart.appendChild(svg("line", { class: "baseline", x1: 0, x2: W, y1: H - bottom, y2: H - bottom }));
    axis.appendChild(el("span", null, formatDate(buckets[0].date)));
    axis.appendChild(el("span", { class: "interval" }, interval ? `bars of ${interval}, highest ${max}` : `highest ${max}`));
    axis.appendChild(el("span", null, formatDate(buckets[buckets.length - 1].date)));
  }

  function drawGraticule() {
    const g = $("graticule");
    for (let lon = -150; lon <= 150; lon += 30) g.appendChild(svg("line", { x1: lon, x2: lon, y1: -90, y2: 90 }));
    for (let lat = -60; lat <= 60; lat += 30) {
      g.appendChild(svg("line", { x1: -180, x2: 180, y1: -lat, y2: -lat, class: lat === 0 ? "equator" : "" }));
    }
  }

  function renderMap(hits) {
    const layer = $("markers");
    layer.replaceChildren();
    const points = new Map(); // "lat,lon" rounded -> {lat, lon, names:Set, titles:Set}
    for (const hit of hits) {
      const locs = Array.isArray(hit.locations) ? hit.locations : [];
      const names = Array.isArray(hit.places) && hit.places.length === locs.length ? hit.places : null;
      locs.forEach((loc, i) => {
        const lat = Number(loc && loc.lat), lon = Number(loc && loc.lon);
        if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
        const key = `${lat.toFixed(1)},${lon.toFixed(1)}`;
        if (!points.has(key)) points.set(key, { lat, lon, names: new Set(), titles: new Set() });
        const p = points.get(key);
        if (names) p.names.add(String(names[i]));
        p.titles.add(String(hit.title || hit.id));
      });
    }
    const sorted = [...points.values()].sort((a, b) => b.titles.size - a.titles.size);
    for (const p of sorted) {
      const r = 3 + 1.5 * Math.sqrt(p.titles.size - 1);
      const dot = svg("circle", { class: "marker", cx: p.lon.toFixed(2), cy: (-p.lat).toFixed(2), r: r.toFixed(2) });
      const names = [...p.names];
      dot.setAttribute("data-place", names.join(", "));
      const label = (names.length ? names.join(", ") : `${p.lat.toFixed(2)}, ${p.lon.toFixed(2)}`) +
        ` — ${p.titles.size} article${p.titles.size === 1 ? "" : "s"}:\n` + [...p.titles].slice(0, 5).join("\n");
      svgTitle(dot, label);
      if (names.length === 1) {
        dot.classList.add("clickable");
        dot.addEventListener("click", () => addFilter("place", names[0]));
      }
      layer.appendChild(dot);
    }
  }

  function renderPager(data) {
    const hasNext = !!data.next_cursor;
    if (hasNext) state.cursors[state.pageIndex + 1] = data.next_cursor;
    $("prev").disabled = state.pageIndex === 0;
    $("next").disabled = !hasNext;
    $("page-label").textContent = (data.total || 0) > 0 ? `Page ${state.pageIndex + 1}` : "";
    $("pager").hidden = state.pageIndex === 0 && !hasNext;
  }


  // ------------------------------------------------------------------ article view

  const article = { id: null, ticket: 0, opener: null, scrollY: 0 };

  function articleUrl(id) {
    return window.location.pathname + window.location.search + "#article=" + encodeURIComponent(String(id));
  }

  function articleIdFromHash() {
    const m = /^#article=(.+)$/.exec(window.location.hash);
    if (!m) return null;
    try {
      return decodeURIComponent(m[1]) || null;
    } catch (e) {
      return null;
    }
  }

  /** From a click in the page: a new history entry, so Back (the button or the browser's) closes it. */
  function openArticle(id, opener) {
    article.opener = opener || null;
    history.pushState({ article: id }, "", articleUrl(id));
    showArticle(id);
  }

  function closeArticle() {
    if (history.state && history.state.article === article.id) {
      history.back(); // popstate hides it and the results come back as they were
    } else {
      history.pushState(null, "", window.location.pathname + window.location.search);
      hideArticle(true);
    }
  }

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
    if (restore) {
      window.scrollTo(0, article.scrollY);
      if (article.opener && article.opener.isConnected) article.opener.focus({ preventScroll: true });
    }
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

    const ua = $("article-actors");
    ua.replaceChildren();
    actors.forEach((a, i) => {
      if (!a || !a.name) return;
      const li = el("li", { class: "ent-item ent-item-actor", "data-ent": `a${i}` });
      li.appendChild(entityButton("actor", a.name));
      if (a.type) li.appendChild(el("span", { class: "ent-type" }, a.type));
      const details = [];
      if (Array.isArray(a.roles) && a.roles.length) details.push(a.roles.join(", "));
      if (Array.isArray(a.aliases) && a.aliases.length) details.push("also: " + a.aliases.join(", "));
      details.push(`${a.count || 0}× in text, ${shown.get(`a${i}`) || 0} marked`);
      if (a.method !== undefined) details.push(howFound(a.method, a.confidence));
      li.appendChild(el("span", { class: "ent-details" }, details.join(" · ")));
      linkHover(li, `a${i}`);
      ua.appendChild(li);
    });
    if (!ua.childElementCount) ua.appendChild(el("li", { class: "empty" }, "none found"));

    const up = $("article-places");
    up.replaceChildren();
    places.forEach((p, i) => {
      if (!p || !p.name) return;
      const li = el("li", { class: "ent-item ent-item-place", "data-ent": `p${i}` });
      li.appendChild(entityButton("place", p.name));
      const where = [p.feature, p.country_code].filter(Boolean).join(", ");
      if (where) li.appendChild(el("span", { class: "ent-type" }, where));
      const details = [];
      const coord = fmtCoord(p.lat, p.lon);
      details.push(coord || "no coordinates");
      details.push(`${p.count || 0}× in text, ${shown.get(`p${i}`) || 0} marked`);
      if (p.method !== undefined) details.push(howFound(p.method, p.confidence));
      const d = el("span", { class: "ent-details" }, details.join(" · "));
      if (coord) d.setAttribute("data-coords", `${Number(p.lat)},${Number(p.lon)}`);
      li.appendChild(d);
      linkHover(li, `p${i}`);
      up.appendChild(li);
    });
    if (!up.childElementCount) up.appendChild(el("li", { class: "empty" }, "none found"));

    const ut = $("article-topics");
    ut.replaceChildren();
    const sortedTopics = topics.filter((t) => t && t.label)
      .sort((a, b) => (Number(b.score) || 0) - (Number(a.score) || 0));
    for (const t of sortedTopics) {
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
      ut.appendChild(li);
    }
    if (!ut.childElementCount) ut.appendChild(el("li", { class: "empty" }, "none found"));
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    drawGraticule();
    $("search-form").addEventListener("submit", (e) => {
      e.preventDefault();
      state.q = $("q").value;
      state.sort = $("sort").value;
      newSearch();
    });
    $("sort").addEventListener("change", () => {
      state.q = $("q").value;
      state.sort = $("sort").value;
      newSearch();
    });
    $("next").addEventListener("click", () => {
      if (!state.cursors[state.pageIndex + 1]) return;
      state.pageIndex += 1;
      run();
      window.scrollTo(0, 0);
    });
    $("prev").addEventListener("click", () => {
      if (state.pageIndex === 0) return;
      state.pageIndex -= 1;
      run();
      window.scrollTo(0, 0);
    });
    window.addEventListener("popstate", () => {
      if (window.location.search !== lastSearch) { // not just the article opened or closed
        readUrl();
        run();
      }
      syncArticle();
    });
    window.addEventListener("hashchange", syncArticle);
    $("article-close").addEventListener("click", closeArticle);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && article.id !== null && !e.defaultPrevented) closeArticle();
    });
    readUrl();
    run();
    syncArticle();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
