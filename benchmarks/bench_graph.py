"""Benchmark: build a road graph from a Sweden-size PBF, contract it, save, load, route.

Run from the repository root::

    python benchmarks/bench_graph.py --scale 1.0            # the full synthetic Sweden (~1 min to write)
    python benchmarks/bench_graph.py --scale 0.05 --points 5000 --offices 100
    python benchmarks/bench_graph.py --pbf sweden-latest.osm.pbf

The PBF is written by ``benchmarks/synth_pbf.py`` (seeded; cached in ``--workdir``) unless
``--pbf`` names a real one. Every step runs in its own Python process, which reports its
wall time and its peak resident memory (``VmHWM`` of ``/proc/self/status``, so imports and
the interpreter count too). Steps:

floor
    pyosmium reading the file with node locations (libosmium ``flex_mem`` index) and a Python
    callback per way that does nothing: the least any pyosmium reader can take.
floor + refs
    the same, also collecting every way's node ids in Python (what a reader that keeps OSM
    node ids must do at least).
build
    ``RoadGraph.from_pbf`` (streaming reader, CSR) and ``drop_small_components(50)``.
contract
    :func:`narvaro.network.contract` on the built graph.
narvaro network build
    the whole command in a subprocess (read, drop small pieces, contract, save), from
    interpreter start to exit.
save / load
    ``RoadGraph.save`` (uncompressed .npz, atomic) and ``RoadGraph.load`` of the contracted graph.
snap index
    the KD-tree over nodes and interior vertices (built on first snap).
multi-source
    ``nearest_office`` (time and distance) for ``--points`` demand points and ``--offices``.
OD
    ``od_arrays``: distance and time from every point to every office (dense float32),
    ``--jobs`` worker processes, no limit.
OD with limit
    the same with ``always_present`` (a quarter of the offices, as the offices present in
    every draw): each office's search is cut at the largest trip to the nearest present
    office (a multi-source pass, included in the time), which is what the draws need.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(HERE))


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


# --- steps (run in a child process each) ---------------------------------------------------------

def step_floor(pbf: str, work: str, args: dict) -> dict:
    import osmium

    n = [0, 0]

    def way(w: Any) -> None:
        n[0] += 1

    t0 = time.perf_counter()
    osmium.make_simple_handler(way=way).apply_file(pbf, locations=True, idx="flex_mem")
    return {"seconds": time.perf_counter() - t0, "note": f"{n[0]:,} ways"}


def step_floor_refs(pbf: str, work: str, args: dict) -> dict:
    from operator import attrgetter

    import osmium

    refs: list[int] = []
    get = attrgetter("ref")

    def way(w: Any) -> None:
        if w.tags.get("highway") is not None:
            refs.extend(map(get, w.nodes))

    t0 = time.perf_counter()
    osmium.make_simple_handler(way=way).apply_file(pbf, locations=True, idx="flex_mem")
    return {"seconds": time.perf_counter() - t0, "note": f"{len(refs):,} highway way-node refs"}


def step_build(pbf: str, work: str, args: dict) -> dict:
    from narvaro.network import RoadGraph

    t0 = time.perf_counter()
    g = RoadGraph.from_pbf(pbf)
    t1 = time.perf_counter()
    g = g.drop_small_components(50)
    t2 = time.perf_counter()
    g.save(Path(work) / "raw.npz")
    size = os.path.getsize(Path(work) / "raw.npz") / 1e6
    return {"seconds": t2 - t0, "note": f"read {t1 - t0:.1f} s + drop small {t2 - t1:.1f} s; {g.n_nodes:,} nodes, "
            f"{g.n_edges:,} edges ({size:,.0f} MB uncontracted)", "nodes": g.n_nodes, "edges": g.n_edges}


def step_contract(pbf: str, work: str, args: dict) -> dict:
    from narvaro.network import RoadGraph, contract

    g = RoadGraph.load(Path(work) / "raw.npz")
    t0 = time.perf_counter()
    c = contract(g)
    t1 = time.perf_counter()
    m = c.metadata["contracted"]
    return {"seconds": t1 - t0, "nodes": c.n_nodes, "edges": c.n_edges, "save_graph": c,
            "note": f"{m['nodes_before']:,} -> {c.n_nodes:,} nodes ({m['nodes_before'] / c.n_nodes:.1f}x), "
                    f"{m['edges_before']:,} -> {c.n_edges:,} edges; {m['interior_vertices']:,} interior vertices"}


def step_save(pbf: str, work: str, args: dict) -> dict:
    from narvaro.network import RoadGraph, contract

    c = contract(RoadGraph.load(Path(work) / "raw.npz"))
    t0 = time.perf_counter()
    c.save(Path(work) / "contracted.npz")
    t1 = time.perf_counter()
    return {"seconds": t1 - t0, "note": f"{os.path.getsize(Path(work) / 'contracted.npz') / 1e6:,.0f} MB file "
            "(RSS includes loading and contracting)"}


def step_load(pbf: str, work: str, args: dict) -> dict:
    from narvaro.network import RoadGraph

    t0 = time.perf_counter()
    g = RoadGraph.load(Path(work) / "contracted.npz")
    return {"seconds": time.perf_counter() - t0, "note": f"{g.n_nodes:,} nodes, {g.n_vertices:,} vertices"}


def _inputs(g: Any, n_points: int, n_offices: int) -> tuple[Any, Any]:
    import geopandas as gpd
    import numpy as np

    rng = np.random.default_rng(430)
    vx = np.concatenate([g.x, g.interior.x]) if g.interior is not None else g.x
    vy = np.concatenate([g.y, g.interior.y]) if g.interior is not None else g.y
    i = rng.integers(0, len(vx), n_points)
    demand = gpd.GeoDataFrame(geometry=gpd.points_from_xy(vx[i] + rng.normal(0, 200, n_points),
                                                          vy[i] + rng.normal(0, 200, n_points)), crs=3006)
    j = rng.choice(g.n_nodes, n_offices, replace=False)
    offices = gpd.GeoDataFrame({"office_id": [f"o{k}" for k in range(n_offices)], "org": "af",
                                "name": [f"Office {k}" for k in range(n_offices)]},
                               geometry=gpd.points_from_xy(g.x[j] + 15.0, g.y[j]), crs=3006)
    return demand, offices


def step_multi(pbf: str, work: str, args: dict) -> dict:
    from narvaro.network import RoadGraph, nearest_office

    g = RoadGraph.load(Path(work) / "contracted.npz")
    demand, offices = _inputs(g, args["points"], args["offices"])
    t0 = time.perf_counter()
    g.kdtree  # noqa: B018
    t1 = time.perf_counter()
    res = nearest_office(demand, offices, g)
    t2 = time.perf_counter()
    return {"seconds": t2 - t1, "kdtree": t1 - t0,
            "note": f"{len(demand):,} points, {len(offices)} offices, time + distance; reachable "
                    f"{res['reachable'].mean():.3f}, mean {res['time_min'].mean():.1f} min"}


def step_od(pbf: str, work: str, args: dict) -> dict:
    import numpy as np

    from narvaro.network import RoadGraph, od_arrays

    g = RoadGraph.load(Path(work) / "contracted.npz")
    demand, offices = _inputs(g, args["points"], args["offices"])
    g.kdtree  # noqa: B018
    t0 = time.perf_counter()
    od = od_arrays(demand, offices, g, n_jobs=args["jobs"], progress=False)
    t1 = time.perf_counter()
    fin = np.isfinite(od.time_min).mean()
    return {"seconds": t1 - t0, "note": f"{len(offices)} x {len(demand):,}, distance + time, {args['jobs']} workers; "
            f"finite {fin:.3f}; RSS of the parent only"}


def step_od_limit(pbf: str, work: str, args: dict) -> dict:
    import numpy as np

    from narvaro.network import RoadGraph, od_arrays

    g = RoadGraph.load(Path(work) / "contracted.npz")
    demand, offices = _inputs(g, args["points"], args["offices"])
    g.kdtree  # noqa: B018
    present = np.zeros(len(offices), dtype=bool)
    present[: max(1, len(offices) // 4)] = True  # e.g. the offices confirmed in every draw
    t0 = time.perf_counter()
    od = od_arrays(demand, offices, g, n_jobs=args["jobs"], always_present=present, progress=False)
    t1 = time.perf_counter()
    fin = np.isfinite(od.time_min).mean()
    return {"seconds": t1 - t0, "note": f"always_present: {int(present.sum())} offices in every draw set the "
            f"limits (multi-source pass included); finite {fin:.3f}"}


def step_cli(pbf: str, work: str, args: dict) -> dict:
    import resource

    out = Path(work) / "cli.npz"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "narvaro", "network", "build", pbf, "--out", str(out)],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(SRC)))
    t1 = time.perf_counter()
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"seconds": t1 - t0, "child_peak_mb": peak,
            "note": f"read, drop small, contract, save: {os.path.getsize(out) / 1e6:,.0f} MB file"}


STEPS = {
    "floor": step_floor, "floor_refs": step_floor_refs, "build": step_build, "contract": step_contract,
    "save": step_save, "load": step_load, "multi": step_multi, "od": step_od,
    "od_limit": step_od_limit, "cli": step_cli,
}


def _child(name: str, pbf: str, work: str, args: dict) -> None:
    out = STEPS[name](pbf, work, args)
    out.pop("save_graph", None)
    out["peak_mb"] = out.pop("child_peak_mb", None) or _peak_mb()
    print("@@" + json.dumps(out))


def run_step(name: str, pbf: Path, work: Path, args: dict) -> dict:
    """Run one step in a fresh interpreter; its dict (seconds, peak_mb, note ...)."""
    cmd = [sys.executable, __file__, "--child", name, "--pbf", str(pbf), "--workdir", str(work),
           "--child-args", json.dumps(args)]
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"step {name} failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@")][-1]
    return json.loads(line[2:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--buildings", type=float, default=0.0, help="building ways per road way (unfiltered file)")
    ap.add_argument("--pbf", type=Path, help="a real PBF instead of the synthetic one")
    ap.add_argument("--country", action="store_true", help="the synthetic grid over Sweden's land (synth_pbf --country)")
    ap.add_argument("--id-stride", type=int, default=1, help="sparse OSM node ids, as real extracts (synth_pbf)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "narvaro_bench_graph")
    ap.add_argument("--points", type=int, default=25_000)
    ap.add_argument("--offices", type=int, default=430)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip", default="", help="comma-separated steps to skip, e.g. od")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, str(args.pbf), str(args.workdir), json.loads(args.child_args))
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    pbf = args.pbf
    if pbf is None:
        import synth_pbf

        prefix = "synth_se" if args.country else "synth"
        stride = f"_ids{args.id_stride}" if args.id_stride != 1 else ""
        pbf = args.workdir / f"{prefix}_{args.scale:g}_b{args.buildings:g}{stride}.osm.pbf"
        if not pbf.exists():
            t0 = time.perf_counter()
            counts = synth_pbf.generate(pbf, args.scale, buildings=args.buildings, country=args.country,
                                        id_stride=args.id_stride)
            print(f"wrote {pbf} in {time.perf_counter() - t0:.0f} s: {counts}")
    print(f"narvaro road-graph benchmark: {pbf} ({pbf.stat().st_size / 1e6:,.0f} MB), {os.cpu_count()} cores")
    child_args = {"points": args.points, "offices": args.offices, "jobs": args.jobs}
    skip = set(filter(None, args.skip.split(",")))
    rows = []
    for name, label in [("floor", "pyosmium floor (locations, no-op way callback)"),
                        ("floor_refs", "pyosmium floor + way node ids in Python"),
                        ("cli", "narvaro network build (whole CLI run)"),
                        ("build", "build: from_pbf + drop_small_components"),
                        ("contract", "contract"), ("save", "save (contracted, uncompressed npz)"),
                        ("load", "load (contracted)"), ("multi", "multi-source nearest_office"),
                        ("od", f"OD {args.offices} offices x {args.points:,} points"),
                        ("od_limit", "OD with limit (as for draws)")]:
        if name in skip:
            continue
        r = run_step(name, pbf, args.workdir, child_args)
        rows.append((label, r))
        if name == "multi":
            rows.append(("  (snap KD-tree, first use)", {"seconds": r["kdtree"], "peak_mb": float("nan"), "note": ""}))
        print(f"  {label}: {r['seconds']:.1f} s, {r['peak_mb']:,.0f} MB", flush=True)
    floor = next((r["seconds"] for n, r in rows if n.startswith("pyosmium floor (")), float("nan"))
    floor_mb = next((r["peak_mb"] for n, r in rows if n.startswith("pyosmium floor (")), float("nan"))
    print()
    print(f"{'step':<46} {'seconds':>9} {'x floor':>8} {'peak RSS MB':>12} {'x floor':>8}  note")
    for label, r in rows:
        mb = r["peak_mb"]
        fmb = "" if mb != mb else f"{mb:,.0f}"
        xm = "" if mb != mb else f"{mb / floor_mb:.1f}"
        print(f"{label:<46} {r['seconds']:>9.2f} {r['seconds'] / floor:>8.1f} {fmb:>12} {xm:>8}  {r.get('note', '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
