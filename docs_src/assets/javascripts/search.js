/* Search in Material's header box over the Pagefind index (built by
   site_templates/hooks/search_index.py during `mkdocs build`). Everything comes from this
   site: pagefind.js, its WebAssembly and only the index chunks and result fragments a query
   needs. Nothing is loaded before the reader types.

   Bytes per query are kept low (issue 11: at most 300 KB on a 10,000-project portal):
   - pagefind.js is fetched gzipped and unpacked here (importPagefind).
   - Pagefind runs in the page, not in its web worker: the worker would download a second copy
     of the search code (40 KiB).
   - A result's fragment (its title and excerpt) is fetched only when the result is shown:
     FIRST at first, MORE for each press of 更多结果.
   - pagefind/indexes.json lists the bundles to search: the site's base bundle and the delta
     bundle of a `mkdocs build --dirty` (pages changed since the base); on a portal front page it
     lists shard folders instead, whose own listings are read (benchmarks/SCALING.md). The
     bundles are merged with Pagefind's mergeIndex,
     which shares one WebAssembly; "superseded" names the base entries that a delta page replaces
     or whose page was removed: they are dropped before anything of them is fetched.

   Results are built as DOM nodes: page titles and excerpts are inserted as text, and only
   Pagefind's <mark> highlighting is kept as an element. */
