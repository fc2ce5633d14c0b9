"""Coordinates and zones for electronic monitoring: whether GPS fixes are inside a zone.

Spec: ``docs/domain/electronic-monitoring.md`` (sections "What is monitored" and "Alerts"). A
zone is a polygon or a circle with an optional buffer; an exclusion zone raises an alert when a
fix is inside it, an inclusion zone when a fix is outside, and a GPS curfew when a fix is outside
the buffer around the curfew address. This module answers only "inside or not", for many fixes at
once; :mod:`probation.rules.monitoring` turns the answers into alerts.

Why NumPy and shapely here (the rules are otherwise standard library only): about 10,000 people
on GPS send a fix every minute or so, and uploads arrive in batches. Judging a batch with one
vectorised call (``shapely.intersects_xy`` on a prepared polygon, or NumPy arithmetic for a
circle) is what keeps the check fast enough to run on every upload; both libraries are pure
computation, with no I/O.

Decisions (recorded for the monitoring ADR):

* **Metres, not degrees.** Fixes and zones are WGS84 latitude/longitude, but buffers and radii
  are in metres. Each zone has its own *local equirectangular projection* centred on the zone
  (the centre of its bounding box, or the circle's centre), using the WGS84 ellipsoid's radii of
  curvature at that latitude: ``x = N·cos φ0·Δλ``, ``y = M·Δφ``. Distances from the centre are
  within 0.5 % of the true (ellipsoidal) distance up to 50 km away at the latitudes of Great
  Britain (the error grows with distance times tan φ0; ``tests/rules/test_geo.py`` checks it against
  Vincenty's formula). That is why a zone must fit within :data:`MAX_ZONE_RADIUS_M` of its
  centre. Zones cannot cross the antimeridian (they would not fit).
* **The boundary counts as inside** ("covers", not "contains"): a fix exactly on the edge of an
  exclusion zone is in it, and one exactly on the edge of an inclusion zone or a curfew buffer is
  not outside it. The doubtful case goes against the person for exclusion zones and in their
  favour for inclusion zones and curfews, which is the same rule read both ways: the line on the
  map belongs to the zone.
* **Strict, bounded GeoJSON.** ``Polygon``, ``MultiPolygon`` and ``Point`` (a circle, with a
  radius in metres), bare or as a ``Feature``; at most :data:`MAX_VERTICES` positions; rings
  closed with at least four positions; latitudes within -90..90 and longitudes within
  -180..180; no self-intersection (shapely's ``is_valid``; the message says where). Every
  problem is a ``ValueError`` with a plain message that starts with the field.
* A buffer is never negative: shrinking a zone to forgive GPS error is a policy for the alert
  page (the fix's accuracy), not a different zone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely

from probation.rules import _validate

__all__ = [
    "CIRCLE",
    "MAX_BUFFER_M",
    "MAX_GEOJSON_CHARS",
    "MAX_VERTICES",
    "MAX_ZONE_RADIUS_M",
    "POLYGON",
    "LocalProjection",
    "Zone",
    "circle_zone",
    "contains",
    "distance_m",
    "zone_from_geojson",
]

#: The two shapes of zone.
POLYGON: Final = "polygon"
CIRCLE: Final = "circle"

#: Bounds on input, so a drawn zone cannot exhaust the server.
MAX_VERTICES: Final = 10_000
MAX_GEOJSON_CHARS: Final = 2_000_000
#: Every part of a zone (with its buffer) lies within this distance of the zone's centre: the
#: projection's error is documented up to here.
MAX_ZONE_RADIUS_M: Final = 50_000.0
MAX_BUFFER_M: Final = 10_000.0

# WGS84 ellipsoid.
_A: Final = 6_378_137.0
_F: Final = 1 / 298.257223563
_E2: Final = _F * (2 - _F)

_FloatArray = npt.NDArray[np.float64]
_BoolArray = npt.NDArray[np.bool_]


def _radii(lat_degrees: Any) -> tuple[Any, Any]:
    """The meridional (M) and prime-vertical (N) radii of curvature at a latitude, in metres."""
    sin_lat = np.sin(np.radians(lat_degrees))
    w = np.sqrt(1 - _E2 * sin_lat * sin_lat)
    return _A * (1 - _E2) / (w * w * w), _A / w


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """A local equirectangular projection around (``lat0``, ``lon0``): metres east and north.

    >>> p = LocalProjection.around(51.5, -0.1)
    >>> round(p.metres_per_degree_lat), round(p.metres_per_degree_lon)
    (111258, 69441)
    >>> x, y = p.to_metres(np.array([51.6]), np.array([0.0]))
    >>> round(float(x[0])), round(float(y[0]))
    (6944, 11126)
    """

    lat0: float
    lon0: float
    metres_per_degree_lat: float
    metres_per_degree_lon: float

    @classmethod
    def around(cls, lat0: float, lon0: float) -> LocalProjection:
        _check_lat_lon("lat0", "lon0", lat0, lon0)
        m, n = _radii(lat0)
        return cls(
            float(lat0),
            float(lon0),
            float(m) * math.pi / 180,
            float(n) * math.cos(math.radians(lat0)) * math.pi / 180,
        )

    def to_metres(self, lats: _FloatArray, lons: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
        """Metres east (x) and north (y) of the origin, element by element."""
        return (lons - self.lon0) * self.metres_per_degree_lon, (
            lats - self.lat0
        ) * self.metres_per_degree_lat


@dataclass(frozen=True, slots=True, eq=False)
class Zone:
    """A zone in its own projection: a prepared polygon (buffer included) or a circle.

    Build one with :func:`zone_from_geojson` or :func:`circle_zone`, which check the input; the
    geometry is in projected metres. ``radius_m`` (circles) includes the buffer.
    """

    kind: str
    projection: LocalProjection
    buffer_m: float
    geometry: shapely.Geometry | None = None
    radius_m: float = 0.0

    def __post_init__(self) -> None:
        _validate.choice("kind", self.kind, (POLYGON, CIRCLE))
        _validate.number("buffer_m", self.buffer_m, minimum=0, maximum=MAX_BUFFER_M)
        if self.kind == POLYGON and not isinstance(self.geometry, shapely.Geometry):
            raise ValueError("geometry: a polygon zone needs a shapely geometry")
        if self.kind == CIRCLE:
            _validate.number("radius_m", self.radius_m, minimum=0, maximum=MAX_ZONE_RADIUS_M)


def _check_lat_lon(lat_field: str, lon_field: str, lat: Any, lon: Any) -> None:
    _validate.number(lat_field, lat, minimum=-90, maximum=90)
    _validate.number(lon_field, lon, minimum=-180, maximum=180)


def circle_zone(lat: float, lon: float, radius_m: float, *, buffer_m: float = 0.0) -> Zone:
    """A circle of ``radius_m`` metres (plus ``buffer_m``) around a point: a curfew address, a
    victim's home, an exclusion radius.

    >>> z = circle_zone(51.5, -0.1, 200, buffer_m=50)
    >>> z.kind, z.radius_m
    ('circle', 250.0)
    """
    _check_lat_lon("lat", "lon", lat, lon)
    _validate.number("radius_m", radius_m, minimum=0, maximum=MAX_ZONE_RADIUS_M)
    _validate.number("buffer_m", buffer_m, minimum=0, maximum=MAX_BUFFER_M)
    if radius_m + buffer_m > MAX_ZONE_RADIUS_M:
        raise ValueError(
            f"radius_m: with the buffer the circle must fit within {MAX_ZONE_RADIUS_M:,.0f} m, "
            f"got {radius_m + buffer_m:,.0f} m"
        )
    return Zone(
        CIRCLE,
        LocalProjection.around(lat, lon),
        float(buffer_m),
        radius_m=float(radius_m) + float(buffer_m),
    )


# ---- GeoJSON -------------------------------------------------------------------------------


def _position(where: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise ValueError(f"{where}: a position must be [longitude, latitude], got {value!r:.60}")
    lon, lat = value[0], value[1]
    for name, number in (("longitude", lon), ("latitude", lat)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{where}: the {name} must be a number, got {number!r:.40}")
        if not math.isfinite(number):
            raise ValueError(f"{where}: the {name} must be finite, got {number!r}")
    if not -90 <= lat <= 90:
        raise ValueError(f"{where}: the latitude must be between -90 and 90, got {lat}")
    if not -180 <= lon <= 180:
        raise ValueError(f"{where}: the longitude must be between -180 and 180, got {lon}")
    return float(lon), float(lat)


class _Counter:
    """Counts positions as they are read, so an oversized zone is refused before it is built."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, n: int) -> None:
        self.count += n
        if self.count > MAX_VERTICES:
            raise ValueError(f"coordinates: a zone may have at most {MAX_VERTICES:,} positions")


