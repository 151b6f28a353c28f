"""Base layers: the 290 kommuner, the 21 län, population and the demand points.

Every loader resolves its files through the checksummed registry
(:func:`narvaro.data.registry.fetch`) and returns a GeoDataFrame in SWEREF 99 TM (EPSG:3006)
with its provenance in ``.attrs`` (see :mod:`narvaro.provenance`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import settings
from ..errors import CRSError, GeometryError, InputValueError, RowError, UnknownKommunError
from ..provenance import set_provenance
from .registry import fetch

__all__ = [
    "KOMMUN_SOURCES",
    "POPULATION_YEARS",
    "SHARED_TATORTER",
    "kommun_codes",
    "load_kommuner",
    "load_lan",
    "load_population",
    "load_tatorter",
    "load_demand_points",
    "load_centralorter",
    "validate_kommunkoder",
    "to_compute_crs",
    "outside_sweden",
]

#: Kommun boundary sets: name -> (registry file, description for provenance).
KOMMUN_SOURCES = {
    "valmyndigheten": (
        "kommuner/kommuner_valmyndigheten_2pct.geojson",
        "Valmyndigheten kommun boundaries (2 % simplified, incl. sea territory)",
    ),
    "scb": (
        "kommuner/kommuner_scb_2024.geojson",
        "SCB digitala gränser 2024 (land-clipped, generalised)",
    ),
}
#: Years of SCB folkmängd (31 Dec) per kommun available in the registry.
POPULATION_YEARS = (2017, 2018, 2021)

#: SCB tätorter 2020 that span several kommuner but are assigned to one. Key: tätort name;
#: value: the kommuner whose urban residents SCB counts in it although they live in their
#: own kommun. Järfälla, Salem, Tyresö, Sundbyberg and Solna have no tätort of their own in
#: 2020 because SCB assigns the whole Stockholm urban area to 0180; Upplands Väsby's people
#: sit in "Upplands Väsby och Sollentuna", assigned to 0163.
SHARED_TATORTER: dict[str, tuple[str, ...]] = {
    "Stockholm": ("0123", "0128", "0138", "0183", "0184"),
    "Upplands Väsby och Sollentuna": ("0114",),
}

#: Plain-words account of the demand points for the report's method section (the
#: integrator shows it in report.html); keep in step with :func:`load_demand_points`.
DEMAND_METHOD_TEXT = {
    "en": (
        "Where people live is modelled from SCB's 2021 population per kommun and SCB's 2020 "
        "tätorter (urban areas), each given as one point and an area. A tätort of 300 hectares "
        "or more is spread over points about 500 m apart filling a circle of the same area "
        "around its point; points in the sea or in another kommun are dropped, and the "
        "residents are shared equally among the points that remain. Equal shares are a "
        "simplification: towns are denser at the centre, so distances from a central office "
        "are somewhat overstated for their residents, where a single point would have put "
        "them all at the office. Smaller tätorter stay one point each, and the rest of each "
        "kommun's population is spread over its land on a 5 km grid. Per kommun the points add "
        "up exactly to SCB's population."
    ),
    "sv": (
        "Var människor bor bygger på SCB:s folkmängd 2021 per kommun och SCB:s tätorter 2020, "
        "var och en given som en punkt och en yta. En tätort på 300 hektar eller mer sprids ut "
        "på punkter med ungefär 500 meters mellanrum som fyller en cirkel med samma yta runt "
        "tätortens punkt; punkter i havet eller i en annan kommun tas bort, och invånarna "
        "delas lika mellan de punkter som blir kvar. Lika andelar är en förenkling: tätorter "
        "är tätare i centrum, så avstånden till ett centralt kontor blir något för långa för "
        "deras invånare, där en enda punkt hade placerat alla vid kontoret. Mindre tätorter "
        "är kvar som en punkt var, och resten av kommunens befolkning sprids över dess "
        "landyta i ett rutnät på 5 km. Per kommun summerar punkterna exakt till SCB:s folkmängd."
    ),
}


# --------------------------------------------------------------------------------------
# Validation helpers shared by the chain
# --------------------------------------------------------------------------------------
def to_compute_crs(gdf: gpd.GeoDataFrame, what: str = "input") -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:3006; raise :class:`CRSError` if it has no CRS.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any GeoDataFrame with a CRS set.
    what : str
        What the frame is, for the error message ("offices", "demand points" ...).
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise CRSError(f"{what} must be a GeoDataFrame with a CRS, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise CRSError(
            f"{what} has no CRS; set it first, e.g. gdf.set_crs('EPSG:4326') for lon/lat "
            "or gdf.set_crs('EPSG:3006') for SWEREF 99 TM metres"
        )
    return gdf if gdf.crs.equals(settings.CRS_COMPUTE) else gdf.to_crs(settings.CRS_COMPUTE)


def outside_sweden(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Return a boolean Series: True where a point lies outside Sweden's bounding box.

    Other geometries are judged by their representative point; empty or missing geometries
    count as outside.
    """
    wgs = gdf.geometry.to_crs(settings.CRS_STORE) if gdf.crs is not None else gdf.geometry
    if not (wgs.geom_type == "Point").all():
        wgs = wgs.representative_point()
    lon_min, lat_min, lon_max, lat_max = settings.SWEDEN_BBOX_WGS84
    empty = wgs.isna() | wgs.is_empty
    x = wgs.x.where(~empty)
    y = wgs.y.where(~empty)
    inside = x.between(lon_min, lon_max) & y.between(lat_min, lat_max)
    return ~inside.fillna(False).astype(bool)


