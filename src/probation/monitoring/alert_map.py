"""The alert page's map, drawn on the server as SVG so that the page works without JavaScript,
and the same data as JSON for the Leaflet map that replaces it when JavaScript runs
(``static/monitoring/alert-map.js``).

The base layer is the project's own (``static/monitoring/basemap.geojson``, made once by
``scripts/em_basemap.py``): the land of Great Britain and Ireland from Natural Earth and the
towns of England and Wales. No tile server is reached. At city scale the land alone says little,
so the map adds a metric grid (its step chosen for the view: 50 m to 50 km) and a scale bar:
what an operator needs to judge how far a trail went into a zone. Projection: a local
equirectangular one around the middle of the view (:class:`probation.rules.geo.LocalProjection`),
metres the same both ways, which is exact enough at the scale of one alert.

A victim's location is never drawn (the alert's own fix says how close the person came).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from django.utils import timezone

from probation.monitoring.alert_selectors import AlertEvidence
from probation.rules.geo import LocalProjection

WIDTH: Final = 640
HEIGHT: Final = 440
#: The view spans at least this many metres (a single fix still shows its streets' scale).
MIN_EXTENT_M: Final = 400.0
#: Margin around what is drawn, as a share of its extent.
PADDING: Final = 0.12
GRID_STEPS_M: Final = (50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
#: At most this many grid lines across the view.
GRID_LINES: Final = 8
BASEMAP: Final = Path(__file__).resolve().parent / "static" / "monitoring" / "basemap.geojson"


@functools.cache
def _basemap() -> tuple[shapely.Geometry, list[tuple[float, float, str]]]:
    """The base layer's land (one prepared geometry) and towns (lon, lat, name)."""
    data = json.loads(BASEMAP.read_text())
    land = []
    towns = []
    for feature in data["features"]:
        kind = feature["properties"].get("kind")
        if kind == "land":
            land.append(shapely.from_geojson(json.dumps(feature["geometry"])))
        elif kind == "town":
            lon, lat = feature["geometry"]["coordinates"]
            towns.append((float(lon), float(lat), str(feature["properties"]["name"])))
    geometry = shapely.union_all(land) if land else shapely.Polygon()
    shapely.prepare(geometry)
    return geometry, towns