def _ring(where: str, value: Any, counter: _Counter) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{where}: a ring must be a list of positions")
    counter.add(len(value))
    ring = [_position(f"{where}[{i}]", p) for i, p in enumerate(value)]
    if len(ring) < 4:
        raise ValueError(f"{where}: a ring needs at least 4 positions, got {len(ring)}")
    if ring[0] != ring[-1]:
        raise ValueError(f"{where}: the ring is not closed (its first and last positions differ)")
    return ring


def _polygon_rings(where: str, value: Any, counter: _Counter) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{where}: a polygon must be a non-empty list of rings")
    return [_ring(f"{where}[{i}]", r, counter) for i, r in enumerate(value)]


def _unwrap_feature(data: Mapping[str, Any], radius_m: float | None) -> tuple[Any, float | None]:
    """A Feature's geometry, and the circle radius from ``properties.radius_m`` if any."""
    geometry = data.get("geometry")
    properties = data.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise ValueError("properties: must be an object or null")
    if "radius_m" in properties:
        if radius_m is not None:
            raise ValueError("radius_m: given both as an argument and in the feature's properties")
        radius_m = properties["radius_m"]
    return geometry, radius_m


def _load(geojson: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(geojson, str):
        if len(geojson) > MAX_GEOJSON_CHARS:
            raise ValueError(f"geojson: must be at most {MAX_GEOJSON_CHARS:,} characters")
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as error:
            raise ValueError(f"geojson: not valid JSON ({error.msg} at {error.pos})") from None
        except RecursionError:
            raise ValueError("geojson: nested too deeply to be GeoJSON") from None
    if not isinstance(geojson, Mapping):
        raise ValueError("geojson: must be a GeoJSON object")
    return geojson


_REASON = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")


def _check_valid(geometry: shapely.Geometry) -> None:
    """shapely's validity, with the place of the problem in longitude and latitude."""
    if shapely.is_valid(geometry):
        return
    reason = str(shapely.is_valid_reason(geometry))
    match = _REASON.match(reason)
    if match:
        where = f"at longitude {float(match['x']):.6f}, latitude {float(match['y']):.6f}"
        reason = f"{match['what'].strip().lower()} {where}"
    raise ValueError(f"coordinates: the polygon is not valid: {reason}")


def _polygon_zone(geometry: shapely.Geometry, buffer_m: float) -> Zone:
    _check_valid(geometry)
    min_lon, min_lat, max_lon, max_lat = shapely.bounds(geometry)
    projection = LocalProjection.around((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
    # The projection is linear in longitude and latitude, so the polygon's shape (and validity)
    # is unchanged; only the units become metres.
    projected = shapely.transform(
        geometry,
        lambda xy: np.column_stack(projection.to_metres(xy[:, 1], xy[:, 0])),
    )
    x0, y0, x1, y1 = shapely.bounds(projected)
    reach = math.hypot(max(abs(x0), abs(x1)), max(abs(y0), abs(y1))) + buffer_m
    if reach > MAX_ZONE_RADIUS_M:
        raise ValueError(
            f"coordinates: the zone must fit within {MAX_ZONE_RADIUS_M / 1000:,.0f} km of its "
            f"centre, but reaches {reach / 1000:,.1f} km"
        )
    if buffer_m > 0:
        projected = shapely.buffer(projected, buffer_m, quad_segs=16)
    shapely.prepare(projected)
    return Zone(POLYGON, projection, float(buffer_m), geometry=projected)


def zone_from_geojson(
    geojson: str | Mapping[str, Any], *, buffer_m: float = 0.0, radius_m: float | None = None
) -> Zone:
    """A zone from GeoJSON (text or a parsed object), checked strictly.

    A ``Point`` is a circle and needs a radius: the ``radius_m`` argument or, in a ``Feature``,
    ``properties.radius_m``. ``buffer_m`` widens any zone by that many metres.

    >>> square = {"type": "Polygon", "coordinates": [[[-0.1, 51.5], [-0.09, 51.5],
    ...     [-0.09, 51.51], [-0.1, 51.51], [-0.1, 51.5]]]}
    >>> zone_from_geojson(square).kind
    'polygon'
    >>> bow_tie = {"type": "Polygon", "coordinates": [[[0, 51], [0.01, 51.01], [0.01, 51],
    ...     [0, 51.01], [0, 51]]]}
    >>> zone_from_geojson(bow_tie)
    Traceback (most recent call last):
    ...
    ValueError: coordinates: the polygon is not valid: self-intersection at longitude 0.005000, latitude 51.005000
    """
    _validate.number("buffer_m", buffer_m, minimum=0, maximum=MAX_BUFFER_M)
    data = _load(geojson)
    kind = data.get("type")
    if kind == "Feature":
        geometry, radius_m = _unwrap_feature(data, radius_m)
        if not isinstance(geometry, Mapping):
            raise ValueError("geometry: a Feature must have a geometry object")
        data, kind = geometry, geometry.get("type")
    _validate.choice("type", kind, ("Polygon", "MultiPolygon", "Point"))
    coordinates = data.get("coordinates")
    counter = _Counter()
    if kind == "Point":
        if radius_m is None:
            raise ValueError("radius_m: a circle (a GeoJSON Point) needs a radius in metres")
        lon, lat = _position("coordinates", coordinates)
        return circle_zone(lat, lon, radius_m, buffer_m=buffer_m)
    if radius_m is not None:
        raise ValueError(f"radius_m: only a Point (a circle) has a radius, not a {kind}")
    if kind == "Polygon":
        rings = _polygon_rings("coordinates", coordinates, counter)
        return _polygon_zone(shapely.Polygon(rings[0], rings[1:]), buffer_m)
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise ValueError("coordinates: a MultiPolygon must be a non-empty list of polygons")
    polygons = [_polygon_rings(f"coordinates[{i}]", p, counter) for i, p in enumerate(coordinates)]
    return _polygon_zone(
        shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polygons]), buffer_m
    )


# ---- vectorised checks ---------------------------------------------------------------------


def _coordinates(lats: Any, lons: Any) -> tuple[_FloatArray, _FloatArray]:
    try:
        lat_array = np.asarray(lats, dtype=np.float64)
        lon_array = np.asarray(lons, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("lats: latitudes and longitudes must be numbers") from None
    if lat_array.shape != lon_array.shape:
        raise ValueError(
            f"lons: must have the same shape as lats, got {lon_array.shape} and {lat_array.shape}"
        )
    if not np.all((lat_array >= -90) & (lat_array <= 90)):  # NaN fails both comparisons
        raise ValueError("lats: every latitude must be a number between -90 and 90")
    if not np.all((lon_array >= -180) & (lon_array <= 180)):
        raise ValueError("lons: every longitude must be a number between -180 and 180")
    return lat_array, lon_array


def contains(zone: Zone, lats: Sequence[float] | _FloatArray, lons: Any) -> _BoolArray:
    """Whether each fix (``lats[i]``, ``lons[i]``) is inside ``zone``, boundary included.

    One vectorised call for the whole batch: ``shapely.intersects_xy`` on the prepared polygon
    (for a point, "intersects" is "covers": interior or boundary), or ``x² + y² <= r²`` for a
    circle.

    >>> z = circle_zone(51.5, -0.1, 100)
    >>> contains(z, np.array([51.5, 51.5, 51.51]), np.array([-0.1, -0.1013, -0.1])).tolist()
    [True, True, False]
    """
    lat_array, lon_array = _coordinates(lats, lons)
    x, y = zone.projection.to_metres(lat_array, lon_array)
    if zone.kind == CIRCLE:
        result: _BoolArray = x * x + y * y <= zone.radius_m * zone.radius_m
        return result
    return np.asarray(shapely.intersects_xy(zone.geometry, x, y), dtype=np.bool_)


def distance_m(lats_a: Any, lons_a: Any, lats_b: Any, lons_b: Any) -> _FloatArray:
    """Distances in metres between pairs of points, element by element (NumPy broadcasting).

    The local projection of this module, centred on each pair's mid-latitude: within 0.5 % of
    the ellipsoidal distance up to 50 km apart, which is the range that matters for a victim's
    exclusion radius.

    >>> round(float(distance_m(51.5, -0.1, 51.5, -0.1)[()]), 6)
    0.0
    >>> round(float(distance_m(51.5, -0.1, 51.509, -0.1)[()]))
    1001
    """
    lat_a, lon_a = _coordinates(lats_a, lons_a)
    lat_b, lon_b = _coordinates(lats_b, lons_b)
    m, n = _radii((lat_a + lat_b) / 2)
    dy = np.radians(lat_b - lat_a) * m
    dx = np.radians(lon_b - lon_a) * n * np.cos(np.radians((lat_a + lat_b) / 2))
    result: _FloatArray = np.hypot(dx, dy)
    return result
