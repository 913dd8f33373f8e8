// Choosing a point on a map: a click on a chart marked data-pick fills the form's latitude and longitude fields
// (named by data-lat and data-lon) and moves the marker (the chart's last trace). Loaded as a file (CSP).
(function () {
  "use strict";
  function attach(el) {
    var subplot = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
    if (!subplot || !subplot.map) { return false; }
    var lat = document.getElementById(el.dataset.lat);
    var lon = document.getElementById(el.dataset.lon);
    var marker = el.data.length - 1;
    subplot.map.on("click", function (event) {
      var point = event.lngLat;
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
      Plotly.restyle(el, {lat: [[point.lat]], lon: [[point.lng]]}, [marker]);
    });
    return true;
  }
  function start() {
    document.querySelectorAll("[data-pick]").forEach(function (el) {
      var tries = 0;
      var timer = setInterval(function () {
        tries += 1;
        if ((el.dataset.rendered === "true" && attach(el)) || tries > 50) { clearInterval(timer); }
      }, 100);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
