"""Zones and distances (probation.rules.geo) against electronic-monitoring.md: strict GeoJSON,
the boundary counted as inside, buffers in metres, and the projection's error bound checked
against Vincenty's ellipsoidal distance."""

from __future__ import annotations

import doctest
import json
import math
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from probation.rules import geo

# ---- an independent oracle: Vincenty's inverse formula on the WGS84 ellipsoid ---------------


def vincenty_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    a, f = 6_378_137.0, 1 / 298.257223563
    b = (1 - f) * a
    big_l = math.radians(lon2 - lon1)
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-13:
            break
    u_sq = cos2_alpha * (a * a - b * b) / (b * b)
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - delta_sigma)


def test_the_oracle_gives_the_published_lands_end_to_john_o_groats_distance() -> None:
    # The published Vincenty example: 969,954.166 m.
    assert vincenty_m(50.06632, -5.71475, 58.64402, -3.07009) == pytest.approx(
        969_954.166, abs=0.01
    )


# ---- the projection's error ---------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    lat0=st.floats(49.8, 61.0),
    lon0=st.floats(-8.5, 2.0),
    dlat=st.floats(-0.45, 0.45),
    dlon=st.floats(-0.9, 0.9),
)
def test_projected_distance_from_the_centre_is_within_half_a_percent_up_to_50_km(
    lat0: float, lon0: float, dlat: float, dlon: float
) -> None:
    lat, lon = lat0 + dlat, lon0 + dlon
    true = vincenty_m(lat0, lon0, lat, lon)
    if not 1.0 <= true <= 50_000:
        return
    projection = geo.LocalProjection.around(lat0, lon0)
    x, y = projection.to_metres(np.array([lat]), np.array([lon]))
    assert abs(math.hypot(float(x[0]), float(y[0])) - true) / true < 0.005


@settings(max_examples=300, deadline=None)
@given(
    lat_a=st.floats(49.8, 61.0),
    lon_a=st.floats(-8.5, 2.0),
    dlat=st.floats(-0.45, 0.45),
    dlon=st.floats(-0.9, 0.9),
)
def test_distance_is_within_half_a_percent_up_to_50_km(
    lat_a: float, lon_a: float, dlat: float, dlon: float
) -> None:
    lat_b, lon_b = lat_a + dlat, lon_a + dlon
    true = vincenty_m(lat_a, lon_a, lat_b, lon_b)
    if not 1.0 <= true <= 50_000:
        return
    assert abs(float(geo.distance_m(lat_a, lon_a, lat_b, lon_b)) - true) / true < 0.005


# ---- zones from GeoJSON -------------------------------------------------------------------

# A square of about 700 m by 1.1 km in central London, with a hole in its south-west corner.
WEST, EAST, SOUTH, NORTH = -0.10, -0.09, 51.50, 51.51
SQUARE = [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]
HOLE = [[-0.099, 51.501], [-0.098, 51.501], [-0.098, 51.502], [-0.099, 51.502], [-0.099, 51.501]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
METRES_PER_DEGREE_LAT = 111_250  # the meridian arc near 51.5° N, to a few metres


def inside(zone: geo.Zone, lat: float, lon: float) -> bool:
    return bool(geo.contains(zone, np.array([lat]), np.array([lon]))[0])


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        pytest.param(51.505, -0.095, True, id="interior"),
        pytest.param(51.515, -0.095, False, id="north-of-it"),
        pytest.param(SOUTH, WEST, True, id="on-a-corner"),
        pytest.param(SOUTH, -0.095, True, id="on-the-southern-edge"),
        pytest.param(NORTH, -0.0925, True, id="on-the-northern-edge"),
        pytest.param(SOUTH - 1e-7, -0.095, False, id="a-centimetre-south-of-the-edge"),
        pytest.param(SOUTH + 1e-7, -0.095, True, id="a-centimetre-north-of-the-edge"),
        pytest.param(51.5015, -0.0985, False, id="in-the-hole"),
        pytest.param(51.501, -0.0985, True, id="on-the-hole-edge"),
    ],
)
def test_polygon_contains_and_the_boundary_counts_as_inside(
    lat: float, lon: float, expected: bool
) -> None:
    assert inside(geo.zone_from_geojson(POLYGON), lat, lon) is expected


@pytest.mark.parametrize(
    ("metres_south", "buffer_m", "expected"),
    [
        pytest.param(90, 100, True, id="90m-out-within-a-100m-buffer"),
        pytest.param(110, 100, False, id="110m-out-beyond-a-100m-buffer"),
        pytest.param(90, 0, False, id="90m-out-without-buffer"),
    ],
)
def test_a_buffer_widens_the_zone_by_metres(
    metres_south: float, buffer_m: float, expected: bool
) -> None:
    zone = geo.zone_from_geojson(POLYGON, buffer_m=buffer_m)
    assert inside(zone, SOUTH - metres_south / METRES_PER_DEGREE_LAT, -0.095) is expected


