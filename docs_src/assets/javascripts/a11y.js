/* Local accessibility helpers; no outside script. Runs after every page load, including
   Material's instant navigation. */
document$.subscribe(function () {
  /* Material wraps wide tables in a scrolling box. Make each box reachable and named for
     keyboard and screen-reader users (WCAG 2.1.1), using the table's caption as its name. */
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
    var caption = wrap.querySelector("table caption");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", caption ? caption.textContent : "表格");
  });
  labelTableCells();
  setUpToolbar();
});

/* On a phone, tables of four or more columns are shown one row per block, each cell under
   its column heading (CSS: table[data-stack] in extra.css). Here every body cell gets the
   text of its column heading, found through the table's grid so that merged cells
   (rowspan/colspan, as in the 绩效目标表) are counted correctly. */
function labelTableCells() {
  document.querySelectorAll(".md-typeset table").forEach(function (table) {
    if (table.hasAttribute("data-stack") || !table.tHead || !table.tHead.rows.length) return;
    var headRow = table.tHead.rows[table.tHead.rows.length - 1];
    var headings = [];
    Array.prototype.forEach.call(headRow.cells, function (cell) {
      for (var i = 0; i < cell.colSpan; i++) headings.push(cell.textContent.trim());
    });
    if (headings.length < 4) return;
    var rows = [];
    Array.prototype.forEach.call(table.tBodies, function (body) { rows = rows.concat(Array.from(body.rows)); });
    if (table.tFoot) rows = rows.concat(Array.from(table.tFoot.rows));
    var taken = [];
    rows.forEach(function (row, r) {
      taken[r] = taken[r] || [];
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (taken[r][column]) column++;
        for (var i = 0; i < cell.rowSpan; i++) {
          taken[r + i] = taken[r + i] || [];
          for (var j = 0; j < cell.colSpan; j++) taken[r + i][column + j] = true;
        }
        if (cell.colSpan === 1 && headings[column]) cell.setAttribute("data-label", headings[column]);
        column += cell.colSpan;
      });
    });
    table.setAttribute("data-stack", "");
  });
}

/* 无障碍 toolbar: larger text, high contrast, 长者模式 (line spacing). Each is a class on
   <html>, saved in localStorage so it holds on every page; main.html applies it before the
   first paint. */
function setUpToolbar() {
  var bar = document.querySelector(".a11y-toolbar");
  if (!bar || bar.hasAttribute("data-ready")) return;
  bar.setAttribute("data-ready", "");
  var keys = ["large", "contrast", "elder"];
  var root = document.documentElement;

  function load() {
    try { return JSON.parse(localStorage.getItem("a11y") || "{}"); } catch (e) { return {}; }
  }
  function save(state) {
    try { localStorage.setItem("a11y", JSON.stringify(state)); } catch (e) { /* private mode: this page only */ }
  }
  function apply(state) {
    keys.forEach(function (key) {
      root.classList.toggle("a11y-" + key, !!state[key]);
      var button = bar.querySelector('[data-a11y="' + key + '"]');
      if (button) button.setAttribute("aria-pressed", state[key] ? "true" : "false");
    });
  }
  var state = load();
  apply(state);
  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-a11y]");
    if (!button) return;
    var key = button.getAttribute("data-a11y");
    state = key === "reset" ? {} : Object.assign({}, state, { [key]: !state[key] });
    save(state);
    apply(state);
  });
  bar.hidden = false;
}
