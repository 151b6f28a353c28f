"""Synthetic road-like OpenStreetMap PBF file of Sweden's size (pyosmium writer).

Run from the repository root::

    python benchmarks/synth_pbf.py --scale 0.01 --out /tmp/synth_1pct.osm.pbf
    python benchmarks/synth_pbf.py --scale 1.0 --out /tmp/synth_100pct.osm.pbf      # ~10.5 M nodes
    python benchmarks/synth_pbf.py --scale 0.25 --buildings 2.0 --out /tmp/unfiltered_25.osm.pbf
    python benchmarks/synth_pbf.py --country --scale 1.0 --out /tmp/synth_se_1_b0.osm.pbf  # needs the data registry

No national road file is available offline, so the benchmarks read a synthetic one. At
``--scale 1.0`` it has about 10.5 million nodes, 1.75 million ways and 12.5 million way-node
references, the size of a road-only (``osmium tags-filter w/highway``) extract of Sweden.

The network
-----------
A perturbed square grid of junctions (450 m apart, so the area grows with the scale) in
SWEREF 99 TM, written in WGS84:

* every 8th grid line is an arterial (tertiary; every 16th secondary, every 64th primary,
  every 128th trunk), kept whole; every 256th row is a **motorway** drawn as two one-way
  carriageways 50 m apart (untagged, one-way by implication), joined to the grid by two-way
  ``motorway_link`` ways every 20 columns, crossed by the grid elsewhere without a junction;
* the other lines are local roads with 35 % of their segments removed (dead ends, T
  junctions), in runs of one class: residential, unclassified, living_street, service
  (40 % ``service=driveway``), track, footway, cycleway, path;
* every segment between two junctions has 0 to ~6 shape nodes (Poisson, more on rural
  classes), so roads form degree-2 chains between junctions as real OSM does, and a way
  spans one to several segments (junctions inside a way are shared nodes);
* tags: ``oneway=yes`` on 5 % and ``oneway=-1`` on 0.5 % of urban ways, ``junction=roundabout``
  on 0.3 % of tertiary ways, ``maxspeed`` on most arterials and part of the local ways
  (numbers, ``SE:urban``, ``SE:rural``, ``50;70``, ``none``), ``access=private`` on 2 % of
  local roads, ``motor_vehicle=no`` on 1 %, ``area=yes`` on a few living streets, ``route=ferry``
  on a few ways.

Country mode
------------
``--country`` (``build(..., country=True)``) lays the same kind of network over Sweden instead
of a square in the south, so every office and resident has a road nearby:

* the grid spans Sweden's extent in EPSG:3006 (``SE_BOUNDS``, 655 x 1545 km), with
  different numbers of columns and rows; junctions are perturbed by up to 22 % of the spacing;
* only the segments whose two end junctions lie on Swedish land are kept: the union of the
  290 SCB kommun polygons (land-clipped, ~437,000 km2, :func:`sweden_land`), tested with
  shapely's vectorised ``contains_xy``. A way ends where a segment is dropped, as at a
  removed local segment. A segment with both ends on land is kept even where it crosses
  water (a lake, a sound narrower than the spacing), so on coarse grids some islands join
  the mainland;
* the spacing is 508 m at ``--scale 1.0``, so about 1.69 million junctions lie on land, as
  many as the square grid's 1300 x 1300; it grows as ``1 / sqrt(scale)`` (5.1 km at 0.01,
  11.4 km at 0.002), so Sweden is covered at every scale and the size scales as in square
  mode;
* class mix, shape nodes and tags are the square mode's. Motorway rows come every
  ``256 x sqrt(scale)`` rows (rounded to a multiple of 16, at least 16): ~130 km apart, as
  every 256th row is at 508 m, i.e. about 12 motorway rows across the country at scales
  >= 0.05 and still 6 at 0.001; their links come every ``20 x sqrt(scale)`` columns (at
  least 2), so ~10 km apart. Carriageway segments are kept where their row's junctions are
  on land;
* islands (Gotland, Öland, coastal islands) are separate components. Two ``route=ferry``
  ways join the mainland junctions nearest Nynäshamn and Oskarshamn to the Gotland junction
  nearest Visby (used with ``ferries=True``), and a ``primary`` segment from Kalmar to
  Färjestaden stands for the Öland bridge (left out when a grid is too coarse to have a
  road junction within reach of a terminal).

The land polygons come from narvaro's data registry (``narvaro.data``), so country mode needs
it reachable (e.g. ``NARVARO_DATA_MIRROR``). Square mode needs no data, and is unchanged:
the same arguments give the same objects as before country mode existed.

``--buildings F`` adds ``F`` x (number of road ways) closed building ways of 4 new nodes each
(``building=yes``) beside the roads, for the "unfiltered extract" case. Everything is seeded:
the same ``--scale``, ``--seed``, ``--buildings`` and ``--country`` give the same objects.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

SPACING = 450.0  # metres between grid junctions
X0, Y0 = 300_000.0, 6_150_000.0  # south-west corner (EPSG:3006)
FULL_SIDE = 1300  # grid side at scale 1.0 (~1.77 M junctions)
SHAPE_FACTOR = 1.6  # scales SHAPE_MEAN (tuned to OSM Sweden's nodes per way)

# country mode (EPSG:3006)
SE_BOUNDS = (270_000.0, 6_130_000.0, 925_000.0, 7_675_000.0)  # Sweden's extent, rounded out
#: junction spacing at scale 1.0: 437,000 km2 of land / 1.69 M junctions (FULL_SIDE**2) = (508 m)**2
SE_SPACING = 508.0
SE_JITTER = 0.22  # junction perturbation, share of the spacing (100 m of 450 in the square grid)
#: ferry terminals (lon, lat): mainland port -> Visby; the Öland bridge Kalmar -> Färjestaden
SE_FERRIES = (((17.948, 58.903), (18.295, 57.639)), ((16.448, 57.264), (18.295, 57.639)))
SE_BRIDGE = ((16.360, 56.660), (16.460, 56.650))

LOCAL_CLASSES = np.array(
    ["residential", "unclassified", "living_street", "service", "track", "footway", "cycleway", "path"]
)
LOCAL_P = np.array([0.40, 0.22, 0.02, 0.14, 0.12, 0.05, 0.025, 0.025])
#: mean number of shape nodes per junction-to-junction segment, by class
SHAPE_MEAN = {
    "motorway": 4.0, "motorway_link": 1.0, "trunk": 3.5, "primary": 3.5, "secondary": 3.2, "tertiary": 3.0,
    "residential": 1.6, "unclassified": 3.2, "living_street": 1.0, "service": 1.2, "track": 3.5,
    "footway": 1.5, "cycleway": 1.5, "path": 2.5,
}
MAXSPEED = {
    "motorway": (["110", "120"], 0.9), "trunk": (["90", "100", "80"], 0.8),
    "primary": (["80", "70", "90", "SE:rural"], 0.75), "secondary": (["70", "80", "60", "50;70"], 0.6),
    "tertiary": (["60", "70", "50", "SE:rural"], 0.5), "residential": (["30", "40", "50", "SE:urban"], 0.3),
    "unclassified": (["70", "50", "SE:rural", "none"], 0.2), "living_street": (["SE:living_street"], 0.3),
}
URBAN_ONEWAY = {"residential", "tertiary", "secondary", "unclassified", "living_street"}


def _grid(
    nx: int, ny: int, rng: np.random.Generator, x0: float = X0, y0: float = Y0, spacing: float = SPACING,
    jitter: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Perturbed junctions of an ``ny`` x ``nx`` grid, row-major (index = row * nx + col)."""
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny))
    x = x0 + gx.ravel() * spacing + rng.uniform(-jitter, jitter, nx * ny)
    y = y0 + gy.ravel() * spacing + rng.uniform(-jitter, jitter, nx * ny)
    return x, y