def test_multipolygon_and_feature_and_text() -> None:
    far_square = [[[x + 0.02, y] for x, y in SQUARE]]
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], far_square]}
    zone = geo.zone_from_geojson(json.dumps({"type": "Feature", "geometry": multi}))
    result = geo.contains(
        zone, np.array([51.505, 51.505, 51.505]), np.array([-0.095, -0.075, -0.085])
    )
    assert result.tolist() == [True, True, False]


def test_a_point_feature_is_a_circle_with_its_radius_in_metres() -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]},
        "properties": {"radius_m": 200},
    }
    zone = geo.zone_from_geojson(feature, buffer_m=50)
    assert zone.kind == geo.CIRCLE
    assert zone.radius_m == 250
    assert inside(zone, 51.5 + 240 / METRES_PER_DEGREE_LAT, -0.1)
    assert not inside(zone, 51.5 + 260 / METRES_PER_DEGREE_LAT, -0.1)


def test_a_fix_exactly_on_a_circle_counts_as_inside() -> None:
    # Due north of the centre, x is exactly 0, so the radius can be the fix's exact distance.
    lat, lon = 51.5013, -0.1
    _, y = geo.circle_zone(51.5, -0.1, 0).projection.to_metres(np.array([lat]), np.array([lon]))
    radius = abs(float(y[0]))
    assert inside(geo.circle_zone(51.5, -0.1, radius), lat, lon)
    assert not inside(geo.circle_zone(51.5, -0.1, radius - 0.01), lat, lon)


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(51.0, 51.012), lon=st.floats(-0.012, 0.012))
def test_circle_agrees_with_the_ellipsoid_away_from_the_edge(lat: float, lon: float) -> None:
    zone = geo.circle_zone(51.006, 0.0, 500)
    true = vincenty_m(51.006, 0.0, lat, lon)
    if true < 0.995 * 500:
        assert inside(zone, lat, lon)
    elif true > 1.005 * 500:
        assert not inside(zone, lat, lon)


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.floats(51.499, 51.511), st.floats(-0.101, -0.089)), min_size=1, max_size=40
    ),
    buffer_m=st.sampled_from([0.0, 25.0]),
)
def test_vectorised_contains_equals_shapely_covers_point_by_point(
    points: list[tuple[float, float]], buffer_m: float
) -> None:
    zone = geo.zone_from_geojson(POLYGON, buffer_m=buffer_m)
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    x, y = zone.projection.to_metres(lats, lons)
    expected = [
        bool(shapely.covers(zone.geometry, shapely.Point(a, b)))
        for a, b in zip(x.tolist(), y.tolist(), strict=True)
    ]
    assert geo.contains(zone, lats, lons).tolist() == expected


