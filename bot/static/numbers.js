// Draws the numbers page's charts with Chart.js from the figures the page carries as JSON.
(function () {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const palette = ["#0b5cad", "#1e6b34", "#a4161a", "#8a4b00", "#5a3d9a", "#00677f", "#6b7785"];
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const common = { responsive: true, animation: reduced ? false : { duration: 300 } };

  function bars(id, chart, horizontal) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: [{ label: chart.label, data: chart.values, backgroundColor: palette[0] }],
      },
      options: { ...common, indexAxis: horizontal ? "y" : "x", plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  bars("chart-service", data.by_service, true);
  bars("chart-channel", data.by_channel, false);
  bars("chart-ratings", data.ratings, false);
  const operators = document.getElementById("chart-operators");
  if (operators) {
    new window.Chart(operators, {
      type: "bar",
      data: {
        labels: data.operators.labels,
        datasets: data.operators.series.map((series, index) => ({
          label: series.label, data: series.values, backgroundColor: palette[index + 1],
        })),
      },
      options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  document.body.dataset.charts = String(window.Chart.instances ? Object.keys(window.Chart.instances).length : 0);
})();
