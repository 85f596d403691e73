/* Material wraps wide tables in a scrolling box. Make each box reachable and named for
   keyboard and screen-reader users (WCAG 2.1.1), using the table's caption as its name.
   Runs after every page load, including Material's instant navigation. */
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
    var caption = wrap.querySelector("table caption");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", caption ? caption.textContent : "表格");
  });
});
