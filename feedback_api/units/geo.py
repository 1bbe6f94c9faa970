"""Location → commune: the boundary that contains a point, else the nearest centre in range.

Point-in-polygon is shapely's (GEOS), not hand-written geometry. Boundaries are GeoJSON
(lon/lat, RFC 7946) stored on the unit; the index of prepared shapes is built once per set of
boundaries and cached (`GeoCache`), since a real province's boundaries run to megabytes.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape

EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): plenty for "which commune centre is nearest"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    """A routable unit's geography: its boundary (GeoJSON text) and/or its centre."""

    unit_id: int
    boundary: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Located:
    unit_id: int
    reason: str  # "boundary" or "centre"
    distance_km: float | None = None


class GeoIndex:
    def __init__(self, places: list[Place]):
        self._ids: list[int] = []
        shapes = []
        for place in places:
            if place.boundary:
                geometry = shape(json.loads(place.boundary))
                shapely.prepare(geometry)
                shapes.append(geometry)
                self._ids.append(place.unit_id)
        self._tree = shapely.STRtree(shapes) if shapes else None
        self._shapes = shapes
        self._centres = [
            (p.unit_id, p.latitude, p.longitude)
            for p in places
            if p.latitude is not None and p.longitude is not None
        ]

    def locate(self, latitude: float, longitude: float, *, radius_km: float) -> Located | None:
        """The unit whose boundary covers the point (the smallest, if boundaries overlap);
        else the nearest centre no further than `radius_km`; else None."""
        point = Point(longitude, latitude)
        if self._tree is not None:
            hits = [int(i) for i in self._tree.query(point, predicate="intersects")]
            if hits:
                best = min(hits, key=lambda i: self._shapes[i].area)
                return Located(self._ids[best], "boundary")
        nearest = min(
            (
                (distance_km(latitude, longitude, lat, lon), unit_id)
                for unit_id, lat, lon in self._centres
            ),
            default=None,
        )
        if nearest is not None and nearest[0] <= radius_km:
            return Located(nearest[1], "centre", round(nearest[0], 2))
        return None


class GeoCache:
    """One GeoIndex per version of the boundaries, rebuilt when the key says they changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: object = None
        self._index: GeoIndex | None = None

    def clear(self) -> None:
        with self._lock:
            self._index = None

    def get(self, key: object, load) -> GeoIndex:
        with self._lock:
            if self._index is None or key != self._key:
                self._index = GeoIndex(load())
                self._key = key
            return self._index