(function () {
  "use strict";
  var input = document.querySelector(".md-search__input");
  var toggle = document.getElementById("__search");
  var list = document.querySelector(".md-search-result__list");
  var meta = document.querySelector(".md-search-result__meta");
  var script = document.currentScript;
  if (!input || !toggle || !list || !meta || !script) return;
  // This file is assets/javascripts/search.js: the site root is two folders up.
  var root = new URL("../../", script.src);
  var engine = null;
  var serial = 0;
  var timer = null;
  var FIRST = 5;
  var MORE = 10;
  var more = document.createElement("button");
  more.type = "button";
  more.className = "md-button portal-search__more";
  more.textContent = "更多结果";
  more.hidden = true;
  list.parentNode.insertBefore(more, list.nextSibling);
  var current = null; // { results, shown, mine } of the query on screen

  // Revalidated: every build rewrites it without changing its name.
  function listing(prefix) {
    return fetch(new URL(prefix + "pagefind/indexes.json", root).href, { cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error("indexes.json: " + response.status);
      return response.json();
    });
  }

  function load() {
    if (!engine) {
      engine = listing("").then(function (index) {
        if (!index.shards) return index;
        // A portal front page: each shard's own listing, its paths made relative to the portal.
        return Promise.all(index.shards.map(function (shard) {
          return listing(shard).then(function (part) {
            return {
              bundles: part.bundles.map(function (b) { return { path: shard + b.path, base: shard + b.base }; }),
              superseded: part.superseded || []
            };
          });
        })).then(function (parts) {
          return {
            bundles: [].concat.apply([], parts.map(function (part) { return part.bundles; })),
            superseded: [].concat.apply([], parts.map(function (part) { return part.superseded; }))
          };
        });
      }).then(function (index) {
        var bundles = index.bundles;
        var first = bundles[0];
        return importPagefind(first.path).then(function (module) {
          return module.options({
            basePath: new URL(first.path, root).pathname,
            baseUrl: new URL(first.base, root).pathname,
            noWorker: true
          }).then(function () {
            return Promise.all(bundles.slice(1).map(function (bundle) {
              return module.mergeIndex(new URL(bundle.path, root).pathname,
                { baseUrl: new URL(bundle.base, root).pathname });
            }));
          }).then(function () {
            return { pagefind: module, merged: bundles.length > 1, superseded: new Set(index.superseded || []) };
          });
        });
      });
      engine.catch(function () { engine = null; }); // a failed load is retried by the next query
    }
    return engine;
  }

  // pagefind.js from its gzipped copy (search_index.py's PACKED_SCRIPT: 13 KiB instead of 45 from
  // a server that does not compress JavaScript), unpacked here and imported from memory. Where
  // that cannot be done (no DecompressionStream, a Content-Security-Policy without blob:, the
  // copy missing), the plain file is imported instead.
  function importPagefind(path) {
    var plain = new URL(path + "pagefind.js", root).href;
    if (typeof DecompressionStream === "undefined" || typeof Blob === "undefined") return import(plain);
    return fetch(new URL(path + "pagefind-js.gzip", root).href).then(function (response) {
      if (!response.ok || !response.body) throw new Error("pagefind-js.gzip: " + response.status);
      return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).blob();
    }).then(function (script) {
      var url = URL.createObjectURL(new Blob([script], { type: "text/javascript" }));
      return import(url).finally(function () { URL.revokeObjectURL(url); });
    }).catch(function () {
      return import(plain);
    });
  }

  function excerptNodes(html) {
    var parsed = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html").body;
    var nodes = [];
    parsed.childNodes.forEach(function (node) {
      if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        nodes.push(mark);
      } else {
        nodes.push(document.createTextNode(node.textContent));
      }
    });
    return nodes;
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = data.url;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-search-result__article--document md-typeset";
    var title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || data.url;
    var teaser = document.createElement("p");
    teaser.className = "md-search-result__teaser";
    excerptNodes(data.excerpt || "").forEach(function (node) { teaser.appendChild(node); });
    article.appendChild(title);
    article.appendChild(teaser);
    link.appendChild(article);
    li.appendChild(link);
    return li;
  }

  function status() {
    var total = current.results.length;
    meta.textContent = total === 0 ? "没有找到符合条件的结果"
      : current.shown < total ? "找到 " + total + " 个结果，显示前 " + current.shown + " 个"
      : "找到 " + total + " 个结果";
    more.hidden = current.shown >= total;
  }

  // Fetches the fragments of the next `count` results and appends them.
  function reveal(count) {
    var state = current;
    var next = state.results.slice(state.shown, state.shown + count);
    more.disabled = true;
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (pages) {
      if (state !== current) return;
      pages.forEach(function (page) { list.appendChild(item(page)); });
      state.shown += next.length;
      more.disabled = false;
      status();
    });
  }

  // Pagefind splits a Chinese query into words as the browser does (Intl.Segmenter) and
  // keeps a page only if it holds every word, skipping a word that the index does not hold
  // at all. With several bundles it skips such a word per bundle, so a page of the delta (or
  // of one shard) could match on fewer words than on a site indexed whole. Searching each
  // word alone (its index chunks are already loaded) and keeping the pages found for every
  // word that is found anywhere restores the whole-site answer.
  function words(query) {
    if (/^\s*".+"\s*$/.test(query) || typeof Intl.Segmenter === "undefined") return [];
    var found = [];
    for (var part of new Intl.Segmenter("zh", { granularity: "word" }).segment(query)) {
      if (/[\p{L}\p{N}]/u.test(part.segment)) found.push(part.segment);
    }
    return found;
  }

  function search(loaded, query) {
    var terms = loaded.merged ? words(query) : [];
    var each = terms.length > 1 ? terms.map(function (term) { return loaded.pagefind.search(term); }) : [];
    return Promise.all([loaded.pagefind.search(query)].concat(each)).then(function (answers) {
      var live = function (r) { return !loaded.superseded.has(r.id); };
      var required = answers.slice(1).map(function (answer) { return answer.results.filter(live); })
        .filter(function (results) { return results.length > 0; });
      var sets = required.map(function (results) { return new Set(results.map(function (r) { return r.id; })); });
      var wanted = function (r) { return sets.every(function (ids) { return ids.has(r.id); }); };
      // Pagefind's ranking first; then a page that a bundle left out only because a word
      // occurs there in replaced entries alone (so it was not skipped), by its best word score.
      var ordered = answers[0].results.concat(required.length ? required[0].slice().sort(function (a, b) {
        return b.score - a.score;
      }) : []);
      // A replaced base entry, or the same page found twice, is shown once.
      var seen = new Set();
      return ordered.filter(function (r) {
        if (!live(r) || seen.has(r.id) || !wanted(r)) return false;
        seen.add(r.id);
        return true;
      });
    });
  }

  function show(query) {
    var mine = ++serial;
    if (!query) {
      current = null;
      list.replaceChildren();
      more.hidden = true;
      meta.textContent = "输入关键词，搜索全部项目预算";
      return;
    }
    meta.textContent = "正在搜索……";
    load().then(function (loaded) {
      return search(loaded, query);
    }).then(function (results) {
      if (mine !== serial) return null;
      current = { results: results, shown: 0 };
      list.replaceChildren();
      return reveal(FIRST);
    }).catch(function () {
      if (mine === serial) {
        more.hidden = true;
        meta.textContent = "搜索暂时不可用，请稍后再试";
      }
    });
  }

  more.addEventListener("click", function () {
    if (current) reveal(MORE).catch(function () { meta.textContent = "搜索暂时不可用，请稍后再试"; });
  });
  input.addEventListener("focus", function () { toggle.checked = true; });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value.trim()); }, 150);
  });
  input.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = list.querySelector("a");
    if (first) window.location.href = first.href;
  });
  input.form.addEventListener("reset", function () { show(""); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.checked) {
      toggle.checked = false;
      input.blur();
    }
  });
  // The header's magnifier (phones) opens the box: focus the field once it is shown.
  toggle.addEventListener("change", function () { if (toggle.checked) setTimeout(function () { input.focus(); }, 50); });
})();
