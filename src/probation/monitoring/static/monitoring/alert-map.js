/*
 * The alert page's interactive map (Leaflet, served from node_modules like GOV.UK Frontend).
 *
 * Progressive enhancement: the page draws the same map as SVG on the server and lists every
 * position and zone in tables. When this script runs it shows a Leaflet map instead of the
 * picture, drawn from the page's JSON (#alert-map-data) over the project's own base layer
 * (basemap.geojson: land and towns; no tile server is reached), with a metric grid and a scale.
 */
(function () {
  'use strict';
  var dataNode = document.getElementById('alert-map-data');
  var container = document.getElementById('alert-map');
  var picture = document.getElementById('alert-map-picture');
  if (!dataNode || !container || typeof window.L === 'undefined') return;
  var data = JSON.parse(dataNode.textContent);
  if (!data.bounds) return;

  var RED = '#d4351c', GREEN = '#00703c', BLUE = '#1d70b8', BLACK = '#0b0c0c';
  var GRID_STEPS = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

  container.hidden = false;
  if (picture) picture.hidden = true;
  container.setAttribute('role', 'region');
  container.setAttribute('aria-label', 'Interactive map of the evidence (the tables below give the same data)');

  var map = L.map(container, { attributionControl: false, zoomSnap: 0.25, minZoom: 5, maxZoom: 19 });
  map.fitBounds(data.bounds);
  L.control.scale({ imperial: false }).addTo(map);

  // The base layer: land first, beneath everything, then the town labels.
  map.createPane('land').style.zIndex = 150;
  map.createPane('grid').style.zIndex = 160;
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
    .catch(function () { /* the map still shows the evidence without its base layer */ });

  // A metric grid whose step suits the zoom (the same steps as the server's picture).
  var grid = L.layerGroup([], { pane: 'grid' }).addTo(map);
  function drawGrid() {
    grid.clearLayers();
    var bounds = map.getBounds();
    var centre = bounds.getCenter();
    var width = map.distance([centre.lat, bounds.getWest()], [centre.lat, bounds.getEast()]);
    var step = GRID_STEPS[GRID_STEPS.length - 1];
    for (var i = 0; i < GRID_STEPS.length; i++) {
      if (width / GRID_STEPS[i] <= 8) { step = GRID_STEPS[i]; break; }
    }
    var dLat = step / 111320;
    var dLon = step / (111320 * Math.cos(centre.lat * Math.PI / 180));
    var style = { color: '#c9cdd0', weight: 0.75, interactive: false, pane: 'grid' };
    for (var lon = Math.ceil(bounds.getWest() / dLon) * dLon; lon <= bounds.getEast(); lon += dLon) {
      grid.addLayer(L.polyline([[bounds.getSouth(), lon], [bounds.getNorth(), lon]], style));
    }
    for (var lat = Math.ceil(bounds.getSouth() / dLat) * dLat; lat <= bounds.getNorth(); lat += dLat) {
      grid.addLayer(L.polyline([[lat, bounds.getWest()], [lat, bounds.getEast()]], style));
    }
  }
  map.on('moveend', drawGrid);
  drawGrid();

  data.zones.forEach(function (zone) {
    var colour = zone.kind === 'exclusion' ? RED : GREEN;
    var style = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.18 };
    var g = zone.geometry || {};
    var layer;
    if (g.type === 'Circle') {
      var centre = [g.coordinates[1], g.coordinates[0]];
      if (zone.buffer_m) {
        L.circle(centre, { radius: g.radius_m + zone.buffer_m, color: colour, weight: 1.5, dashArray: '5 4', fill: false }).addTo(map);
      }
      layer = L.circle(centre, L.extend({ radius: g.radius_m }, style));
    } else {
      layer = L.geoJSON(g, { style: style });
    }
    layer.bindTooltip(zone.name).addTo(map);
  });

  if (data.curfew) {
    var home = [data.curfew.lat, data.curfew.lon];
    L.circle(home, { radius: data.curfew.buffer_m, color: BLUE, weight: 2, dashArray: '6 3', fillOpacity: 0.12 })
      .bindTooltip('Curfew address').addTo(map);
    L.circleMarker(home, { radius: 5, color: BLUE, fillColor: BLUE, fillOpacity: 1 }).addTo(map);
  }

  var trail = data.trail.map(function (fix) { return [fix.lat, fix.lon]; });
  if (trail.length) L.polyline(trail, { color: BLACK, weight: 2 }).addTo(map);
  data.trail.forEach(function (fix) {
    var where = fix.inside.length ? 'inside ' + fix.inside.join(', ') : 'outside every zone';
    L.circleMarker([fix.lat, fix.lon], fix.trigger
      ? { radius: 8, color: BLACK, weight: 3, fillColor: '#ffdd00', fillOpacity: 1 }
      : { radius: 4, color: BLACK, weight: 1.5, fillColor: fix.inside.length ? RED : '#ffffff', fillOpacity: 1 })
      .bindTooltip(fix.at + ': ' + where + (fix.trigger ? ' (raised the alert)' : ''))
      .addTo(map);
  });
})();