@functools.lru_cache(maxsize=1)
def sweden_land() -> Any:
    """Sweden's land: the union of the 290 SCB kommun polygons (land-clipped), EPSG:3006, prepared.

    Read through :func:`narvaro.data.layers.load_kommuner` (``source="scb"``), so the data
    registry must be reachable (e.g. ``NARVARO_DATA_MIRROR``).

    Returns
    -------
    shapely.MultiPolygon
        About 437,000 km2 in 29 parts (mainland, Gotland, Öland, larger coastal islands).
    """
    import shapely

    from narvaro.data import layers

    land = shapely.union_all(layers.load_kommuner("scb").geometry.values)
    shapely.prepare(land)
    return land


def country_grid(scale: float) -> tuple[float, int, int, int, int]:
    """Geometry of the country-mode grid at ``scale``.

    Parameters
    ----------
    scale : float
        Share of the Swedish size (1.0: about as many junctions on land as the square grid).

    Returns
    -------
    spacing : float
        Metres between junctions, ``SE_SPACING / sqrt(scale)``.
    nx, ny : int
        Columns and rows covering ``SE_BOUNDS``.
    motorway_period : int
        A motorway every this many rows: ``256 * sqrt(scale)`` rounded to a multiple of 16
        (at least 16), so motorways stay ~130 km apart as the 256 rows of the square grid at
        scale 1.0 are, and, being half a period (a multiple of 8) off, they always replace a
        local-road row, never an arterial. That is 11 or 12 motorway rows across Sweden for
        scale >= 0.05, 9 or 10 at 0.002 to 0.01, 6 at 0.001.
    link_period : int
        A ``motorway_link`` every this many columns (20 at scale 1.0, i.e. every ~10 km, and
        about the same distance at coarser spacing, at least every 2nd column).
    """
    spacing = SE_SPACING / float(np.sqrt(scale))
    xmin, ymin, xmax, ymax = SE_BOUNDS
    nx = int(np.ceil((xmax - xmin) / spacing)) + 1
    ny = int(np.ceil((ymax - ymin) / spacing)) + 1
    motorway_period = 16 * max(1, int(round(16 * np.sqrt(scale))))
    link_period = max(2, int(round(20 * SE_SPACING / spacing)))
    return spacing, nx, ny, motorway_period, link_period


