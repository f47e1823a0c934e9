// The question form: show the fields of the chosen type, and a case analysis's sub-question
// blocks one by one (add / remove). Without this script every field shows and still works.
(function () {
  "use strict";
  var form = document.querySelector("#parts") && document.querySelector("#parts").form;
  if (!form) { return; }
  var type = form.querySelector("select[name=qtype]");
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-part]"));
  var add = form.querySelector("[data-add-part]");

  function filled(block) {
    return Array.prototype.some.call(block.querySelectorAll("input, textarea"), function (f) { return f.value.trim() !== ""; });
  }
  function clear(block) {
    Array.prototype.forEach.call(block.querySelectorAll("input, textarea"), function (f) { f.value = ""; });
  }
  var shown = Math.max(1, blocks.filter(filled).length ? blocks.indexOf(blocks.filter(filled).pop()) + 1 : 1);

  function update() {
    var kind = type.value;
    Array.prototype.forEach.call(form.querySelectorAll("[data-for]"), function (el) {
      el.hidden = el.getAttribute("data-for").split(" ").indexOf(kind) < 0;
    });
    blocks.forEach(function (block, index) {
      block.hidden = kind === "short" ? index > 0 : index >= shown;
      var remove = block.querySelector("[data-remove-part]");
      remove.hidden = kind !== "case" || shown < 2;
    });
    add.hidden = kind !== "case" || shown >= blocks.length;
  }
  add.addEventListener("click", function () {
    shown = Math.min(blocks.length, shown + 1);
    update();
    blocks[shown - 1].querySelector("textarea").focus();
  });
  blocks.forEach(function (block, index) {
    block.querySelector("[data-remove-part]").addEventListener("click", function () {
      // Later blocks move up one, so the numbering stays 1, 2, 3…
      for (var i = index; i < shown - 1; i++) {
        var from = blocks[i + 1].querySelectorAll("input, textarea"), to = blocks[i].querySelectorAll("input, textarea");
        for (var j = 0; j < to.length; j++) { to[j].value = from[j].value; }
      }
      clear(blocks[shown - 1]);
      shown = Math.max(1, shown - 1);
      update();
    });
  });
  type.addEventListener("change", update);
  update();
}());
