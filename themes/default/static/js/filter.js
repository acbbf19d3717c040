// Filter boxes: progressive enhancement for long lists. Each
// <input data-filter="ID"> sits in a container marked `hidden` (so without
// JavaScript nothing shows and the page's plain links are the filters);
// this shows it and hides the items (li, or tr for a table body) of the
// element with that id whose text does not contain every typed word.
// Group heading rows (tr.tracker-group) stay. Nothing leaves the page.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-filter]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("data-filter"));
    if (!list) return;
    var box = input.closest("[hidden]");
    if (box) box.hidden = false;
    var items = list.querySelectorAll(list.tagName === "TBODY" ? "tr:not(.tracker-group)" : "li");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(items, function (item) {
        var text = item.textContent.toLowerCase();
        item.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  });
})();
