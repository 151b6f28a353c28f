"""Generate notebooks/01_lokal_narvaro_2020.ipynb and 02_bring_your_own_data.ipynb (outputs stripped)."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def nb(cells):
    book = new_notebook(cells=cells, metadata=KERNEL)
    for i, c in enumerate(book.cells):
        c["id"] = f"cell-{i:02d}"
    return book


md, code = new_markdown_cell, new_code_cell

nb01 = nb([
    md("""# Lokal statlig närvaro 2020: how far do residents live from the state's offices?

In 2019-2020 Arbetsförmedlingen (AF) closed about 130 of its 242 local offices. The government
asked how the state's local presence changed: **where do residents now live far from an office,
and which kommuner have no office at all?** Statens servicecenter (SSC) servicekontor are part
of the answer, since AF points clients to them.

This notebook answers the question end to end with narvaro:

1. load the kommuner, where people live, and the office lists (with how complete they are);
2. compute travel distance and time to the nearest office for every kommun, before (2019) and
   after (2020) the closures, with ranges where the office lists are incomplete;
3. list the kommuner without presence;
4. compare before and after;
5. map it.

**Method.** No Swedish road graph ships with narvaro (it needs an OpenStreetMap extract), so this
notebook runs in *estimate mode*: straight-line distance x a measured circuity factor, at 60
km/h. Every table says so. With a road graph (`narvaro network build sweden-latest.osm.pbf`) pass
`graph=RoadGraph.load(path)` to `coverage` for road distances."""),
    code("""import pandas as pd

import narvaro
from narvaro.analysis import coverage
from narvaro.data import load_demand_points, load_kommuner
from narvaro.offices import load_offices, office_completeness
from narvaro.analysis import compare, kommuner_without_presence
from narvaro.provenance import describe

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
print("narvaro", narvaro.__version__)"""),
    md("## 1. Load: kommuner, where people live, and the office lists"),
    code("""kommuner = load_kommuner()
demand = load_demand_points()
print(f"{len(kommuner)} kommuner, {kommuner['population'].sum():,} residents, {len(demand):,} demand points")
print(describe(demand))"""),
    md("""The office lists are built from public statements (news items, press releases) and are
**incomplete**: the table says how many offices of each network are known against the published count."""),
    code("""office_completeness()[["network", "counted", "rows_known", "published_count", "ratio"]]"""),
    code("""before_offices = load_offices("af_2019", include_candidates=True)
after_offices = load_offices("af_2020", include_candidates=True)
both_offices = load_offices("af_2020+ssc_2020", include_candidates=True)
closed = load_offices("af_closed_2020")
for name, o in [("af_2019", before_offices), ("af_2020", after_offices), ("af_2020+ssc_2020", both_offices)]:
    print(name, "|", describe(o))"""),
    md("""## 2. Compute: travel distance and time per kommun

`coverage` returns one row per kommun. With `bounds=True` every figure has a range: the low end
assumes that offices of unknown status do not exist, the high end that a *candidate* office exists
in every kommun whose status is unknown."""),
    code("""cov_2019 = coverage(before_offices, demand=demand, kommuner=kommuner, bounds=True, name="af_2019")
cov_2020 = coverage(after_offices, demand=demand, kommuner=kommuner, bounds=True, name="af_2020")
cov_both = coverage(both_offices, demand=demand, kommuner=kommuner, bounds=True, name="af_2020+ssc_2020")
print(describe(cov_2020))
cov_2020[["kommunkod", "kommunnamn", "population", "af_dist_mean_km", "af_dist_mean_km_min",
          "af_dist_mean_km_max", "af_time_mean_min", "af_status", "method"]].head(10)"""),
    md("### The national summary"),
    code("""from narvaro.report import format_summary, national_summary

summary = national_summary({"af_2019": cov_2019, "af_2020": cov_2020, "af_2020+ssc_2020": cov_both})
print(format_summary(summary))"""),
    md("""## 3. Kommuner without presence

Rule `no_office_inside`: no office of the group inside the kommun. With ranges, `certainty` says
whether the kommun is certainly without an office or only if its office of unknown status does not
exist."""),
    code("""from narvaro.report.summary import format_presence

