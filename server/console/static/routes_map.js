// The routes on a tiled Leaflet map. The server always renders the stops table and an SVG of the
// routes on coordinates; this swaps the SVG for the map only once tiles actually load, and swaps
// it back if they fail.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var box = document.getElementById("map");
  var drawing = document.getElementById("route-drawing");
  var note = document.getElementById("map-note");
  if (!data.tiles || typeof L === "undefined" || !box) { return; }

  function fallback(reason) {
    box.hidden = true;
    drawing.hidden = false;
    note.textContent = reason + " The routes are drawn on their coordinates below.";
    note.setAttribute("data-reason", "tiles-failed");
  }

  function text(value) {
    // Tooltips get text nodes: site names come from imported data and are never parsed as HTML.
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }

  box.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false });
  var loaded = 0, failed = 0;
  var layer = L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 18 });
  layer.on("tileload", function () {
    loaded += 1;
    if (loaded === 1) {
      drawing.hidden = true;
      note.textContent = "";
      note.setAttribute("data-reason", "tiles-loaded");
    }
  });
  layer.on("tileerror", function () {
    failed += 1;
    if (loaded === 0 && failed >= 2) { fallback("The map tiles could not be loaded."); }
  });
  layer.addTo(map);

  var bounds = [];
  data.routes.forEach(function (route) {
    var depot = [route.depot[0], route.depot[1]];
    var path = [depot];
    bounds.push(depot);
    L.circleMarker(depot, { radius: 7, color: "#222", fillColor: "#222", fillOpacity: 1 })
      .bindTooltip(text("Depot: " + route.depot[2])).addTo(map);
    route.stops.forEach(function (stop) {
      var at = [stop[0], stop[1]];
      path.push(at);
      bounds.push(at);
      L.marker(at, { icon: L.divIcon({ className: "stop-icon", html: "<span style=\"border-color:" + route.colour + "\">" + Number(stop[3]) + "</span>", iconSize: [24, 24] }) })
        .bindTooltip(text(route.vehicle + " · stop " + stop[3] + ": " + stop[2])).addTo(map);
    });
    path.push(depot);
    L.polyline(path, { color: route.colour, weight: 4, opacity: 0.85 }).addTo(map);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24] }); } else { map.setView([54, -2], 6); }
  // No tile at all after a while (a server that never answers) also means: use the drawing.
  setTimeout(function () { if (loaded === 0) { fallback("The map tiles did not load in time."); } }, 8000);
})();
