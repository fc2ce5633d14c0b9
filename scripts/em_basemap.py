"""Make the alert map's base layer: src/probation/monitoring/static/monitoring/basemap.geojson.

Run once, by hand, and commit the output (the service's machines reach no tile server, and the
map must work offline): ``python scripts/em_basemap.py path/to/land-10m.json``, where
``land-10m.json`` is the TopoJSON land of Natural Earth (public domain) as the ``world-atlas``
npm package 2.0.2 ships it (``npm pack world-atlas@2.0.2``; it is not a dependency).

What the layer holds (docs/adr/0020-electronic-monitoring.md, "the alert map"):

* the land of Great Britain, Ireland and the nearby islands (Natural Earth 1:10m), clipped to
  the box around England and Wales, so that the sea and the coast show where they matter;
* the towns of England and Wales that the probation areas serve (the demo world's towns and the
  larger cities) as labelled points, so that a trail is seen near a named place.

Street-level data (OS OpenData, OpenStreetMap) would be better at city scale, but no package
the project can install ships it; the alert page draws a metric grid and a scale bar over the
land instead, which is what an operator needs to judge distances on the evidence.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = (
    Path(__file__).resolve().parents[1]
    / "src/probation/monitoring/static/monitoring/basemap.geojson"
)
# West, south, east, north: England and Wales with a margin (the Isles of Scilly to Berwick).
BOX = (-7.0, 49.8, 2.1, 56.0)

# Towns and cities (longitude, latitude to about 100 m), from public gazetteers.
# fmt: off
TOWNS: dict[str, tuple[float, float]] = {
    "Newcastle upon Tyne": (-1.6178, 54.9783), "Sunderland": (-1.3822, 54.9069),
    "Gateshead": (-1.6020, 54.9527), "North Shields": (-1.4496, 55.0097),
    "Blyth": (-1.5090, 55.1270), "Preston": (-2.7035, 53.7632),
    "Blackpool": (-3.0357, 53.8175), "Blackburn": (-2.4850, 53.7486),
    "Lancaster": (-2.8007, 54.0466), "Carlisle": (-2.9330, 54.8925),
    "Burnley": (-2.2430, 53.7893), "Sheffield": (-1.4701, 53.3811),
    "Doncaster": (-1.1281, 53.5228), "Rotherham": (-1.3568, 53.4326),
    "Barnsley": (-1.4794, 53.5526), "Luton": (-0.4200, 51.8787),
    "Bedford": (-0.4663, 52.1360), "Northampton": (-0.8901, 52.2405),
    "Cambridge": (0.1218, 52.2053), "Peterborough": (-0.2405, 52.5695),
    "Stevenage": (-0.2022, 51.9038), "Watford": (-0.3961, 51.6565),
    "Chelmsford": (0.4691, 51.7356), "Colchester": (0.9036, 51.8959),
    "Southend-on-Sea": (0.7077, 51.5459), "Basildon": (0.4559, 51.5761),
    "Harlow": (0.1114, 51.7727), "Norwich": (1.2974, 52.6309),
    "Ipswich": (1.1555, 52.0567), "Great Yarmouth": (1.7300, 52.6083),
    "King's Lynn": (0.3956, 52.7517), "Lowestoft": (1.7500, 52.4811),
    "Manchester": (-2.2426, 53.4808), "Salford": (-2.2931, 53.4875),
    "Stockport": (-2.1575, 53.4106), "Bolton": (-2.4282, 53.5769),
    "Wigan": (-2.6325, 53.5450), "Oldham": (-2.1183, 53.5409),
    "Chester": (-2.8919, 53.1934), "Warrington": (-2.5970, 53.3900),
    "Crewe": (-2.4410, 53.0979), "Liverpool": (-2.9916, 53.4084),
    "Birkenhead": (-3.0148, 53.3934), "Bootle": (-2.9946, 53.4457),
    "St Helens": (-2.7367, 53.4539), "Southport": (-3.0050, 53.6458),
    "Huyton": (-2.8431, 53.4115), "Leeds": (-1.5491, 53.8008),
    "Bradford": (-1.7594, 53.7960), "Wakefield": (-1.4977, 53.6833),
    "Huddersfield": (-1.7850, 53.6458), "Halifax": (-1.8635, 53.7248),
    "Hull": (-0.3367, 53.7457), "Grimsby": (-0.0759, 53.5675),
    "Lincoln": (-0.5406, 53.2307), "York": (-1.0815, 53.9600),
    "Scarborough": (-0.3998, 54.2831), "Scunthorpe": (-0.6544, 53.5809),
    "Southampton": (-1.4043, 50.9097), "Portsmouth": (-1.0873, 50.8198),
    "Basingstoke": (-1.0873, 51.2665), "Ryde": (-1.1631, 50.7271),
    "Winchester": (-1.3080, 51.0632), "Westminster": (-0.1357, 51.4975),
    "Islington": (-0.1028, 51.5465), "Hackney": (-0.0553, 51.5450),
    "Tower Hamlets": (-0.0291, 51.5099), "Lambeth": (-0.1163, 51.4607),
    "Croydon": (-0.0982, 51.3762), "Brent": (-0.2817, 51.5673),
    "Ealing": (-0.3089, 51.5130), "Newham": (0.0469, 51.5255),
    "Enfield": (-0.0824, 51.6523), "Reading": (-0.9781, 51.4543),
    "Oxford": (-1.2577, 51.7520), "Slough": (-0.5950, 51.5105),
    "Milton Keynes": (-0.7594, 52.0406), "High Wycombe": (-0.7487, 51.6287),
    "Bristol": (-2.5879, 51.4545), "Gloucester": (-2.2382, 51.8642),
    "Taunton": (-3.1025, 51.0150), "Swindon": (-1.7797, 51.5558),
    "Bath": (-2.3590, 51.3811), "Cheltenham": (-2.0783, 51.8994),
    "Exeter": (-3.5339, 50.7184), "Plymouth": (-4.1427, 50.3755),
    "Bournemouth": (-1.8808, 50.7192), "Truro": (-5.0510, 50.2632),
    "Torquay": (-3.5253, 50.4619), "Poole": (-1.9872, 50.7150),
    "Cardiff": (-3.1791, 51.4816), "Swansea": (-3.9436, 51.6214),
    "Newport": (-2.9984, 51.5842), "Wrexham": (-2.9916, 53.0466),
    "Llandudno": (-3.8276, 53.3241), "Merthyr Tydfil": (-3.3786, 51.7487),
    "Birmingham": (-1.8904, 52.4862), "Wolverhampton": (-2.1288, 52.5870),
    "Coventry": (-1.5197, 52.4068), "Stoke-on-Trent": (-2.1794, 53.0027),
    "Walsall": (-1.9822, 52.5860), "Dudley": (-2.0810, 52.5087),
    "Nottingham": (-1.1581, 52.9548), "Leicester": (-1.1398, 52.6369),
    "Derby": (-1.4746, 52.9225), "Mansfield": (-1.1969, 53.1472),
    "Chesterfield": (-1.4216, 53.2350), "Middlesbrough": (-1.2348, 54.5742),
    "Stockton-on-Tees": (-1.3187, 54.5705), "Darlington": (-1.5526, 54.5236),
    "Hartlepool": (-1.2129, 54.6863), "Durham": (-1.5849, 54.7753),
    "Brighton": (-0.1372, 50.8225), "Canterbury": (1.0803, 51.2802),
    "Maidstone": (0.5225, 51.2704), "Dover": (1.3134, 51.1279),
    "Hastings": (0.5729, 50.8543), "Guildford": (-0.5704, 51.2362),
    "Worcester": (-2.2200, 52.1920), "Hereford": (-2.7160, 52.0565),
    "Shrewsbury": (-2.7531, 52.7073), "Aberystwyth": (-4.0829, 52.4153),
    "Bangor": (-4.1297, 53.2274), "Carmarthen": (-4.3066, 51.8576),
}
# fmt: on


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON's quantised, delta-encoded arcs as longitude and latitude."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def main(source: str) -> None:
    import shapely

    topology = json.loads(Path(source).read_text())
    arcs = decode_arcs(topology)
    box = shapely.box(*BOX)
    features = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            rings = [ring(r, arcs) for r in polygon]
            shape = shapely.Polygon(rings[0], rings[1:])
            if not shape.intersects(box):
                continue
            clipped = shapely.set_precision(shape.intersection(box), 0.00001)
            if clipped.is_empty:
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "land"},
                    "geometry": json.loads(shapely.to_geojson(clipped)),
                }
            )
    for name, (lon, lat) in sorted(TOWNS.items()):
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "town", "name": name},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "attribution": "Land: Natural Earth (public domain). Towns: public gazetteers.",
        "features": features,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(features)} features, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
