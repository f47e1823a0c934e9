// The marking page (exams/marking_answer.html): shortcuts and the running total. Marks are
// checked by the server; this only helps the keyboard.
(function () {
  "use strict";
  var form = document.getElementById("marking-form");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll(".mark-input"));
  var total = document.getElementById("mark-total");

  function showTotal() {
    var sum = 0, max = 0;
    inputs.forEach(function (input) {
      var value = parseFloat((input.value || "").replace(",", "."));
      if (!isNaN(value)) { sum += value; }
      max += parseFloat(input.dataset.max) || 0;
    });
    if (total) { total.textContent = "Σ " + (Math.round(sum * 100) / 100) + " / " + (Math.round(max * 100) / 100); }
  }
  inputs.forEach(function (input) { input.addEventListener("input", showTotal); });
  showTotal();

  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      var key = (event.key || "").toLowerCase();
      var link = key === "p" ? document.getElementById("previous-answer")
        : key === "n" ? document.getElementById("next-answer") : null;
      if (link) { event.preventDefault(); window.location.href = link.href; }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      event.preventDefault();
      var button = document.getElementById("save-next");
      if (button && !button.disabled) { form.requestSubmit(button); }
    }
  });
})();
