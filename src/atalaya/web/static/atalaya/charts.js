// Draws every chart whose Plotly spec the server embedded as JSON, and submits filter forms on change.
// Loaded as a file (no inline script) so that the Content-Security-Policy can forbid inline code.
(function () {
  "use strict";
  // Spanish for plotly.js (dates on axes and hovers, number separators, the mode bar): the plotly wheel ships
  // no locales, so the project defines its own.
  var SPANISH = {
    moduleType: "locale",
    name: "es",
    dictionary: {
      "Autoscale": "Escala automática",
      "Box Select": "Seleccionar rectángulo",
      "Click to enter Colorscale title": "Clic para el título de la escala",
      "Compare data on hover": "Comparar datos al pasar el cursor",
      "Double-click to zoom back out": "Doble clic para volver",
      "Download plot": "Descargar gráfico",
      "Download plot as a PNG": "Descargar como PNG",
      "Download plot as a png": "Descargar como PNG",
      "Double-click on legend to isolate one trace": "Doble clic en la leyenda para aislar una serie",
      "Reset": "Restablecer",
      "Reset views": "Restablecer vistas",
      "Toggle show closest data on hover": "Mostrar u ocultar el dato más cercano",
      "Lasso Select": "Seleccionar con lazo",
      "Pan": "Desplazar",
      "Produced with Plotly.js": "Hecho con Plotly.js",
      "Reset axes": "Restablecer ejes",
      "Reset view": "Restablecer vista",
      "Show closest data on hover": "Mostrar el dato más cercano",
      "Snapshot succeeded": "Imagen guardada",
      "Taking snapshot - this may take a few seconds": "Guardando la imagen; puede tardar unos segundos",
      "Toggle Spike Lines": "Mostrar líneas guía",
      "Zoom": "Zoom",
      "Zoom in": "Acercar",
      "Zoom out": "Alejar",
      "trace": "serie"
    },
    format: {
      days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
      shortDays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
      months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
        "octubre", "noviembre", "diciembre"],
      shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: "."
    }
  };
  function locale() {
    return (document.documentElement.lang || "es").slice(0, 2) === "en" ? "en" : "es";
  }
  function draw() {
    if (typeof Plotly !== "undefined") { Plotly.register(SPANISH); }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source || typeof Plotly === "undefined") { return; }
      var spec = JSON.parse(source.textContent);
      Plotly.newPlot(el, spec.data, spec.layout, {displaylogo: false, responsive: true, locale: locale(),
        modeBarButtonsToRemove: ["select2d", "lasso2d"]});
      el.dataset.rendered = "true";
    });
  }
  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }
  function sortable() {
    document.querySelectorAll("table[data-sortable] th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        var table = th.closest("table"), body = table.tBodies[0];
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.dataset.sort === "number", ascending = th.dataset.dir !== "asc";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index].dataset.value || a.cells[index].textContent.trim();
          var y = b.cells[index].dataset.value || b.cells[index].textContent.trim();
          if (numeric) { x = parseFloat(x); y = parseFloat(y); x = isNaN(x) ? -Infinity : x; y = isNaN(y) ? -Infinity : y; }
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
        th.dataset.dir = ascending ? "asc" : "desc";
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); autosubmit(); sortable(); });
})();