@functools.cache
def kommun_codes() -> frozenset[str]:
    """Return the 290 kommunkoder (4-character strings)."""
    return frozenset(_population_table()["kommunkod"])


def validate_kommunkoder(codes: Iterable, ids: Iterable | None = None) -> None:
    """Raise :class:`UnknownKommunError` listing every code that is not one of the 290.

    Parameters
    ----------
    codes : iterable
        Kommunkoder, as strings ("0114"); integers like 114 are rejected as unknown,
        because a lost leading zero is a classic data error.
    ids : iterable, optional
        Row identifiers for the message (defaults to the position).
    """
    codes = list(codes)
    ids = list(ids) if ids is not None else [None] * len(codes)
    known = kommun_codes()
    problems = [
        {"row": i, "id": ident, "problem": f"unknown kommunkod {code!r} (expected one of the 290 4-digit codes)"}
        for i, (code, ident) in enumerate(zip(codes, ids, strict=True))
        if not isinstance(code, str) or code not in known
    ]
    if problems:
        raise UnknownKommunError("Unknown kommunkod", problems)


# --------------------------------------------------------------------------------------
# Kommuner, län, population
# --------------------------------------------------------------------------------------
@functools.cache
def _population_table() -> pd.DataFrame:
    return pd.read_csv(fetch("population/kommun_population.csv"), dtype={"kommunkod": str, "lanskod": str})


def load_population(year: int = 2021) -> pd.Series:
    """Return SCB folkmängd (31 Dec of ``year``) per kommun, indexed by kommunkod.

    Parameters
    ----------
    year : int
        One of :data:`POPULATION_YEARS` (2017, 2018, 2021).
    """
    if year not in POPULATION_YEARS:
        raise InputValueError(
            f"population year {year!r} is not available; choose one of {', '.join(map(str, POPULATION_YEARS))}"
        )
    table = _population_table()
    series = table.set_index("kommunkod")[f"bef_{year}"].astype("int64").rename("population")
    set_provenance(series, population=f"SCB folkmängd 31 Dec {year} (BE0101)", population_year=year)
    return series


@functools.cache
def _lan_table() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(fetch("kommuner/lan_scb_2024.geojson"))
    gdf["lanskod"] = gdf["lanskod"].astype(str).str.zfill(2)
    gdf["lansnamn"] = gdf["lansnamn"].str.strip() + " län"
    return gdf.to_crs(settings.CRS_COMPUTE)


def load_lan() -> gpd.GeoDataFrame:
    """Return the 21 län: ``lanskod`` (2-character string), ``lansnamn`` ("Stockholms län"), geometry.

    Boundaries are SCB 2024, generalised; CRS EPSG:3006.
    """
    gdf = _lan_table().copy()
    set_provenance(gdf, kommuner="SCB län 2024")
    return gdf


