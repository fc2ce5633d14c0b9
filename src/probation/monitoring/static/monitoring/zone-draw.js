/*
 * Drawing a zone on the EM order page (monitoring/templates/monitoring/orders/order.html).
 *
 * Progressive enhancement of the "Add a zone from GeoJSON" form: without JavaScript the page
 * has the GeoJSON box and the circle form, and nothing here runs. When this script runs it shows
 * a Leaflet map over the project's own base layer (basemap.geojson: no tile server is reached),
 * centred on the order's zones and curfew address (drawn for context, from #zone-draw-data).
 * Each click on the map adds a corner of a polygon; every change writes the polygon into the
 * GeoJSON box as GeoJSON (a closed ring of [longitude, latitude] positions, 6 decimal places),
 * so the form posts it to the same server checks as a pasted zone (probation.rules.geo). The
 * map only helps: the box stays the accessible way in, and what is typed there is shown on the
 * map when it is a single polygon, so drawing can carry on from it.
 */
(function () {
  'use strict';
  var dataNode = document.getElementById('zone-draw-data');
  var panel = document.getElementById('zone-draw');
  var container = document.getElementById('zone-draw-map');
  var status = document.getElementById('zone-draw-status');
  var undoButton = document.getElementById('zone-draw-undo');
  var clearButton = document.getElementById('zone-draw-clear');
  var textarea = panel && document.getElementById(panel.getAttribute('data-textarea'));
  if (!dataNode || !panel || !container || !status || !undoButton || !clearButton || !textarea) return;
  if (typeof window.L === 'undefined') return;
  var data = JSON.parse(dataNode.textContent);

  var RED = '#d4351c', GREEN = '#00703c', BLUE = '#1d70b8', BLACK = '#0b0c0c';
  var METRES_PER_DEGREE = 111320;
  // Great Britain, for an order with neither zones nor a curfew address.
  var COUNTRY = [[49.9, -8.2], [58.7, 1.8]];

  panel.hidden = false;
  var map = L.map(container, {
    attributionControl: false, doubleClickZoom: false, zoomSnap: 0.25, minZoom: 5, maxZoom: 19
  });
  L.control.scale({ imperial: false }).addTo(map);

  // ---- what to centre on: the zones (with their buffers) and the curfew address ----------
  var box = [];
  function around(lat, lon, metres) {
    var dLat = metres / METRES_PER_DEGREE;
    var dLon = metres / (METRES_PER_DEGREE * Math.max(Math.cos(lat * Math.PI / 180), 0.01));
    box.push([lat - dLat, lon - dLon], [lat + dLat, lon + dLon]);
  }
  function eachPosition(coordinates, visit) {
    if (!Array.isArray(coordinates)) return;
    if (typeof coordinates[0] === 'number') { visit(coordinates[0], coordinates[1]); return; }
    coordinates.forEach(function (inner) { eachPosition(inner, visit); });
  }
  (data.zones || []).forEach(function (zone) {
    var g = zone.geometry || {};
    var reach = (zone.buffer_m || 0) + (g.type === 'Circle' ? g.radius_m : 0);
    eachPosition(g.coordinates, function (lon, lat) { around(lat, lon, Math.max(reach, 50)); });
  });
  if (data.curfew) around(data.curfew.lat, data.curfew.lon, Math.max(data.curfew.buffer_m, 300));
  map.fitBounds(box.length ? box : COUNTRY, { padding: [16, 16], maxZoom: 17 });

  // ---- the base layer: land beneath everything, then the town labels ----------------------
  map.createPane('land').style.zIndex = 150;
  if (data.basemap) {
    fetch(data.basemap, { credentials: 'same-origin' })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        L.geoJSON(geojson, {
          pane: 'land',
          interactive: false,
          filter: function (feature) { return feature.properties.kind === 'land'; },
          style: { color: '#a9b1b6', weight: 1, fillColor: '#f4f3ef', fillOpacity: 1 }
        }).addTo(map);
        geojson.features.forEach(function (feature) {
          if (feature.properties.kind !== 'town') return;
          var c = feature.geometry.coordinates;
          L.circleMarker([c[1], c[0]], { radius: 2.5, color: '#505a5f', fillOpacity: 1, interactive: false })
            .bindTooltip(feature.properties.name, { permanent: true, direction: 'right', className: 'op-map-town' })
            .addTo(map);
        });
      })
      .catch(function () { /* drawing still works without the base layer */ });
  }

  // ---- the order's zones and curfew address, for context (clicks on them still add corners) --
  (data.zones || []).forEach(function (zone) {
    var colour = zone.kind === 'exclusion' ? RED : GREEN;
    var style = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.15 };
    var g = zone.geometry || {};
    var layer = g.type === 'Circle'
      ? L.circle([g.coordinates[1], g.coordinates[0]], L.extend({ radius: g.radius_m }, style))
      : L.geoJSON(g, { style: style });
    layer.bindTooltip(zone.name).addTo(map);
  });
  if (data.curfew) {
    var home = [data.curfew.lat, data.curfew.lon];
    L.circle(home, { radius: data.curfew.buffer_m, color: BLUE, weight: 2, dashArray: '6 3', fillOpacity: 0.1 })
      .bindTooltip('Curfew address').addTo(map);
  }

  // ---- the drawing ---------------------------------------------------------------------------
  var corners = [];  // [lat, lon], rounded as they are written
  var drawing = L.layerGroup().addTo(map);

  function round6(x) { return Math.round(x * 1e6) / 1e6; }

  function redraw() {
    drawing.clearLayers();
    var line = { color: BLACK, weight: 3, dashArray: '6 4', interactive: false };
    if (corners.length >= 3) {
      L.polygon(corners, L.extend({ fillColor: '#ffdd00', fillOpacity: 0.3 }, line)).addTo(drawing);
    } else if (corners.length === 2) {
      L.polyline(corners, line).addTo(drawing);
    }
    corners.forEach(function (corner) {
      L.circleMarker(corner, { radius: 5, color: BLACK, weight: 2, fillColor: '#ffffff', fillOpacity: 1, interactive: false })
        .addTo(drawing);
    });
    var n = corners.length;
    status.textContent = n === 0
      ? (textarea.value.trim() ? 'The map cannot draw what the GeoJSON box holds; it is checked when you add the zone.' : 'No corners yet.')
      : n < 3 ? n + (n === 1 ? ' corner' : ' corners') + ': a zone needs at least 3.'
      : n + ' corners: the zone is in the GeoJSON box below.';
  }

  // Writes the drawing into the box: a Polygon whose ring ends where it began, or nothing
  // while there are too few corners for a polygon.
  function write() {
    if (corners.length < 3) {
      textarea.value = '';
      return;
    }
    var ring = corners.map(function (corner) { return [corner[1], corner[0]]; });
    ring.push(ring[0].slice());
    textarea.value = JSON.stringify({ type: 'Polygon', coordinates: [ring] });
  }

  // The corners of what the box holds, if it is one polygon without holes; otherwise none.
  function read() {
    var parsed;
    try { parsed = JSON.parse(textarea.value); } catch (e) { return []; }
    if (parsed && parsed.type === 'Feature') parsed = parsed.geometry;
    if (!parsed || parsed.type !== 'Polygon' || !Array.isArray(parsed.coordinates)) return [];
    if (parsed.coordinates.length !== 1 || !Array.isArray(parsed.coordinates[0])) return [];
    var ring = parsed.coordinates[0];
    var valid = ring.every(function (p) {
      return Array.isArray(p) && isFinite(p[0]) && isFinite(p[1]) && typeof p[0] === 'number' && typeof p[1] === 'number';
    });
    if (!valid || ring.length < 4) return [];
    var last = ring[ring.length - 1];
    if (last[0] === ring[0][0] && last[1] === ring[0][1]) ring = ring.slice(0, -1);
    return ring.map(function (p) { return [p[1], p[0]]; });
  }

  map.on('click', function (event) {
    var at = event.latlng.wrap();
    var corner = [round6(at.lat), round6(at.lng)];
    var previous = corners[corners.length - 1];
    if (previous && previous[0] === corner[0] && previous[1] === corner[1]) return;
    corners.push(corner);
    write();
    redraw();
  });
  undoButton.addEventListener('click', function () {
    if (!corners.length) return;
    corners.pop();
    write();
    redraw();
  });
  clearButton.addEventListener('click', function () {
    corners = [];
    write();
    redraw();
  });
  textarea.addEventListener('input', function () {
    corners = read();
    redraw();
  });

  // After a refused submission the box keeps what was sent: show it, to carry on drawing.
  corners = read();
  redraw();
})();
