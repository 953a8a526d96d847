// newsflow search page, part 2 of 5: the search state in the URL, fetching, results, facets,
// timeline, map and pager.
"use strict";

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
  hideStory(false);
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
  renderChips(); // last: a story chip shows the title the hits and facets just brought
}

function renderChips() {
  const box = $("chips");
  box.replaceChildren();
  for (const f of FACETS) {
    for (const value of state.filters[f.param]) {
      const chip = el("span", { class: "chip", "data-param": f.param });
      chip.appendChild(el("span", { class: "chip-kind" }, f.label + ":"));
      chip.appendChild(el("span", { class: "chip-value" }, f.param === "story" ? story.titles[value] || value : value));
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
      const label = f.facet === "stories" ? b.title || b.value : b.value;
      btn.appendChild(el("span", { class: "facet-name" }, label));
      if (f.facet === "stories") {
        story.titles[String(b.value)] = String(label);
        if (b.source_count) btn.title = `${label}: ${sourcesLabel(b.source_count)} in all`;
      }
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
    if (hit.story && hit.story.id) meta.appendChild(storyLink(hit.story, sourcesLabel(hit.story.source_count)));
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

function renderTimeline(buckets, interval, chartId, axisId) {
  const chart = $(chartId || "timeline");
  const axis = $(axisId || "timeline-axis");
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