no_af = kommuner_without_presence(cov_2020, rule="no_office_inside", group="af")
print(format_presence(no_af, title="Kommuner without an AF office, 2020", limit=15))"""),
    code("""no_state = kommuner_without_presence(cov_both, rule="af_definition")
print(format_presence(no_state, title="Kommuner with neither an AF office nor an SSC servicekontor, 2020",
                      limit=15))
no_state["certainty"].value_counts()"""),
    md("## 4. Before and after the closures"),
    code("""change = compare(cov_2019, cov_2020)
cols = [c for c in ("kommunkod", "kommunnamn", "population", "af_dist_mean_km_before", "af_dist_mean_km_after",
                    "af_dist_mean_km_delta", "af_lost_last_office") if c in change.columns]
change_kommuner = change[change["kommunkod"] != "SE"]
change_kommuner.sort_values("af_dist_mean_km_delta", ascending=False)[cols].head(15)"""),
    md("""### Which unknowns matter most?

The kommuner whose unknown office status moves the most residents across the 25 km line: the
first places to check against AF's own list."""),
    code("""from narvaro.analysis import unknowns

unknowns(cov_2020).head(10)"""),
    md("""## 5. Map

The map is self-contained: Leaflet is inlined, so it renders without internet (also on a
locked-down laptop). Hatched kommuner have an office of unknown status; black outlines mark the
kommuner certainly without presence. Toggle the layers top right; the change layer shows where
travel times grew."""),
    code("""from narvaro.maps import compare_map, coverage_map

m = compare_map(cov_2019, cov_2020, after_offices, closed=closed, column="af_time_mean_min",
                labels=("AF 2019", "AF 2020"), title="Travel time to the nearest AF office, 2019 and 2020")
m"""),
    code("""import tempfile
from pathlib import Path

m_both = coverage_map(cov_both, both_offices, closed=closed, title="AF offices and SSC servicekontor, 2020")
path = m_both.save(Path(tempfile.mkdtemp()) / "narvaro_2020.html")
print(path, f"{path.stat().st_size / 1e6:.1f} MB")
m_both"""),
])

