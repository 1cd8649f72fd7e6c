// Draws the overview's charts from the JSON the page carries (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var palette = ["#0b6bcb", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#5b6577";
  charts.forEach(function (chart) {
    var figure = document.getElementById("chart-" + chart.id);
    if (!figure) { return; }
    var stacked = chart.type === "stacked";
    var type = stacked ? "bar" : chart.type;
    new Chart(figure.querySelector("canvas"), {
      type: type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (ds, i) {
          var colour = palette[i % palette.length];
          return { label: ds.label, data: ds.data, borderColor: colour, backgroundColor: type === "line" ? colour : colour + "cc",
                   borderWidth: 2, pointRadius: chart.labels.length > 40 ? 0 : 2, spanGaps: true, tension: 0.25 };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: chart.datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { stacked: stacked, ticks: { maxTicksLimit: 8 } }, y: { stacked: stacked, beginAtZero: true } }
      }
    });
  });
  document.body.setAttribute("data-charts-ready", String(charts.length));
})();