@functools.cache
def _kommuner(source: str) -> gpd.GeoDataFrame:
    name, _ = KOMMUN_SOURCES[source]
    raw = gpd.read_file(fetch(name))
    if source == "valmyndigheten":
        raw = raw.rename(columns={"id": "kommunkod", "kom_namn": "kommunnamn", "lan_code": "lanskod"})
    raw["kommunkod"] = raw["kommunkod"].astype(str).str.zfill(4)
    raw["geometry"] = shapely.make_valid(raw.geometry.values)
    geo = raw[["kommunkod", "geometry"]].to_crs(settings.CRS_COMPUTE)
    table = _population_table()[["kommunkod", "kommunnamn", "lanskod"]]
    lan = _lan_table()[["lanskod", "lansnamn"]]
    out = table.merge(lan, on="lanskod", how="left").merge(geo, on="kommunkod", how="left")
    missing = out[out.geometry.isna()]
    if len(missing):
        raise GeometryError(
            f"kommun polygons from {name} lack kommuner",
            [{"row": i, "id": r.kommunkod, "problem": "no polygon"} for i, r in missing.iterrows()],
        )
    return gpd.GeoDataFrame(out, geometry="geometry", crs=settings.CRS_COMPUTE)


def load_kommuner(source: str = "valmyndigheten", year: int = 2021) -> gpd.GeoDataFrame:
    """Return the 290 kommuner with their population.

    Parameters
    ----------
    source : {"valmyndigheten", "scb"}
        Boundary set. ``"valmyndigheten"`` (default) includes sea territory, so coastal
        town centres fall inside their kommun; ``"scb"`` is land-clipped (better areas,
        coarser coastline).
    year : int
        Population year (2017, 2018 or 2021).

    Returns
    -------
    GeoDataFrame
        290 rows: ``kommunkod`` (4-character string), ``kommunnamn``, ``lanskod``,
        ``lansnamn``, ``population``, geometry; EPSG:3006. ``.attrs`` records the sources
        and the population year.
    """
    if source not in KOMMUN_SOURCES:
        raise InputValueError(f"unknown kommun source {source!r}; choose one of {', '.join(sorted(KOMMUN_SOURCES))}")
    gdf = _kommuner(source).copy()
    population = load_population(year)
    gdf.insert(4, "population", gdf["kommunkod"].map(population).astype("int64"))
    gdf.attrs["population_year"] = year
    set_provenance(
        gdf,
        kommuner=KOMMUN_SOURCES[source][1],
        population=f"SCB folkmängd 31 Dec {year}",
        population_year=year,
    )
    return gdf


# --------------------------------------------------------------------------------------
# Tätorter, centralorter, demand points
# --------------------------------------------------------------------------------------
@functools.cache
def _tatorter() -> gpd.GeoDataFrame:
    df = pd.read_csv(
        fetch("population/tatorter_scb_2020.csv"),
        dtype={"kommunkod": str, "lanskod": str, "tatortskod": str},
    )
    df = df.rename(columns={"bef_2020": "population"})
    geometry = gpd.points_from_xy(df["x_sweref99tm"], df["y_sweref99tm"], crs=settings.CRS_COMPUTE)
    cols = ["tatortskod", "tatort", "kommunkod", "kommunnamn", "lanskod", "population", "area_ha"]
    return gpd.GeoDataFrame(df[cols], geometry=geometry, crs=settings.CRS_COMPUTE)


def load_tatorter() -> gpd.GeoDataFrame:
    """Return SCB's 2,017 tätorter 2020 as points with their population (31 Dec 2020).

    The point is SCB's reference point of the tätort polygon, not the town centre.
    """
    gdf = _tatorter().copy()
    set_provenance(gdf, population="SCB tätorter 2020 (points, population 31 Dec 2020)")
    return gdf


@functools.cache
def _centralorter() -> gpd.GeoDataFrame:
    df = pd.read_csv(fetch("kommuner/kommun_centralort.csv"), dtype={"kommunkod": str})
    df["verified"] = df["centralort_source"] != "manual"
    geometry = gpd.points_from_xy(df["lon"], df["lat"], crs=settings.CRS_STORE)
    cols = ["kommunkod", "kommunnamn", "centralort", "centralort_source", "verified", "coord_source"]
    return gpd.GeoDataFrame(df[cols], geometry=geometry, crs=settings.CRS_STORE).to_crs(settings.CRS_COMPUTE)


