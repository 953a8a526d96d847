// newsflow search page, part 4 of 5: the story view (#story=<id>): one event across outlets,
// its coverage over time, the outlets, actors and places, and its articles in order.
// Built like the rest: text nodes and elements we create, never innerHTML.
"use strict";

const STORY_PAGE = 50;
const story = { id: null, ticket: 0, opener: null, scrollY: 0, cursor: null, titles: {} };

const storyUrl = (id) => viewUrl("story", id);
const storyIdFromHash = () => idFromHash("story");

/** "5 sources" (the link a hit shows to its story). */
function sourcesLabel(n) {
  const count = Number(n) || 0;
  return `${count} source${count === 1 ? "" : "s"}`;
}

/** A link to a story's view; a plain click opens it in place, Back closes it. */
function storyLink(s, text, cls) {
  const a = el("a", { class: cls || "story-link", href: storyUrl(s.id), "data-story": String(s.id) }, text);
  if (s.title) {
    a.title = `${s.title}: ${s.article_count || 0} article${s.article_count === 1 ? "" : "s"}, ${sourcesLabel(s.source_count)}`;
    story.titles[String(s.id)] = String(s.title);
  }
  a.addEventListener("click", (e) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    openStory(String(s.id), a);
  });
  return a;
}

const openStory = (id, opener) => openView("story", story, id, opener, showStory);
const closeStory = () => closeView("story", story, hideStory);

function hideStory(restore) {
  if (story.id === null) return;
  story.id = null;
  story.ticket += 1;
  $("story-view").hidden = true;
  if (article.id === null) $("search-view").hidden = false;
  document.title = "newsflow search";
  if (restore) restoreOpener(story);
  story.opener = null;
}

/** Whatever the URL names: an article (over a story, if one is open), a story, or the results. */
function syncView() {
  const articleId = articleIdFromHash();
  if (articleId !== null) {
    syncArticle();
    return;
  }
  const id = storyIdFromHash();
  hideArticle(id === null);
  if (id === null) hideStory(true);
  else if (id !== story.id) showStory(id);
  else revealStory();
}

function revealStory() {
  $("search-view").hidden = true;
  $("article-view").hidden = true;
  $("story-view").hidden = false;
}

function setStoryStatus(text, isError) {
  const s = $("story-status");
  s.textContent = text;
  s.classList.toggle("error", !!isError);
}

async function fetchStory(id, cursor) {
  const p = new URLSearchParams({ size: String(STORY_PAGE) });
  if (cursor) {
    p.set("cursor", cursor);
    p.set("facets", "false");
  }
  const resp = await fetch("/stories/" + encodeURIComponent(id) + "?" + p.toString(), { headers: { Accept: "application/json" } });
  return { resp, data: await resp.json() };
}

async function showStory(id) {
  if (story.id === null) story.scrollY = window.scrollY;
  story.id = id;
  const ticket = ++story.ticket;
  revealStory();
  $("story-content").hidden = true;
  $("story-view").removeAttribute("data-id");
  setStoryStatus("Loading story…", false);
  window.scrollTo(0, 0);
  let got;
  try {
    got = await fetchStory(id, null);
  } catch (e) {
    if (ticket === story.ticket) setStoryStatus("The search service did not answer. Try again in a moment.", true);
    return;
  }
  if (ticket !== story.ticket) return;
  const { resp, data } = got;
  if (!resp.ok || !data || typeof data !== "object" || !data.story) {
    setStoryStatus(resp.status === 404 ? "There is no story with this id (any more)." :
      resp.status === 422 ? "This is not a story id." :
        "The story could not be loaded: " + ((data && data.error) || resp.status), true);
    return;
  }
  renderStory(data);
  setStoryStatus("", false);
  $("story-content").hidden = false;
  $("story-view").setAttribute("data-id", id);
  document.title = String(data.story.title || "story") + " — newsflow";
  $("story-title").focus({ preventScroll: true });
}

