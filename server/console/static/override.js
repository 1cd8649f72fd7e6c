// The override form offers only the destinations able to perform the chosen disposition, and
// says which facilities are missing and why (the server renders both; this follows the choice).
(function () {
  var disposition = document.getElementById("disposition");
  var facility = document.getElementById("facility");
  if (!disposition || !facility) return;

  function offer() {
    var chosen = disposition.value;
    Array.prototype.forEach.call(facility.options, function (option) {
      var able = option.dataset.dispositions === undefined ||
        option.dataset.dispositions.split(" ").indexOf(chosen) >= 0;
      option.hidden = option.disabled = !able;
      if (!able && option.selected) facility.selectedIndex = 0;
    });
    document.querySelectorAll("#destination-notes [data-for]").forEach(function (note) {
      note.hidden = note.dataset.for !== chosen;
    });
  }

  disposition.addEventListener("change", offer);
  offer();
})();