def load_centralorter() -> gpd.GeoDataFrame:
    """Return one point per kommun at its centralort (the kommun seat).

    Columns: ``kommunkod``, ``kommunnamn``, ``centralort``, ``centralort_source``
    ("kommun_name" or "manual"), ``verified`` (False for the 48 manually named seats that
    SOURCES.md lists as unverified), ``coord_source``, geometry (EPSG:3006).
    """
    gdf = _centralorter().copy()
    set_provenance(gdf, kommuner="kommun_centralort.csv (SCB tätort points, 16 external town points)")
    return gdf


def _split_shared_tatorter(tatorter: gpd.GeoDataFrame, totals: pd.Series) -> gpd.GeoDataFrame:
    """Move the residents of guest kommuner out of a shared tätort to their own centralort.

    The tätort's area (``area_ha``) is split in proportion to the residents moved: a guest
    part of a tenth of the residents gets a tenth of the area, and the host keeps the rest.
    """
    centralorter = load_centralorter().set_index("kommunkod")
    own = tatorter.groupby("kommunkod")["population"].sum()
    extra = []
    for host_name, guests in SHARED_TATORTER.items():
        host = tatorter.index[tatorter["tatort"] == host_name]
        if len(host) != 1:
            raise RowError(f"shared tätort {host_name!r} not found exactly once in SCB tätorter 2020")
        host = host[0]
        population0 = float(tatorter.at[host, "population"])
        area0 = float(tatorter.at[host, "area_ha"])
        for code in guests:
            urban = float(totals[code] - own.get(code, 0))
            moved = min(urban, float(tatorter.at[host, "population"]))
            tatorter.at[host, "population"] -= moved
            seat = centralorter.loc[code]
            extra.append({
                "tatortskod": tatorter.at[host, "tatortskod"],
                "tatort": f"{host_name} (part in {seat['kommunnamn']}, at {seat['centralort']})",
                "kommunkod": code, "population": moved, "area_ha": area0 * moved / population0,
                "geometry": seat.geometry,
            })
        tatorter.at[host, "area_ha"] = area0 * tatorter.at[host, "population"] / population0
    added = gpd.GeoDataFrame(extra, geometry="geometry", crs=settings.CRS_COMPUTE)
    return pd.concat([tatorter, added], ignore_index=True)


def _residual_grid(kommuner: gpd.GeoDataFrame, cell_m: float) -> gpd.GeoDataFrame:
    """Cut each kommun's land polygon by a regular grid; one representative point per piece."""
    xmin, ymin, xmax, ymax = kommuner.total_bounds
    xs = np.arange(np.floor(xmin / cell_m) * cell_m, xmax + cell_m, cell_m)
    ys = np.arange(np.floor(ymin / cell_m) * cell_m, ymax + cell_m, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_m, gy.ravel() + cell_m)
    grid = gpd.GeoDataFrame(geometry=cells, crs=settings.CRS_COMPUTE)
    pieces = gpd.overlay(kommuner[["kommunkod", "geometry"]], grid, how="intersection", keep_geom_type=True)
    pieces["weight"] = pieces.area
    pieces = pieces[pieces["weight"] > 0]
    pieces["geometry"] = pieces.geometry.representative_point()
    return pieces