def _ring(n: int) -> list[list[float]]:
    points = [
        [-0.1 + 0.01 * math.cos(2 * math.pi * k / n), 51.5 + 0.01 * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]
    return [*points, points[0]]


def test_ten_thousand_positions_are_accepted() -> None:
    zone = geo.zone_from_geojson({"type": "Polygon", "coordinates": [_ring(9_999)]})
    assert inside(zone, 51.5, -0.1)


@pytest.mark.parametrize(
    ("geojson", "kwargs", "message"),
    [
        pytest.param("{not json", {}, "^geojson: not valid JSON", id="bad-json"),
        pytest.param("[]", {}, "^geojson: must be a GeoJSON object", id="json-array"),
        pytest.param(
            {"type": "LineString", "coordinates": []}, {}, "^type: must be one of", id="line"
        ),
        pytest.param({"coordinates": [SQUARE]}, {}, "^type:", id="no-type"),
        pytest.param(
            {"type": "Polygon", "coordinates": [SQUARE[:-1]]},
            {},
            r"^coordinates\[0\]: the ring is not closed",
            id="ring-not-closed",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[0, 51], [0.01, 51], [0, 51]]]},
            {},
            r"^coordinates\[0\]: a ring needs at least 4 positions",
            id="too-few-positions",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[0, 91], [0.01, 51], [0, 51.01], [0, 91]]]},
            {},
            r"^coordinates\[0\]\[0\]: the latitude must be between -90 and 90, got 91",
            id="latitude-91",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[181, 51], [0.01, 51], [0, 51.01], [181, 51]]]},
            {},
            r"^coordinates\[0\]\[0\]: the longitude must be between -180 and 180",
            id="longitude-181",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[True, 51], [0.01, 51], [0, 51.01], [True, 51]]]},
            {},
            "the longitude must be a number",
            id="bool-coordinate",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[["0", 51], [0.01, 51], [0, 51.01], ["0", 51]]]},
            {},
            "the longitude must be a number",
            id="text-coordinate",
        ),
        pytest.param(
            '{"type": "Polygon", "coordinates": [[[NaN, 51], [0.01, 51], [0, 51.01], [NaN, 51]]]}',
            {},
            "the longitude must be finite",
            id="nan-coordinate",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[0, 51, 3, 4], [0.01, 51], [0, 51.01], [0, 51]]]},
            {},
            r"a position must be \[longitude, latitude\]",
            id="four-numbers",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": []}, {}, "non-empty list of rings", id="no-rings"
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": "x"}, {}, "non-empty list of rings", id="text-rings"
        ),
        pytest.param(
            {"type": "MultiPolygon", "coordinates": []},
            {},
            "non-empty list of polygons",
            id="no-polygons",
        ),
        pytest.param(
            {
                "type": "Polygon",
                "coordinates": [[[0, 51], [0.01, 51.01], [0.01, 51], [0, 51.01], [0, 51]]],
            },
            {},
            r"^coordinates: the polygon is not valid: self-intersection at longitude 0\.005000, "
            r"latitude 51\.005000$",
            id="bow-tie",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [_ring(10_001)]},
            {},
            "^coordinates: a zone may have at most 10,000 positions",
            id="too-many-positions",
        ),
        pytest.param(
            {
                "type": "Polygon",
                "coordinates": [[[0, 51], [1.5, 51], [1.5, 51.5], [0, 51.5], [0, 51]]],
            },
            {},
            "^coordinates: the zone must fit within 50 km of its centre",
            id="too-big",
        ),
        pytest.param(
            {
                "type": "Polygon",
                "coordinates": [[[179.9, 0], [-179.9, 0], [-179.9, 0.1], [179.9, 0.1], [179.9, 0]]],
            },
            {},
            "must fit within 50 km",
            id="across-the-antimeridian",
        ),
        pytest.param(
            {"type": "Point", "coordinates": [0, 51]},
            {},
            "^radius_m: a circle",
            id="point-no-radius",
        ),
        pytest.param(
            POLYGON, {"radius_m": 10}, "^radius_m: only a Point", id="polygon-with-radius"
        ),
        pytest.param(
            POLYGON, {"buffer_m": -1}, "^buffer_m: must be at least 0", id="negative-buffer"
        ),
        pytest.param(
            POLYGON, {"buffer_m": float("nan")}, "^buffer_m: must be a finite", id="nan-buffer"
        ),
        pytest.param(
            {"type": "Point", "coordinates": [0, 51]},
            {"radius_m": 60_000},
            "^radius_m: must be at most",
            id="huge-circle",
        ),
        pytest.param(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [0, 51]},
                "properties": {"radius_m": 5},
            },
            {"radius_m": 5},
            "^radius_m: given both",
            id="radius-twice",
        ),
        pytest.param(
            {"type": "Feature", "geometry": None},
            {},
            "^geometry: a Feature must have",
            id="empty-feature",
        ),
        pytest.param(
            "x" * (geo.MAX_GEOJSON_CHARS + 1), {}, "^geojson: must be at most", id="too-long"
        ),
    ],
)
def test_geojson_is_checked_strictly(geojson: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        geo.zone_from_geojson(geojson, **kwargs)


@pytest.mark.parametrize(
    ("lats", "lons", "message"),
    [
        pytest.param([51.5, 51.6], [0.0], "^lons: must have the same shape", id="shapes"),
        pytest.param([91.0], [0.0], "^lats: every latitude", id="latitude"),
        pytest.param([float("nan")], [0.0], "^lats: every latitude", id="nan"),
        pytest.param([51.5], [-181.0], "^lons: every longitude", id="longitude"),
        pytest.param(
            ["north"], [0.0], "^lats: latitudes and longitudes must be numbers", id="text"
        ),
    ],
)
def test_contains_refuses_bad_coordinates(lats: list[Any], lons: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        geo.contains(geo.circle_zone(51.5, 0.0, 100), lats, lons)


def test_contains_of_an_empty_batch_is_empty() -> None:
    assert geo.contains(geo.zone_from_geojson(POLYGON), np.array([]), np.array([])).tolist() == []


def test_docstring_examples() -> None:
    result = doctest.testmod(geo, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_deeply_nested_json_is_refused_with_a_message_not_a_crash() -> None:
    from probation.rules.geo import zone_from_geojson

    with pytest.raises(ValueError, match="nested too deeply"):
        zone_from_geojson("[" * 100_000 + "]" * 100_000)