async function moreStoryArticles() {
  if (!story.id || !story.cursor) return;
  const ticket = story.ticket;
  const button = $("story-more");
  button.disabled = true;
  let got;
  try {
    got = await fetchStory(story.id, story.cursor);
  } catch (e) {
    got = null;
  }
  button.disabled = false;
  if (ticket !== story.ticket) return;
  if (!got || !got.resp.ok) {
    setStoryStatus("More articles could not be loaded: " + ((got && got.data && got.data.error) || "no answer"), true);
    return;
  }
  appendStoryArticles(got.data.articles || [], $("story-articles").childElementCount);
  setMore(got.data.next_cursor);
}

function setMore(cursor) {
  story.cursor = cursor || null;
  $("story-more").hidden = !story.cursor;
}

function renderStory(data) {
  const s = data.story;
  $("story-title").textContent = s.title || "(untitled story)";
  story.titles[String(s.id)] = String(s.title || s.id);

  const meta = $("story-meta");
  meta.replaceChildren();
  meta.appendChild(el("span", { class: "story-counts" },
    `${s.article_count || 0} article${s.article_count === 1 ? "" : "s"} from ${sourcesLabel(s.source_count)}`));
  if (s.first_seen || s.last_seen) {
    const span = el("span", { class: "story-span" });
    span.appendChild(el("time", { datetime: String(s.first_seen || "") }, formatDate(s.first_seen)));
    span.appendChild(document.createTextNode(" – "));
    span.appendChild(el("time", { datetime: String(s.last_seen || "") }, formatDate(s.last_seen)));
    meta.appendChild(span);
  }
  for (const lang of s.languages || []) meta.appendChild(el("span", { class: "lang" }, lang));
  const only = el("button", { type: "button", class: "link story-search" }, "search within this story");
  only.addEventListener("click", () => addFilter("story", String(s.id)));
  meta.appendChild(only);

  renderTimeline(data.timeline || [], data.timeline_interval, "story-timeline", "story-timeline-axis");
  const outlets = $("story-outlets");
  outlets.replaceChildren();
  for (const o of data.outlets || []) {
    const li = el("li", { class: "ent-item story-outlet", "data-source": String(o.value) });
    const b = el("button", { type: "button", class: "link ent-name", title: "Search this source" }, o.value);
    b.addEventListener("click", () => addFilter("source", String(o.value)));
    li.appendChild(b);
    li.appendChild(el("span", { class: "ent-type outlet-count" }, `${o.count} article${o.count === 1 ? "" : "s"}`));
    outlets.appendChild(li);
  }
  if (!outlets.childElementCount) outlets.appendChild(el("li", { class: "empty" }, "none"));
  storyNames("story-actors", "actor", s.actors);
  storyNames("story-places", "place", s.places);
  storyNames("story-topics", "topic", s.topics);

  $("story-articles").replaceChildren();
  appendStoryArticles(data.articles || [], 0);
  setMore(data.next_cursor);
  $("story-total").textContent = `${data.total || 0}`;
}

function storyNames(listId, param, names) {
  const ul = $(listId);
  ul.replaceChildren();
  for (const name of names || []) {
    const li = el("li", { class: `ent-item ent-item-${param}` });
    li.appendChild(entityButton(param, name));
    ul.appendChild(li);
  }
  if (!ul.childElementCount) ul.appendChild(el("li", { class: "empty" }, "none found"));
}

function appendStoryArticles(articles, before) {
  const ol = $("story-articles");
  articles.forEach((a, i) => {
    const li = el("li", { class: "story-article", "data-id": String(a.id), value: String(before + i + 1) });
    if (a.published_at) li.appendChild(el("time", { datetime: String(a.published_at) }, formatDate(a.published_at)));
    if (a.source) li.appendChild(el("span", { class: "source" }, a.source));
    const link = el("a", { class: "read", href: articleUrl(a.id) }, a.title || "(untitled)");
    link.addEventListener("click", (e) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      openArticle(String(a.id), link);
    });
    li.appendChild(link);
    if (a.language) li.appendChild(el("span", { class: "lang" }, a.language));
    if (a.duplicate_of) li.appendChild(el("span", { class: "copy", title: "a copy of another article" }, "copy"));
    ol.appendChild(li);
  });
}
