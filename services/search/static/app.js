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
//
// The story view (#story=<id>) lists one story's articles; an article opened from it goes
// back to it when closed.
//
// The page is five classic scripts sharing the page's global scope, loaded in order (defer):
// dom.js, search.js, article.js, story.js, then this file, which wires the events and starts.
"use strict";

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
    syncView();
  });
  window.addEventListener("hashchange", syncView);
  $("article-close").addEventListener("click", closeArticle);
  $("story-close").addEventListener("click", closeStory);
  $("story-more").addEventListener("click", moreStoryArticles);
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    if (article.id !== null) closeArticle();
    else if (story.id !== null) closeStory();
  });
  readUrl();
  run();
  syncView();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
