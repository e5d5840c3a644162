// Grading page: the running total of the rubric scores, updated as the instructor types.
(function () {
  "use strict";
  var rubric = document.getElementById("rubric");
  var total = document.getElementById("total");
  if (!rubric || !total) return;
  var inputs = rubric.querySelectorAll("input.score");
  function update() {
    var sum = 0, filled = 0;
    inputs.forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { sum += value; filled += 1; }
    });
    total.textContent = filled ? String(Math.round(sum * 10) / 10) : "—";
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