def sunflower_disc(x: float, y: float, area_m2: float, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the points of a sunflower (Vogel) spiral filling a disc of area ``area_m2``.

    Point ``i`` of ``n = max(1, round(area_m2 / spacing_m**2))`` lies at radius
    ``R * sqrt((i + 0.5) / n)`` and angle ``i`` times the golden angle, with
    ``R = sqrt(area_m2 / pi)``: every point stands for the same area (``area_m2 / n``), the
    points are evenly spread without a lattice's straight rows, and the output depends on
    the inputs only (no random numbers).

    Parameters
    ----------
    x, y : float
        Centre of the disc (metres, EPSG:3006).
    area_m2 : float
        Area of the disc (m²); must be positive.
    spacing_m : float
        Typical distance between neighbouring points (metres).

    Returns
    -------
    xs, ys : ndarray
        Coordinates of the ``n`` points, all strictly inside the disc.
    """
    if not area_m2 > 0 or not spacing_m > 0:
        raise ValueError(f"area_m2 and spacing_m must be positive, got {area_m2!r} and {spacing_m!r}")
    n = max(1, round(area_m2 / spacing_m**2))
    i = np.arange(n, dtype=float)
    radius = np.sqrt(area_m2 / np.pi) * np.sqrt((i + 0.5) / n)
    angle = i * np.pi * (3.0 - np.sqrt(5.0))
    return x + radius * np.cos(angle), y + radius * np.sin(angle)


def spread_tatort(
    point: shapely.Point, area_ha: float, population: float, land: shapely.Geometry, spacing_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread one tätort's residents evenly over the land part of a disc of its area.

    The disc of area ``area_ha`` is centred on ``point`` and filled by :func:`sunflower_disc`;
    points outside ``land`` (sea, another kommun) are dropped and the residents are shared
    equally among the points that remain. If no point remains, all residents stay on
    ``point``.

    Parameters
    ----------
    point : shapely.Point
        The tätort's reference point (EPSG:3006).
    area_ha : float
        Tätort area in hectares.
    population : float
        Residents to spread.
    land : shapely geometry
        The kommun's land polygon (EPSG:3006).
    spacing_m : float
        Distance between neighbouring points (metres).

    Returns
    -------
    xs, ys, weights : ndarray
        Coordinates and residents per point; ``weights`` sums to ``population``.
    """
    xs, ys = sunflower_disc(point.x, point.y, area_ha * 1e4, spacing_m)
    inside = shapely.contains_xy(land, xs, ys)
    if not inside.any():
        return np.array([point.x]), np.array([point.y]), np.array([float(population)])
    xs, ys = xs[inside], ys[inside]
    return xs, ys, np.full(len(xs), population / len(xs))


def _spread_tatorter(tatorter: gpd.GeoDataFrame, min_ha: float, spacing_m: float) -> gpd.GeoDataFrame:
    """Replace every tätort of ``min_ha`` or more by its points from :func:`spread_tatort`."""
    land = _kommuner("scb").set_index("kommunkod").geometry
    rows = []
    for tat in tatorter.itertuples(index=False):
        if tat.area_ha >= min_ha:
            xs, ys, weights = spread_tatort(tat.geometry, tat.area_ha, tat.population, land[tat.kommunkod], spacing_m)
        else:
            xs, ys, weights = np.array([tat.geometry.x]), np.array([tat.geometry.y]), np.array([tat.population])
        rows.append(pd.DataFrame({
            "kommunkod": tat.kommunkod, "kind": "tatort", "name": tat.tatort, "tatortskod": tat.tatortskod,
            "population": weights, "x": xs, "y": ys,
        }))
    points = pd.concat(rows, ignore_index=True)
    geometry = gpd.points_from_xy(points.pop("x"), points.pop("y"), crs=settings.CRS_COMPUTE)
    return gpd.GeoDataFrame(points, geometry=geometry, crs=settings.CRS_COMPUTE)


def load_demand_points(year: int = 2021, cell_m: float | None = None) -> gpd.GeoDataFrame:
    """Return the points where people live, with populations that add up exactly.

    Method (documented in the README's data section):

    1. Each SCB tätort 2020 point carries its 2020 population.
    2. Shared tätorter (:data:`SHARED_TATORTER`): the residents of guest kommuner that SCB
       counts in another kommun's tätort are moved to the guest kommun's centralort point
       (e.g. Solna's 84,187 out of the "Stockholm" tätort to Solna), with the same share of
       the tätort's area.
    3. Large tätorter: SCB gives each tätort a point and its area, not its outline. A
       tätort (or moved part) of :data:`narvaro.settings.TATORT_SPREAD_MIN_HA` (300 ha) or
       more is replaced by the points of a sunflower (Vogel) spiral, about
       :data:`narvaro.settings.TATORT_SPREAD_SPACING_M` (500 m) apart, filling a disc of its
       area centred on its point (:func:`sunflower_disc`). Points off the kommun's land
       (SCB 2024 land-clipped polygon: sea, another kommun) are dropped and the residents
       are shared equally among the rest (:func:`spread_tatort`), i.e. a uniform density:
       real density falls from the centre, but no data to calibrate that fall was
       available offline, and uniform is the assumption that adds no parameter. It puts
       residents somewhat farther from a town-centre office than they are, where one point
       put them all on it (Stockholm's 978,770 at distance 0). A disc with no point on land
       keeps its single point. Smaller tätorter stay one point each.
    4. Per kommun, the residual (SCB folkmängd of ``year`` minus the tätort population) is
       spread over the kommun's land area (SCB 2024 land-clipped polygons) on a regular
       ``cell_m`` grid, in proportion to the land area of each grid piece; each piece is
       represented by a point inside it. Where the tätorter hold more people than the
       kommun total (tätorter spanning a border, e.g. Göteborg's into Mölndal, or a
       falling population since 2020), they are scaled down to the total and the residual
       is zero.

    Per kommun the population sums to SCB's total for ``year`` exactly (floats, rounding
    below 1e-6), nationally to SCB's national total.

    Parameters
    ----------
    year : int
        Population year (2017, 2018, 2021).
    cell_m : float, optional
        Grid size in metres for the residual population (default
        :data:`narvaro.settings.RESIDUAL_GRID_M`).

    Returns
    -------
    GeoDataFrame
        ``demand_id``, ``kommunkod``, ``kind`` ("tatort" or "residual"), ``name`` (the
        tätort's name, shared by all its points), ``tatortskod`` (SCB's code, shared by a
        tätort's points and its moved parts; missing for residual points), ``population``
        (float), geometry (EPSG:3006). The same inputs give the same points every run.
    """
    cell_m = float(cell_m or settings.RESIDUAL_GRID_M)
    return _demand_points(year, cell_m).copy()


@functools.cache
def _demand_points(year: int, cell_m: float) -> gpd.GeoDataFrame:
    totals = load_population(year)
    tatorter = _tatorter()[["tatortskod", "tatort", "kommunkod", "population", "area_ha", "geometry"]].copy()
    tatorter[["population", "area_ha"]] = tatorter[["population", "area_ha"]].astype(float)
    tatorter = _split_shared_tatorter(tatorter, totals)

    urban = tatorter.groupby("kommunkod")["population"].sum().reindex(totals.index, fill_value=0.0)
    scale = (totals / urban).where(urban > totals, 1.0).fillna(1.0)
    tatorter["population"] = tatorter["population"] * tatorter["kommunkod"].map(scale)
    residual = (totals - urban.clip(upper=totals)).astype(float)

    grid = _residual_grid(_kommuner("scb"), cell_m)
    share = grid["weight"] / grid.groupby("kommunkod")["weight"].transform("sum")
    grid["population"] = share * grid["kommunkod"].map(residual)
    grid = grid[grid["population"] > 0]

    tat = _spread_tatorter(
        tatorter[tatorter["population"] > 0], settings.TATORT_SPREAD_MIN_HA, settings.TATORT_SPREAD_SPACING_M
    )
    res = gpd.GeoDataFrame({
        "kommunkod": grid["kommunkod"].values, "kind": "residual",
        "name": [f"residual grid {int(p.x // cell_m)}:{int(p.y // cell_m)}" for p in grid.geometry],
        "tatortskod": None, "population": grid["population"].values,
    }, geometry=grid.geometry.values, crs=settings.CRS_COMPUTE)
    out = pd.concat([tat[tat["population"] > 0], res], ignore_index=True)
    out = out.sort_values(["kommunkod", "kind", "population"], ascending=[True, False, False], ignore_index=True)
    out.insert(0, "demand_id", [f"{k}-{i:05d}" for i, k in enumerate(out["kommunkod"])])
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=settings.CRS_COMPUTE)
    set_provenance(
        out,
        population=(
            f"SCB folkmängd {year} per kommun; SCB tätorter 2020 points + "
            f"{cell_m / 1000:g} km land grid for the rest; tätorter of "
            f"{settings.TATORT_SPREAD_MIN_HA:g} ha or more spread over a disc of their area, "
            f"{settings.TATORT_SPREAD_SPACING_M:g} m apart"
        ),
        population_year=year,
    )
    return out
