/* Search in Material's header box over the Pagefind index in site/pagefind/ (built by
   site_templates/hooks/search_index.py during `mkdocs build`). Everything comes from this
   site: pagefind.js, its WebAssembly and only the index fragments a query needs.
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
  var pagefind = null;
  var serial = 0;
  var timer = null;
  var LIMIT = 10;

  function load() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return module.options({ baseUrl: root.pathname }).then(function () { return module; });
      });
    }
    return pagefind;
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

  function show(query) {
    var mine = ++serial;
    if (!query) {
      list.replaceChildren();
      meta.textContent = "输入关键词，搜索全部项目预算";
      return;
    }
    meta.textContent = "正在搜索……";
    load().then(function (module) {
      return module.search(query);
    }).then(function (search) {
      if (mine !== serial) return null;
      return Promise.all(search.results.slice(0, LIMIT).map(function (r) { return r.data(); }))
        .then(function (pages) { return { total: search.results.length, pages: pages }; });
    }).then(function (found) {
      if (!found || mine !== serial) return;
      list.replaceChildren.apply(list, found.pages.map(item));
      meta.textContent = found.total === 0 ? "没有找到符合条件的结果"
        : found.total > LIMIT ? "找到 " + found.total + " 个结果，显示前 " + LIMIT + " 个" : "找到 " + found.total + " 个结果";
    }).catch(function () {
      if (mine === serial) meta.textContent = "搜索暂时不可用，请稍后再试";
    });
  }

  input.addEventListener("focus", function () { toggle.checked = true; load(); });
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