nb02 = nb([
    md("""# Bring your own data: an office list and a road network

An analyst at a myndighet usually has a better office list than the public record narvaro ships
with, and may have a road network. This notebook shows how to:

1. load your own office list from CSV (or Excel) with your own column names, and see its
   problems listed row by row;
2. load a road network from an OpenStreetMap PBF file and measure road distances;
3. run the coverage analysis and map it with your list.

Everything runs offline. The files are written to a temporary folder."""),
    code("""import tempfile
from pathlib import Path

import pandas as pd

from narvaro.analysis import coverage
from narvaro.data import fetch
from narvaro.network import nearest_office
from narvaro.errors import OfficeListError
from narvaro.maps import coverage_map
from narvaro.network import RoadGraph
from narvaro.offices import read_offices
from narvaro.provenance import describe

work = Path(tempfile.mkdtemp(prefix="narvaro-byod-"))
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 100)"""),
    md("""## 1. Your office list

Say your list uses Swedish column names. Offices with coordinates keep them; offices with only a
town are placed at the SCB tätort of that name in the kommun (the `geocode` column says how)."""),
    code("""csv = work / "mina_kontor.csv"
csv.write_text(
    "Kontorsid;Organisation;Kontor;Ort;Kommunkod;lat;lon\\n"
    "k-sodermalm;af;Arbetsförmedlingen Södermalm (example);Stockholm;0180;59.3150;18.0600\\n"
    "k-medborgar;ssc;Servicekontor Medborgarplatsen (example);Stockholm;0180;59.3185;18.0690\\n"
    "k-kiruna;af;Arbetsförmedlingen Kiruna;Kiruna;2584;;\\n"
    "k-gallivare;ssc;Servicekontor Gällivare;Gällivare;2523;;\\n"
    "k-visby;af;Arbetsförmedlingen Visby;Visby;0980;;\\n",
    encoding="utf-8",
)
columns = {"Kontorsid": "office_id", "Organisation": "org", "Kontor": "name", "Ort": "town",
           "Kommunkod": "kommunkod"}
mine = read_offices(csv, columns=columns, name="mina_kontor")
print(describe(mine))
mine[["office_id", "org", "name", "town", "kommunkod", "lat", "lon", "geocode"]]"""),
    md("""A list with mistakes is rejected with **every** bad row listed, not just the first (here: a
duplicate id, an unknown organisation and a kommunkod that is not one of the 290)."""),
    code("""bad = work / "fel.csv"
bad.write_text(
    "office_id,org,name,town,kommunkod\\n"
    "a1,af,Kontor A,Kiruna,2584\\n"
    "a1,af,Kontor B,Kiruna,2584\\n"
    "a3,fk,Kontor C,Kiruna,2584\\n"
    "a4,ssc,Kontor D,Gällivare,9999\\n",
    encoding="utf-8",
)
try:
    read_offices(bad)
except OfficeListError as err:
    print(str(err).splitlines()[0])
    problems = err.problems
problems"""),
    md("""## 2. A road network from OpenStreetMap

`RoadGraph.from_pbf` reads the drivable roads of any `.osm.pbf` extract (for all of Sweden:
Geofabrik's `sweden-latest.osm.pbf`, then `narvaro network build` caches it). Here: a small
extract of Södermalm in Stockholm from the project's data registry."""),
    code("""pbf = fetch("osm/stockholm_sodermalm.osm.pbf")
full = RoadGraph.from_pbf(pbf)
# A clipped extract has one-way streets cut at its edge: keep the largest strongly connected part,
# in which every node can reach every other.
graph = full.largest_component()
print(full, "->", graph)
print(graph.describe())
saved = graph.save(work / "sodermalm.npz")
graph = RoadGraph.load(saved)  # what `narvaro report --method road --graph PATH` does"""),
    md("""Road distance from a grid of example addresses on Södermalm (every 150 m inside the extract) to
the nearest of *your* two Stockholm offices, next to the estimate (straight line x circuity) for the
same points."""),
    code("""import geopandas as gpd
import numpy as np

xs = np.arange(graph.x.min() + 75, graph.x.max(), 150)
ys = np.arange(graph.y.min() + 75, graph.y.max(), 150)
gx, gy = np.meshgrid(xs, ys)
addresses = gpd.GeoDataFrame({"name": [f"address {i}" for i in range(gx.size)], "population": 1.0},
                             geometry=gpd.points_from_xy(gx.ravel(), gy.ravel()), crs="EPSG:3006")
stockholm = mine[mine["kommunkod"] == "0180"]
road = nearest_office(addresses, stockholm, graph=graph)
est = nearest_office(addresses, stockholm, graph=None)
side = pd.DataFrame({"address": addresses["name"], "road_km": road["distance_km"].round(2),
                     "road_min": road["time_min"].round(1), "estimate_km": est["distance_km"].round(2),
                     "nearest": road["office_name"], "reachable": road["reachable"]})
print(f"{len(addresses)} addresses; method: {road['method'].iloc[0]} vs {est['method'].iloc[0]}; "
      f"{int(road['reachable'].sum())} reach an office by road")
print(describe(road))
side.head(10)"""),
    md("""`reachable` would be False for an address whose road cannot reach any office (an island without a
ferry, or a piece of a clipped extract): narvaro never drops such residents silently, `coverage`
counts them beyond every threshold."""),
    md("""## 3. Coverage and a map with your list

For all of Sweden this runs in estimate mode (the Södermalm graph covers a few km²). Your list
is complete as far as you know, so there are no ranges here."""),
    code("""cov = coverage(mine, name="mina_kontor")
print(describe(cov))
cov.sort_values("any_dist_mean_km", ascending=False)[
    ["kommunkod", "kommunnamn", "population", "any_dist_mean_km", "any_nearest_office"]].head(8)"""),
    code("""m = coverage_map(cov, mine, column="any_dist_mean_km", title="My offices")
path = m.save(work / "mina_kontor.html")
print(path, f"{path.stat().st_size / 1e6:.1f} MB, opens offline")
m"""),
])

for name, book in (("01_lokal_narvaro_2020.ipynb", nb01), ("02_bring_your_own_data.ipynb", nb02)):
    nbformat.validate(book)
    nbformat.write(book, OUT / name)
    print("wrote", OUT / name)