def _line_class(i: np.ndarray) -> np.ndarray:
    cls = np.full(len(i), "", dtype=object)
    cls[i % 8 == 4] = "tertiary"
    cls[i % 16 == 12] = "secondary"
    cls[i % 64 == 44] = "primary"
    cls[i % 128 == 108] = "trunk"
    return cls


def _add_crossings(
    jx: np.ndarray, jy: np.ndarray, spacing: float, seg_a: list, seg_b: list, seg_cls: list, seg_break: list
) -> int:
    """Country mode: append the Öland bridge and the ferries to Gotland to the segment lists.

    Each crossing joins the two junctions nearest its terminals (:data:`SE_BRIDGE`,
    :data:`SE_FERRIES`) that end a kept road segment (residential to trunk) on the right land
    part (the mainland, Öland, Gotland); a crossing with no such junction within
    ``max(2 x spacing, 10 km)`` of a terminal is left out (coarse grids). The bridge is one
    ``primary`` segment; the ferries are ``unclassified`` segments appended last, one way
    each, which :func:`build` tags ``route=ferry``.

    Returns
    -------
    int
        The number of ferry segments appended (0, 1 or 2).
    """
    import pyproj
    import shapely

    roads = {"residential", "unclassified", "tertiary", "secondary", "primary", "trunk"}
    cls = np.concatenate(seg_cls)
    sel = np.isin(cls, list(roads))
    ends = np.unique(np.concatenate([np.concatenate(seg_a)[sel], np.concatenate(seg_b)[sel]]))
    ex, ey = jx[ends], jy[ends]
    reach = max(2 * spacing, 10_000.0)
    parts = list(sweden_land().geoms)
    mainland = max(parts, key=lambda g: g.area)
    tr = pyproj.Transformer.from_crs(4326, 3006, always_xy=True)

    def terminal(lonlat: tuple[float, float], part: Any | None) -> int | None:
        x, y = tr.transform(*lonlat)
        if part is None:  # the land part nearest the terminal (an island port may lie just off the polygon)
            pt = shapely.Point(x, y)
            part = min(parts, key=lambda g: g.distance(pt))
        d = np.hypot(ex - x, ey - y)
        near = np.flatnonzero(d <= reach)
        near = near[np.argsort(d[near], kind="stable")]
        inside = near[shapely.contains_xy(part, ex[near], ey[near])]
        return int(ends[inside[0]]) if len(inside) else None

    def add(a: int | None, b: int | None, c: str) -> int:
        if a is None or b is None or a == b:
            return 0
        seg_a.append(np.array([a], np.int64))
        seg_b.append(np.array([b], np.int64))
        seg_cls.append(np.array([c], dtype=object))
        seg_break.append(np.ones(1, bool))
        return 1

    add(terminal(SE_BRIDGE[0], mainland), terminal(SE_BRIDGE[1], None), "primary")
    return sum(add(terminal(port, mainland), terminal(visby, None), "unclassified") for port, visby in SE_FERRIES)