def distance_words(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


@dataclass(frozen=True)
class SvgZone:
    kind: str
    name: str
    path: str = ""
    buffer_path: str = ""
    cx: float = 0.0
    cy: float = 0.0
    r: float = 0.0
    buffer_r: float = 0.0

    @property
    def is_circle(self) -> bool:
        return not self.path


@dataclass(frozen=True)
class SvgPoint:
    x: float
    y: float
    label: str
    trigger: bool
    inside: bool


@dataclass(frozen=True)
class SvgMap:
    width: int
    height: int
    land: str
    grid: list[tuple[float, float, float, float]]
    grid_words: str
    scale_px: float
    scale_words: str
    towns: list[tuple[float, float, str]]
    zones: list[SvgZone]
    curfew: tuple[float, float, float] | None
    trail: str
    points: list[SvgPoint] = field(default_factory=list)


def _rings(geometry: dict[str, Any]) -> list[list[list[tuple[float, float]]]]:
    """A stored polygon zone's polygons, each a list of rings of (lon, lat)."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    out = []
    for polygon in polygons:
        try:
            out.append([[(float(p[0]), float(p[1])) for p in ring] for ring in polygon])
        except (TypeError, ValueError, IndexError):
            continue
    return out


def _circle(geometry: dict[str, Any]) -> tuple[float, float, float] | None:
    """A stored circle zone as (lat, lon, radius in metres)."""
    try:
        lon, lat = geometry["coordinates"]
        return float(lat), float(lon), float(geometry["radius_m"])
    except (KeyError, TypeError, ValueError):
        return None


def _extent(evidence: AlertEvidence) -> list[tuple[float, float, float]]:
    """Every place to show, as (lat, lon, radius in metres around it)."""
    places = [(f.latitude, f.longitude, 0.0) for f in evidence.trail]
    for zone in evidence.zones:
        if zone.geometry.get("type") == "Circle":
            circle = _circle(zone.geometry)
            if circle is not None:
                places.append((circle[0], circle[1], circle[2] + zone.buffer_m))
        for polygon in _rings(zone.geometry):
            places += [(lat, lon, float(zone.buffer_m)) for lon, lat in polygon[0]]
    if evidence.curfew is not None:
        c = evidence.curfew
        places.append((c.latitude, c.longitude, float(c.buffer_m)))
    trigger = evidence.trigger
    if isinstance(trigger.get("lat"), int | float) and isinstance(trigger.get("lon"), int | float):
        places.append((float(trigger["lat"]), float(trigger["lon"]), 0.0))
    return [p for p in places if -90 <= p[0] <= 90 and -180 <= p[1] <= 180]


class _View:
    """Metres in the local projection to pixels of the SVG, y downwards."""

    def __init__(self, places: list[tuple[float, float, float]]) -> None:
        lats = [p[0] for p in places]
        lons = [p[1] for p in places]
        self.projection = LocalProjection.around(
            (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
        )
        xs, ys = self.to_metres(np.array(lats), np.array(lons))
        radii = np.array([p[2] for p in places])
        x0, x1 = float(np.min(xs - radii)), float(np.max(xs + radii))
        y0, y1 = float(np.min(ys - radii)), float(np.max(ys + radii))
        span_x = max(x1 - x0, MIN_EXTENT_M) * (1 + 2 * PADDING)
        span_y = max(y1 - y0, MIN_EXTENT_M) * (1 + 2 * PADDING)
        self.scale = min(WIDTH / span_x, HEIGHT / span_y)  # pixels per metre
        self.mid_x, self.mid_y = (x0 + x1) / 2, (y0 + y1) / 2
        self.half_w, self.half_h = WIDTH / 2 / self.scale, HEIGHT / 2 / self.scale

    def to_metres(self, lats: Any, lons: Any) -> tuple[Any, Any]:
        return self.projection.to_metres(np.asarray(lats, float), np.asarray(lons, float))

    def px(self, x: float, y: float) -> tuple[float, float]:
        return (
            round(WIDTH / 2 + (x - self.mid_x) * self.scale, 1),
            round(HEIGHT / 2 - (y - self.mid_y) * self.scale, 1),
        )

    def lat_lon_px(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = self.to_metres([lat], [lon])
        return self.px(float(x[0]), float(y[0]))

    def lon_lat_box(self) -> shapely.Geometry:
        """The view in longitude and latitude (a little larger, for clipping)."""
        p = self.projection
        w = (self.mid_x - self.half_w * 1.1) / p.metres_per_degree_lon + p.lon0
        e = (self.mid_x + self.half_w * 1.1) / p.metres_per_degree_lon + p.lon0
        s = (self.mid_y - self.half_h * 1.1) / p.metres_per_degree_lat + p.lat0
        n = (self.mid_y + self.half_h * 1.1) / p.metres_per_degree_lat + p.lat0
        return shapely.box(w, s, e, n)

    def path(self, geometry: shapely.Geometry) -> str:
        """An SVG path of a (multi)polygon given in this view's metres."""
        parts = []
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.is_empty or polygon.geom_type != "Polygon":
                continue
            for ring in [polygon.exterior, *polygon.interiors]:
                points = [self.px(x, y) for x, y in ring.coords]
                parts.append("M" + " L".join(f"{x:g} {y:g}" for x, y in points) + " Z")
        return " ".join(parts)

    def metres_geometry(self, geometry: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(
            geometry, lambda xy: np.column_stack(self.to_metres(xy[:, 1], xy[:, 0]))
        )


def _grid(view: _View) -> tuple[list[tuple[float, float, float, float]], int]:
    step = next((s for s in GRID_STEPS_M if 2 * view.half_w / s <= GRID_LINES), GRID_STEPS_M[-1])
    lines = []
    x = math.ceil((view.mid_x - view.half_w) / step) * step
    while x <= view.mid_x + view.half_w:
        (px, _) = view.px(x, 0)
        lines.append((px, 0.0, px, float(HEIGHT)))
        x += step
    y = math.ceil((view.mid_y - view.half_h) / step) * step
    while y <= view.mid_y + view.half_h:
        (_, py) = view.px(0, y)
        lines.append((0.0, py, float(WIDTH), py))
        y += step
    return lines, step


def _zone(view: _View, zone: Any) -> SvgZone | None:
    if zone.geometry.get("type") == "Circle":
        circle = _circle(zone.geometry)
        if circle is None:
            return None
        cx, cy = view.lat_lon_px(circle[0], circle[1])
        r = circle[2] * view.scale
        return SvgZone(
            kind=zone.kind,
            name=zone.name,
            cx=cx,
            cy=cy,
            r=round(r, 1),
            buffer_r=round(r + zone.buffer_m * view.scale, 1) if zone.buffer_m else 0.0,
        )
    polygons = []
    for rings in _rings(zone.geometry):
        try:
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
        except (ValueError, shapely.errors.GEOSException):
            continue
    if not polygons:
        return None
    metres = view.metres_geometry(shapely.MultiPolygon(polygons))
    buffered = shapely.buffer(metres, zone.buffer_m) if zone.buffer_m else None
    return SvgZone(
        kind=zone.kind,
        name=zone.name,
        path=view.path(metres),
        buffer_path=view.path(buffered) if buffered is not None else "",
    )


def svg_map(evidence: AlertEvidence) -> SvgMap | None:
    """The alert's map as SVG parts, or None when there is nothing to place on it (an alert
    with no fix, zone or curfew address, such as a battery alert before any fix)."""
    places = _extent(evidence)
    if not places:
        return None
    view = _View(places)
    land_geometry, towns = _basemap()
    box = view.lon_lat_box()
    land = view.path(view.metres_geometry(shapely.intersection(land_geometry, box)))
    grid, step = _grid(view)
    town_labels = [
        (*view.lat_lon_px(lat, lon), name)
        for lon, lat, name in towns
        if shapely.contains_xy(box, lon, lat)
    ]
    zones = [z for z in (_zone(view, zone) for zone in evidence.zones) if z is not None]
    curfew = None
    if evidence.curfew is not None:
        c = evidence.curfew
        cx, cy = view.lat_lon_px(c.latitude, c.longitude)
        curfew = (cx, cy, round(c.buffer_m * view.scale, 1))
    points = [
        SvgPoint(
            *view.lat_lon_px(f.latitude, f.longitude),
            label=f"{timezone.localtime(f.recorded_at):%H:%M:%S}",
            trigger=f.is_trigger,
            inside=bool(f.inside),
        )
        for f in evidence.trail
    ]
    return SvgMap(
        width=WIDTH,
        height=HEIGHT,
        land=land,
        grid=grid,
        grid_words=distance_words(step),
        scale_px=round(step * view.scale, 1),
        scale_words=distance_words(step),
        towns=town_labels,
        zones=zones,
        curfew=curfew,
        trail=" ".join(f"{p.x:g},{p.y:g}" for p in points),
        points=points,
    )


def map_data(evidence: AlertEvidence, *, basemap_url: str) -> dict[str, Any]:
    """What the Leaflet map draws: the same trail, zones and curfew address as the SVG and the
    tables, and the view to open on."""
    places = _extent(evidence)
    bounds = None
    if places:
        view = _View(places)
        box = view.lon_lat_box().bounds
        bounds = [[box[1], box[0]], [box[3], box[2]]]
    curfew = evidence.curfew
    return {
        "basemap": basemap_url,
        "bounds": bounds,
        "trail": [
            {
                "lat": f.latitude,
                "lon": f.longitude,
                "at": f"{timezone.localtime(f.recorded_at):%H:%M:%S}",
                "trigger": f.is_trigger,
                "inside": list(f.inside),
            }
            for f in evidence.trail
        ],
        "zones": [
            {
                "name": z.name,
                "kind": z.kind,
                "geometry": z.geometry,
                "buffer_m": z.buffer_m,
            }
            for z in evidence.zones
        ],
        "curfew": None
        if curfew is None
        else {"lat": curfew.latitude, "lon": curfew.longitude, "buffer_m": curfew.buffer_m},
    }
