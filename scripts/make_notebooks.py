"""Generate notebooks/01_lokal_narvaro_2020.ipynb, 02_bring_your_own_data.ipynb and
03_var_ska_nya_kontor_ligga.ipynb (outputs stripped)."""

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

`coverage` returns one row per kommun. The public office lists are incomplete, so a figure comes
in up to **three kinds of number**:

1. the **best estimate** `X` (the median over joint draws of complete office lists; with a complete
   list simply the value);
2. the **90 % interval** `X_q05`-`X_q95` (present once the office draws are computed);
3. the **possible range** `X_lo`-`X_hi` (`bounds=True`): for distances and residents far away, `_hi`
   uses the confirmed offices only and `_lo` adds a *candidate* office in every kommun whose
   status is unknown.

Until the draws are available the plain column holds the confirmed-offices-only figure: the
report then shows the possible range and says that no best estimate exists yet."""),
    code("""cov_2019 = coverage(before_offices, demand=demand, kommuner=kommuner, bounds=True, name="af_2019")
cov_2020 = coverage(after_offices, demand=demand, kommuner=kommuner, bounds=True, name="af_2020")
cov_both = coverage(both_offices, demand=demand, kommuner=kommuner, bounds=True, name="af_2020+ssc_2020")
print(describe(cov_2020))
cov_2020[["kommunkod", "kommunnamn", "population", "af_dist_mean_km", "af_dist_mean_km_lo",
          "af_dist_mean_km_hi", "af_time_mean_min", "af_status", "method"]].head(10)"""),
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
locked-down laptop); online a CARTO basemap with place names shows beneath the kommuner. Hatched
kommuner have an office of unknown status (the tooltip gives the range and, once the model is in,
P(office)); magenta outlines mark the kommuner certainly without presence. Toggle the layers top
right; the change layer shows where travel times grew. `lang="sv"` gives the Swedish map."""),
    code("""from narvaro.maps import compare_map, coverage_map

m = compare_map(cov_2019, cov_2020, after_offices, closed=closed, column="af_time_mean_min",
                labels=("AF 2019", "AF 2020"), title="Travel time to the nearest AF office, 2019 and 2020")
m"""),
    code("""import tempfile
from pathlib import Path

m_both = coverage_map(cov_both, both_offices, closed=closed, title="AF-kontor och SSC-servicekontor 2020",
                      lang="sv")
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

nb03 = nb([
    md("""# Var ska nya kontor ligga? The optimiser's 28 beside the government's 28

In May 2021 the government told Statens servicecenter (SSC) to open at least 28 new
servicekontor in 2022-2023: 15 in sparsely populated areas or areas hit by state closures, 11
in socially vulnerable areas and 2-3 centrally in the big cities. SSC named the kommuner on
2021-09-29 (statenssc.se):

- Phase 1: Boden, Borgholm, Filipstad, Finspång, Göteborg, Helsingborg, Laholm, Linköping,
  Malmö, Nynäshamn, Stockholm, Sölvesborg, Uppsala, Åre.
- Phase 2: Askersund, Eskilstuna, Järfälla, Jönköping, Lysekil, Nordmaling, Norrköping,
  Sollentuna, Stenungsund, Södertälje, Tingsryd, Växjö, Ånge, Östhammar.

This notebook puts beside them the 28 sites that `narvaro.plan_offices` chooses to leave the
fewest residents beyond 25 km of a servicekontor, with the existing ones kept. **The comparison
is shown, not tuned for**: the government also weighed aims a distance criterion cannot see
(socially vulnerable areas, closures of other state offices, premises).

**Method.** Estimate mode (straight line x circuity at 60 km/h; no road graph ships with
narvaro), so "mean time" is the estimate's time. **Office set.** Only 19 of SSC's 117
servicekontor of December 2020 are in the public record narvaro holds; the plan keeps those plus
a candidate office in each kommun whose office is deduced (`assume="known"`), and counts every
kommun of unknown status as without an office. The comparison is then repeated on the other end
of the range: a candidate office in every kommun not pinned down."""),
    code("""import pandas as pd

import narvaro

pd.set_option("display.width", 160)
GOVERNMENT_2021 = {
    "phase 1": ["Boden", "Borgholm", "Filipstad", "Finspång", "Göteborg", "Helsingborg", "Laholm",
                "Linköping", "Malmö", "Nynäshamn", "Stockholm", "Sölvesborg", "Uppsala", "Åre"],
    "phase 2": ["Askersund", "Eskilstuna", "Järfälla", "Jönköping", "Lysekil", "Nordmaling", "Norrköping",
                "Sollentuna", "Stenungsund", "Södertälje", "Tingsryd", "Växjö", "Ånge", "Östhammar"],
}
SOURCE = "https://www.statenssc.se/nyheter/nyhetsarkiv/2021-09-29-pa-vag-mot-150-servicekontor---har-ar-tidplanen"
central = narvaro.load_centralorter()
names = [n for phase in GOVERNMENT_2021.values() for n in phase]
government = central[central["kommunnamn"].isin(names)].assign(
    site_id=lambda d: "gov-" + d["kommunkod"], name=lambda d: d["centralort"], org="ssc")
assert len(government) == 28
print(f"{len(government)} kommuner from {SOURCE}; each placed at its centralort")"""),
    md("## 1. The office set the plan keeps"),
    code("""existing = narvaro.assumed_offices("ssc_2020", "known")
print(len(existing), "servicekontor kept |", narvaro.describe(existing))"""),
    md("""## 2. The optimiser's 28

Maximal covering at 25 km, solved with CBC; the candidates are the centralort and every tätort of
at least 2,000 residents in each kommun without a servicekontor. The sites are listed in order:
each one's gain is the residents it brings within 25 km given the sites above it."""),
    code("""plan = narvaro.plan_offices(existing, 28, objective="coverage", threshold_km=25)
print(narvaro.describe_plan(plan))
plan[["rank", "name", "kommunnamn", "gain_pop_within_25km", "pop_over_25km"]].round(0)"""),
    md("## 3. How many coincide (by kommun)?"),
    code("""both = sorted(set(plan["kommunnamn"]) & set(government["kommunnamn"]))
print(f"{len(both)} of 28 kommuner coincide: {', '.join(both) or 'none'}")
print("Government only:", ", ".join(sorted(set(government["kommunnamn"]) - set(plan["kommunnamn"]))))
print("Optimiser only:", ", ".join(sorted(set(plan["kommunnamn"]) - set(government["kommunnamn"]))))"""),
    md("""## 4. Residents beyond 25 km and mean time

Measured the same way for both lists (nearest servicekontor of the office set kept plus the 28
added). On the office set the plan assumed:"""),
    code("""effect = narvaro.plan_effect(existing, {"optimiser 28": plan, "government 28 (2021)": government},
                             threshold_km=25)
print(narvaro.describe(effect))
effect.round({"pop_over_25km": 0, "share_over_25km": 3, "dist_mean_km": 1, "time_mean_min": 1})"""),
    md("""And on the other end of the range, where every kommun whose servicekontor is not pinned down has
one (260 kommuner; the truth of December 2020, 110 kommuner, lies between the two ends). A plan
is only as good as the office set it assumed: the sites chosen above for the sparse set are
measured here too, beside a plan made for this set, whose candidates are the centralort and every
tätort of at least 2,000 residents in all 290 kommuner (a second office in a kommun is allowed,
as the government did in the big cities)."""),
    code("""upper = narvaro.assumed_offices("ssc_2020", "candidates")
everywhere = narvaro.default_candidates(kommuner=central["kommunkod"])
plan_upper = narvaro.plan_offices(upper, 28, candidates=everywhere, threshold_km=25)
print(narvaro.describe_plan(plan_upper))
both_upper = sorted(set(plan_upper["kommunnamn"]) & set(government["kommunnamn"]))
print(f"{len(both_upper)} of 28 kommuner coincide with the government's: {', '.join(both_upper) or 'none'}")
effect_upper = narvaro.plan_effect(upper, {"optimiser 28 (sparse set)": plan,
                                           "optimiser 28 (this set)": plan_upper,
                                           "government 28 (2021)": government}, threshold_km=25)
effect_upper.round({"pop_over_25km": 0, "share_over_25km": 3, "dist_mean_km": 1, "time_mean_min": 1})"""),
    md("""## 5. Where adding offices stops paying off

The greedy curve (site by site), the proven optimum for 28 (the star), and the best value any
choice of k sites could reach by the greedy run's own bound (submodularity; loose: the star
shows how much closer the optimum really is)."""),
    code("""curve = narvaro.plan_curve(existing, 30, threshold_km=25)
fig = narvaro.plot_plan_curve(curve, optimum=(28, plan.attrs["narvaro"]["plan"]["value_after"]))
curve[["k", "pop_over_25km", "gain", "gap", "name", "kommunnamn"]].round(0).tail(8)"""),
    code("""fig"""),
    md("## 6. Map of the proposed sites"),
    code("""m = narvaro.plan_map(plan, existing, title="The optimiser's 28 new servicekontor (25 km covering)")
m"""),
])

for name, book in (("01_lokal_narvaro_2020.ipynb", nb01), ("02_bring_your_own_data.ipynb", nb02),
                   ("03_var_ska_nya_kontor_ligga.ipynb", nb03)):
    nbformat.validate(book)
    nbformat.write(book, OUT / name)
    print("wrote", OUT / name)
