// Staff lists: the "select all on this page" checkbox of the bulk actions.
// Without this script the checkbox stays hidden and each row is chosen by hand.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) {
    return;
  }
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('input[type="checkbox"][form="bulk-actions"][name="ticket"]'));

  function reflect() {
    var chosen = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = chosen > 0 && chosen === boxes.length;
    all.indeterminate = chosen > 0 && chosen < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) { box.addEventListener("change", reflect); });
  reflect();
  all.hidden = false;
}());