def build(scale: float, seed: int = 12, buildings: float = 0.0, country: bool = False) -> dict[str, np.ndarray]:
    """The synthetic network as arrays (coordinates in EPSG:3006, ways as a flat ref list).

    Parameters
    ----------
    scale : float
        Share of the Swedish size, 0.0001 to 1.0. Square mode: the grid's area scales with
        it. Country mode: the grid covers Sweden at every scale and its spacing grows as
        ``1 / sqrt(scale)`` (508 m at 1.0, ~5 km at 0.01).
    seed : int
        Random seed.
    buildings : float
        Building ways to add per road way (0: a road-only file).
    country : bool, default False
        Lay the grid over Sweden's extent and keep only the segments with both ends on land
        (see the module docstring); needs the kommun polygons (:func:`sweden_land`).

    Returns
    -------
    dict
        ``node_x``, ``node_y`` (node id = position + 1), ``way_offsets``, ``way_refs`` (node ids),
        ``way_class`` (str), and per-way tag codes.
    """
    rng = np.random.default_rng(seed)
    if country:
        import shapely

        spacing, nx, ny, motorway_period, link_period = country_grid(scale)
        jx, jy = _grid(nx, ny, rng, SE_BOUNDS[0], SE_BOUNDS[1], spacing, SE_JITTER * spacing)
        land = shapely.contains_xy(sweden_land(), jx, jy)
    else:
        side = max(8, int(round(FULL_SIDE * np.sqrt(scale))))
        nx = ny = side
        motorway_period, link_period = 256, 20
        jx, jy = _grid(side, side, rng)
        land = np.ones(nx * ny, bool)
    nid = np.arange(nx * ny).reshape(ny, nx)  # [row, col]
    xs, ys = [jx], [jy]
    n_nodes = nx * ny

    seg_a, seg_b, seg_cls, seg_break = [], [], [], []

    def add_line_segments(a, b, cls, brk):
        seg_a.append(np.asarray(a, np.int64))
        seg_b.append(np.asarray(b, np.int64))
        seg_cls.append(np.asarray(cls, dtype=object))
        seg_break.append(np.asarray(brk, bool))

    def kept(brk: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Way breaks of the kept segments: a way also ends at every removed segment."""
        brk[0] = True
        gap = np.r_[True, ~keep[:-1]]
        return (brk | gap)[keep]

    motorway_rows = [r for r in range(ny) if r % motorway_period == motorway_period // 2]
    for horizontal in (True, False):
        lines = np.arange(ny if horizontal else nx)
        cls_line = _line_class(lines)
        for li in lines:
            if horizontal and li in motorway_rows:
                continue
            nodes = nid[li, :] if horizontal else nid[:, li]
            a, b = nodes[:-1], nodes[1:]
            on_land = land[a] & land[b]
            if not on_land.any():
                continue  # (country mode) a line entirely at sea
            m = len(a)
            if cls_line[li]:
                cls = np.full(m, cls_line[li], dtype=object)
                brk = rng.random(m) < 0.33
                keep = np.ones(m, bool)
            else:
                pre = rng.random(m) < 0.45
                pre[0] = True
                run = np.cumsum(pre) - 1
                run_cls = rng.choice(LOCAL_CLASSES, run[-1] + 1, p=LOCAL_P)
                cls = run_cls[run]
                brk = pre | (rng.random(m) < 0.27)
                keep = rng.random(m) > 0.35
            keep &= on_land
            add_line_segments(a[keep], b[keep], cls[keep], kept(brk, keep))

    # motorways: two carriageways per motorway row, links every `link_period` columns
    for r in motorway_rows:
        row_land = land[nid[r, :]]
        for dy, forward in ((25.0, True), (-25.0, False)):
            ids = n_nodes + np.arange(nx)
            xs.append(jx[nid[r, :]])
            ys.append(jy[nid[r, :]] + dy)
            n_nodes += nx
            cols = np.arange(nx - 1)
            if forward:
                a, b = ids[:-1], ids[1:]
                brk = (cols % link_period == 0) | (rng.random(nx - 1) < 0.1)
            else:
                a, b = ids[1:][::-1], ids[:-1][::-1]
                brk = (cols[::-1] % link_period == link_period - 1) | (rng.random(nx - 1) < 0.1)
            keep = row_land[a - ids[0]] & row_land[b - ids[0]]
            if keep.any():
                add_line_segments(a[keep], b[keep], np.full(int(keep.sum()), "motorway", dtype=object),
                                  kept(brk, keep))
            link_cols = np.arange(link_period // 2, nx, link_period)
            link_cols = link_cols[row_land[link_cols]]
            add_line_segments(nid[r, link_cols], ids[link_cols], np.full(len(link_cols), "motorway_link", dtype=object),
                              np.ones(len(link_cols), bool))

    n_ferry_segments = 0
    if country:
        n_ferry_segments = _add_crossings(jx, jy, spacing, seg_a, seg_b, seg_cls, seg_break)

    a = np.concatenate(seg_a)
    b = np.concatenate(seg_b)
    cls = np.concatenate(seg_cls)
    brk = np.concatenate(seg_break)
    x_all = np.concatenate(xs)
    y_all = np.concatenate(ys)

    # shape nodes per segment
    mean = np.vectorize(SHAPE_MEAN.get, otypes=[float])(cls) * SHAPE_FACTOR
    k = rng.poisson(mean)
    n_shape = int(k.sum())
    seg_first_shape = n_nodes + np.cumsum(k) - k
    t_seg = np.repeat(np.arange(len(a)), k)
    t_pos = np.arange(n_shape) - np.repeat(np.cumsum(k) - k, k)
    t = (t_pos + 1) / (k[t_seg] + 1)
    ax, ay, bx, by = x_all[a[t_seg]], y_all[a[t_seg]], x_all[b[t_seg]], y_all[b[t_seg]]
    dx, dy = bx - ax, by - ay
    norm = np.hypot(dx, dy) + 1e-9
    wiggle = rng.normal(0, 25.0, n_shape) * np.sin(np.pi * t)
    sx = ax + dx * t - dy / norm * wiggle
    sy = ay + dy * t + dx / norm * wiggle
    x_all = np.concatenate([x_all, sx])
    y_all = np.concatenate([y_all, sy])
    n_nodes += n_shape

    # ways: flat refs; a segment contributes [a, shapes...]; a way's last segment adds b
    way_of_seg = np.cumsum(brk) - 1
    n_ways = int(way_of_seg[-1] + 1)
    seg_len = 1 + k
    seg_off = np.cumsum(seg_len) - seg_len + way_of_seg
    last_seg = np.r_[brk[1:], True]
    n_refs = int(seg_len.sum() + n_ways)
    refs = np.empty(n_refs, np.int64)
    refs[seg_off] = a
    shape_pos = np.repeat(seg_off + 1, k) + t_pos
    refs[shape_pos] = seg_first_shape[t_seg] + t_pos
    refs[seg_off[last_seg] + seg_len[last_seg]] = b[last_seg]
    way_start = seg_off[brk]
    way_offsets = np.r_[way_start, n_refs].astype(np.int64)
    way_class = cls[brk]

    # used nodes only (grid junctions with every segment removed are dropped), renumbered
    used = np.zeros(n_nodes, bool)
    used[refs] = True
    new_id = np.cumsum(used)  # 1-based ids
    refs = new_id[refs]
    x_all, y_all = x_all[used], y_all[used]

    # tags per way (codes)
    u = rng.random((6, n_ways))
    urban = np.isin(way_class, list(URBAN_ONEWAY))
    oneway = np.zeros(n_ways, np.int8)  # 0 none, 1 yes, 2 -1
    oneway[urban & (u[0] < 0.05)] = 1
    oneway[urban & (u[0] >= 0.05) & (u[0] < 0.055)] = 2
    roundabout = (way_class == "tertiary") & (u[1] < 0.003)
    speed = np.full(n_ways, "", dtype=object)
    for c, (values, share) in MAXSPEED.items():
        sel = (way_class == c) & (u[2] < share)
        speed[sel] = rng.choice(values, int(sel.sum()))
    local_road = np.isin(way_class, ["residential", "unclassified"])
    private = local_road & (u[3] < 0.02)
    no_motor = local_road & (u[3] >= 0.02) & (u[3] < 0.03)
    driveway = (way_class == "service") & (u[4] < 0.4)
    area = (way_class == "living_street") & (u[4] < 0.05)
    ferry = (way_class == "unclassified") & (u[5] < 0.0005)
    if n_ferry_segments:  # the crossings to Gotland: the last segments, one way each
        ferry[n_ways - n_ferry_segments:] = True

    out = {
        "node_x": x_all, "node_y": y_all, "way_offsets": way_offsets, "way_refs": refs,
        "way_class": way_class, "oneway": oneway, "roundabout": roundabout, "maxspeed": speed,
        "private": private, "no_motor": no_motor, "driveway": driveway, "area": area, "ferry": ferry,
    }
    if buildings > 0:
        nb = int(round(buildings * n_ways))
        at = rng.integers(0, len(x_all), nb)
        cx = x_all[at] + rng.uniform(20, 60, nb) * rng.choice([-1, 1], nb)
        cy = y_all[at] + rng.uniform(20, 60, nb) * rng.choice([-1, 1], nb)
        w = rng.uniform(6, 15, nb)
        bx = np.column_stack([cx - w, cx + w, cx + w, cx - w]).ravel()
        by = np.column_stack([cy - w, cy - w, cy + w, cy + w]).ravel()
        out["building_x"], out["building_y"] = bx, by
    return out


def write(net: dict[str, np.ndarray], path: str | Path, progress: bool = True, id_stride: int = 1) -> dict[str, int]:
    """Write the arrays of :func:`build` as an ``.osm.pbf`` file (nodes, then ways, by id).

    Parameters
    ----------
    net : dict
        The arrays of :func:`build`.
    path : str or Path
        Output file (written to a temporary file, then renamed).
    progress : bool, default True
        tqdm bar.
    id_stride : int, default 1
        Node ``k`` (1-based) gets OSM id ``k * id_stride``. Real extracts have sparse ids
        (Sweden: about 10^8 nodes with ids up to about 1.3 * 10^10, a stride near 100), which
        decides libosmium's ``flex_mem`` index between its dense and sparse forms and so the
        reader's memory; 1 writes dense ids.

    Returns
    -------
    dict
        Counts: nodes, ways, refs, road_ways, building_ways.
    """
    import osmium
    import pyproj
    from tqdm.auto import tqdm

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.osm.pbf")
    tr = pyproj.Transformer.from_crs(3006, 4326, always_xy=True)
    lon, lat = tr.transform(net["node_x"], net["node_y"])
    n = len(lon)
    nb = len(net.get("building_x", ())) // 4
    if nb:
        blon, blat = tr.transform(net["building_x"], net["building_y"])
    off, refs, cls = net["way_offsets"], net["way_refs"], net["way_class"]
    n_ways = len(cls)
    Node, Way = osmium.osm.mutable.Node, osmium.osm.mutable.Way  # noqa: N806
    stamp = "2026-11-01T00:00:00Z"
    bar = tqdm(total=n + 4 * nb + n_ways + nb, disable=not progress, desc="writing PBF", unit="obj", unit_scale=True)
    try:
        if tmp.exists():
            tmp.unlink()
        with osmium.SimpleWriter(str(tmp)) as w:
            for i in range(n):
                w.add_node(Node(id=(i + 1) * id_stride, version=1, timestamp=stamp, location=(lon[i], lat[i])))
                if i % 100_000 == 99_999:
                    bar.update(100_000)
            bar.update(n % 100_000)
            for i in range(4 * nb):
                w.add_node(Node(id=(n + i + 1) * id_stride, version=1, timestamp=stamp, location=(blon[i], blat[i])))
            bar.update(4 * nb)
            osw, rb, ms = net["oneway"], net["roundabout"], net["maxspeed"]
            pv, nm, dw, ar, fe = net["private"], net["no_motor"], net["driveway"], net["area"], net["ferry"]
            for i in range(n_ways):
                tags = {"highway": cls[i]}
                if osw[i] == 1:
                    tags["oneway"] = "yes"
                elif osw[i] == 2:
                    tags["oneway"] = "-1"
                if rb[i]:
                    tags["junction"] = "roundabout"
                if ms[i]:
                    tags["maxspeed"] = ms[i]
                if pv[i]:
                    tags["access"] = "private"
                if nm[i]:
                    tags["motor_vehicle"] = "no"
                if dw[i]:
                    tags["service"] = "driveway"
                if ar[i]:
                    tags["area"] = "yes"
                if fe[i]:
                    tags = {"route": "ferry", "name": f"Färja {i}"}
                w.add_way(Way(id=i + 1, version=1, timestamp=stamp, nodes=(refs[off[i]:off[i + 1]] * id_stride).tolist(),
                                  tags=tags))
                if i % 100_000 == 99_999:
                    bar.update(100_000)
            bar.update(n_ways % 100_000)
            for j in range(nb):
                r = [(n + 4 * j + k) * id_stride for k in (1, 2, 3, 4, 1)]
                w.add_way(Way(id=n_ways + j + 1, version=1, timestamp=stamp, nodes=r, tags={"building": "yes"}))
            bar.update(nb)
        os.replace(tmp, path)
    finally:
        bar.close()
        if tmp.exists():
            tmp.unlink()
    return {"nodes": n + 4 * nb, "ways": n_ways + nb, "refs": int(len(refs) + 5 * nb), "road_ways": n_ways,
            "building_ways": nb}


def generate(path: str | Path, scale: float = 0.01, seed: int = 12, buildings: float = 0.0,
             progress: bool = False, country: bool = False, id_stride: int = 1) -> dict[str, int]:
    """Build and write a synthetic PBF; returns the counts (see :func:`write`).

    Parameters
    ----------
    path : str or Path
        Output ``.osm.pbf`` (written to a temporary file, then renamed).
    scale, seed, buildings, country
        As for :func:`build`.
    progress : bool, default False
        tqdm bar while writing.
    id_stride : int, default 1
        As for :func:`write`.

    Returns
    -------
    dict
        Counts: nodes, ways, refs, road_ways, building_ways.
    """
    return write(build(scale, seed, buildings, country=country), path, progress=progress, id_stride=id_stride)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.01, help="share of Sweden's size, 0.01 .. 1.0")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--buildings", type=float, default=0.0, help="building ways per road way (unfiltered case)")
    ap.add_argument("--country", action="store_true",
                    help="a grid over Sweden's land (spacing grows as 1/sqrt(scale)) instead of a square")
    ap.add_argument("--id-stride", type=int, default=1, help="node k gets OSM id k * stride (sparse ids, as real extracts)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    net = build(args.scale, args.seed, args.buildings, country=args.country)
    t1 = time.perf_counter()
    counts = write(net, args.out, progress=True, id_stride=args.id_stride)
    t2 = time.perf_counter()
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {counts['nodes']:,} nodes, {counts['ways']:,} ways ({counts['building_ways']:,} buildings), "
          f"{counts['refs']:,} way-node refs, {size:,.1f} MB; arrays {t1 - t0:.1f} s, writing {t2 - t1:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
