"""Routable road graph (:class:`RoadGraph`) and snapping.

A :class:`RoadGraph` is a directed graph held as compressed sparse rows (``scipy.sparse``)
with two weights on the same edge structure, **length** (metres) and **travel time**
(seconds), node ids (OSM node ids or, from a PBF file by default, location ids), node
coordinates in EPSG:3006 (:data:`narvaro.settings.CRS_COMPUTE`), a KD-tree over the nodes for snapping and
a small metadata dict (source, date, counts of ferries skipped ...). A graph contracted by
:func:`narvaro.network.contract.contract` routes on junctions only and keeps the merged
shape nodes as :class:`Interior` vertices, which the KD-tree includes.

Build one from

* an OpenStreetMap PBF file: :meth:`RoadGraph.from_pbf` (streamed with pyosmium by
  :func:`narvaro.network.pbf.read_pbf`);
* an osmnx ``MultiDiGraph``: :meth:`RoadGraph.from_osmnx`;
* an osmnx download (needs internet), cached on disk: :meth:`RoadGraph.from_polygon`,
  :meth:`RoadGraph.from_place`;
* a saved graph: :meth:`RoadGraph.load` (written by :meth:`RoadGraph.save`);
* plain arrays: :meth:`RoadGraph.from_edges` (what the other builders call).

Rules (the same in every builder)
---------------------------------
Parallel edges
    Two ways between the same pair of nodes keep the **minimum**, separately per weight: the
    length graph keeps the shortest edge, the time graph the fastest edge (they may be
    different OSM ways). Both weights live on one edge structure, so a path in one graph is a
    path in the other.
Zero lengths
    OSM has a few segments of zero length (duplicated nodes). A stored zero would vanish from
    the sparse matrix, so every weight is at least :data:`MIN_WEIGHT` (1 mm, 1 ms).
One-way streets, speeds, ferries
    How OSM tags become directions, speeds and ferry edges is :mod:`narvaro.network.osm`'s job; its
    docstring states the rules (:func:`~narvaro.network.osm.oneway_direction`,
    :func:`~narvaro.network.osm.parse_maxspeed`, :func:`~narvaro.network.osm.is_ferry`). They are imported
    here, so ``narvaro.network.parse_maxspeed`` and friends still work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .. import settings
from ..errors import CRSError, EmptyNetworkError, GeometryError, NarvaroError, NetworkError, NetworkFileError
from .osm import _ferry_edges as _ferry_edges
from .osm import edge_speed_kmh, is_ferry, xy_to_compute_crs
from .pbf import read_pbf

__all__ = [
    "RoadGraph",
    "points_xy",
    "MIN_WEIGHT",
]

#: Smallest stored edge weight (1 mm for length, 1 ms for time): zeros would vanish from
#: the sparse matrices.
MIN_WEIGHT = 1e-3

_FORMAT_VERSION = 2  # 2: uncompressed arrays, optional contracted-chain (interior) arrays


@dataclass
class Interior:
    """Vertices removed by contraction (:func:`narvaro.network.contract.contract`), kept for snapping.

    Each interior vertex lies on one *chain*: a run of degree-2 OSM nodes between two kept
    nodes ``chain_tail -> chain_head`` that became one edge. ``cum_len`` / ``cum_time`` are
    the vertex's offsets from the chain's tail along the chain; on a two-way chain the way
    back to the tail costs the same (contraction only merges symmetric two-way nodes).

    Attributes
    ----------
    x, y : float arrays, shape (m,)
        EPSG:3006 coordinates.
    chain : int array, shape (m,)
        Chain of each vertex (index into the ``chain_*`` arrays).
    cum_len, cum_time : float arrays, shape (m,)
        Offset from the chain's tail (m, s).
    chain_tail, chain_head : int arrays, shape (c,)
        Node positions of the chain's ends (the direction of travel on one-way chains).
    chain_len, chain_time : float arrays, shape (c,)
        The chain's total length and time.
    chain_two_way : bool array, shape (c,)
    """

    x: np.ndarray
    y: np.ndarray
    chain: np.ndarray
    cum_len: np.ndarray
    cum_time: np.ndarray
    chain_tail: np.ndarray
    chain_head: np.ndarray
    chain_len: np.ndarray
    chain_time: np.ndarray
    chain_two_way: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def offsets(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """(cumulative offsets of the vertices, chain totals) for ``metric``."""
        if metric in ("length", "distance"):
            return self.cum_len, self.chain_len
        return self.cum_time, self.chain_time


def _merged_min(w: np.ndarray, keep: np.ndarray | None, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Weights sorted by ``order``, minimum per run of equal keys (``starts``), at least MIN_WEIGHT."""
    w = w[keep][order] if keep is not None else w[order]
    out = np.minimum.reduceat(w, starts) if len(w) else w
    return np.maximum(out, MIN_WEIGHT, out=out)


# --- the graph ----------------------------------------------------------------------------------

class RoadGraph:
    """A directed road graph in EPSG:3006 with length (m) and travel-time (s) weights.

    Use the ``from_*`` class methods or :meth:`load` to build one; the constructor takes
    arrays that are already consistent.

    Parameters
    ----------
    node_ids : array of int64, shape (n,)
        Node ids: OSM node ids (osmnx, or a PBF read with ``osm_ids=True``), location ids (a PBF
        read by default, see :func:`narvaro.network.pbf.location_id_lonlat`), or 0..n-1 for
        synthetic graphs.
    x, y : array of float, shape (n,)
        Node coordinates in EPSG:3006 (metres).
    indptr, indices : arrays
        CSR structure of the directed edges (row = from-node index, column = to-node index),
        without duplicates.
    length_m, time_s : array of float, shape (n_edges,)
        Edge weights on that structure.
    metadata : dict, optional
        Free-form facts (source, date, counts); JSON-serialisable.
    interior : Interior, optional
        Vertices merged into edges by :func:`narvaro.network.contract.contract`.

    Attributes
    ----------
    length : scipy.sparse.csr_matrix
        Edge lengths in metres.
    time : scipy.sparse.csr_matrix
        Edge travel times in seconds.
    metadata : dict
    crs : str
        Always :data:`narvaro.settings.CRS_COMPUTE`.
    """

    crs = settings.CRS_COMPUTE

    def __init__(
        self,
        node_ids: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        length_m: np.ndarray,
        time_s: np.ndarray,
        metadata: dict[str, Any] | None = None,
        interior: Interior | None = None,
    ):
        n = len(node_ids)
        if n == 0 or len(indices) == 0:
            raise EmptyNetworkError(
                f"The road network is empty ({n} nodes, {len(indices)} edges); "
                "check the input file, the area and the road classes kept."
            )
        self.node_ids = np.asarray(node_ids, dtype=np.int64)
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        if not (len(self.x) == len(self.y) == n and len(indptr) == n + 1):
            raise ValueError("node_ids, x, y and indptr do not describe the same nodes")
        shape = (n, n)
        indptr = np.asarray(indptr)
        indices = np.asarray(indices)
        self.length = sparse.csr_matrix((np.asarray(length_m, dtype=float), indices, indptr), shape=shape)
        self.time = sparse.csr_matrix((np.asarray(time_s, dtype=float), indices, indptr), shape=shape)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.metadata.setdefault("crs", settings.CRS_COMPUTE)
        self._tree: cKDTree | None = None
        self._reversed: dict[str, sparse.csr_matrix] = {}
        self._id_index: pd.Index | None = None
        self._weak: np.ndarray | None = None
        #: Vertices merged into edges by contraction (None for an uncontracted graph).
        self.interior: Interior | None = interior if interior is not None and len(interior) else None

    # --- basic properties ---------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_vertices(self) -> int:
        """Nodes plus interior (contracted) vertices: the points :meth:`snap` can return."""
        return self.n_nodes + (len(self.interior) if self.interior is not None else 0)

    @property
    def is_contracted(self) -> bool:
        """Whether degree-2 chains were merged into edges (:func:`narvaro.network.contract.contract`)."""
        return self.interior is not None or bool(self.metadata.get("contracted"))

    @property
    def n_edges(self) -> int:
        """Number of directed edges (after merging parallel edges)."""
        return int(self.length.nnz)

    def __repr__(self) -> str:
        src = self.metadata.get("source", "?")
        return f"RoadGraph({self.n_nodes:,} nodes, {self.n_edges:,} edges, source={src!r})"

    def describe(self) -> str:
        """One line for provenance, e.g. ``"OSM sweden-latest.osm.pbf (2026-11-01), 1,234 nodes"``."""
        src = self.metadata.get("source", "road graph")
        date = self.metadata.get("date")
        ferries = "ferries included" if self.metadata.get("ferries_used") else "no ferries"
        return f"{src}" + (f" ({date})" if date else "") + f", {self.n_nodes:,} nodes, {ferries}"

    def weights(self, metric: str) -> sparse.csr_matrix:
        """The edge weight matrix for ``metric`` ("length"/"distance" in m, or "time" in s)."""
        if metric in ("length", "distance"):
            return self.length
        if metric == "time":
            return self.time
        raise ValueError(f"metric must be 'time' or 'distance', not {metric!r}")

    def reversed(self, metric: str) -> sparse.csr_matrix:
        """The transposed weight matrix (edge v->u for each u->v), cached.

        Dijkstra rooted at the offices on this matrix gives the trip *to* the offices.
        """
        key = "length" if metric in ("length", "distance") else "time"
        if key not in self._reversed:
            self._reversed[key] = self.weights(key).T.tocsr()
        return self._reversed[key]

    @property
    def kdtree(self) -> cKDTree:
        """KD-tree over node and interior-vertex coordinates (EPSG:3006), built on first use."""
        if self._tree is None:
            xy = np.column_stack([self.x, self.y])
            if self.interior is not None:
                xy = np.concatenate([xy, np.column_stack([self.interior.x, self.interior.y])])
            self._tree = cKDTree(xy, balanced_tree=False, compact_nodes=False)
        return self._tree

    # --- vertices (nodes and interior vertices of contracted chains) ---------------------------
    def vertex_cost(
        self, node_cost: np.ndarray, vert: np.ndarray, metric: str, node_src: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Cost from vertices to the targets, given the cost from every node.

        Parameters
        ----------
        node_cost : array, shape (..., n_nodes)
            Cost of the trip from each node to the targets (a reversed-graph Dijkstra).
        vert : int array, shape (p,)
            Vertex positions from :meth:`snap` (``>= n_nodes``: interior vertices).
        metric : {"time", "length", "distance"}
        node_src : int array, shape (n_nodes,), optional
            Target reached from each node (1-D ``node_cost`` only): returned per vertex.

        Returns
        -------
        cost : array, shape (..., p)
            An interior vertex leaves its chain forward to the head, or on a two-way chain
            back to the tail, whichever is cheaper. Paths that stay on the chain (a target on
            the same chain) are not included: see :meth:`same_chain_cost`.
        src : int array, shape (p,), or None
        """
        vert = np.asarray(vert, dtype=np.int64)
        n = self.n_nodes
        inner = vert >= n
        base = np.minimum(vert, n - 1)
        cost = np.array(node_cost[..., base], dtype=float, copy=True)
        src = None if node_src is None else np.asarray(node_src)[base].copy()
        if self.interior is None or not inner.any():
            return cost, src
        it = self.interior
        i = vert[inner] - n
        c = it.chain[i]
        cum, tot = it.offsets(metric)
        ahead = node_cost[..., it.chain_head[c]] + (tot[c] - cum[i])
        back = np.where(it.chain_two_way[c], node_cost[..., it.chain_tail[c]] + cum[i], np.inf)
        cost[..., inner] = np.minimum(ahead, back)
        if src is not None:
            src[inner] = np.where(back < ahead, node_src[it.chain_tail[c]], node_src[it.chain_head[c]])
        return cost, src

    def vertex_components(self, vert: np.ndarray) -> np.ndarray:
        """Weakly connected component of each vertex (a node, or an interior vertex of a chain).

        No trip leaves a weakly connected component, so two vertices with different labels
        never reach each other. Labels are computed once per graph.

        Parameters
        ----------
        vert : array of int
            Vertex positions as :meth:`snap` returns them.

        Returns
        -------
        ndarray of int
            One label per vertex.
        """
        if self._weak is None:
            self._weak = connected_components(self.length, directed=True, connection="weak")[1]
        vert = np.asarray(vert, dtype=np.int64)
        node = vert.copy()
        inner = vert >= self.n_nodes
        if inner.any():
            it = self.interior
            node[inner] = it.chain_tail[it.chain[vert[inner] - self.n_nodes]]
        return self._weak[node]

    def vertex_sources(self, vert: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where trips *to* each vertex enter it from the node graph.

        Returns
        -------
        owner, node, offset : arrays
            One row per (vertex, entry node): a node is its own entry (offset 0); an interior
            vertex is reached from its chain's tail (offset ``cum``) and, on a two-way chain,
            from its head (offset ``total - cum``). ``owner`` indexes ``vert``.
        """
        vert = np.asarray(vert, dtype=np.int64)
        n = self.n_nodes
        idx = np.arange(len(vert))
        inner = vert >= n
        if self.interior is None or not inner.any():
            return idx, vert, np.zeros(len(vert))
        it = self.interior
        i = vert[inner] - n
        c = it.chain[i]
        cum, tot = it.offsets(metric)
        tw = it.chain_two_way[c]
        owner = np.concatenate([idx[~inner], idx[inner], idx[inner][tw]])
        node = np.concatenate([vert[~inner], it.chain_tail[c], it.chain_head[c][tw]])
        off = np.concatenate([np.zeros(int((~inner).sum())), cum[i], (tot[c] - cum[i])[tw]])
        return owner, node.astype(np.int64), off

    def same_chain_cost(self, dvert: np.ndarray, overt: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trips between interior vertices of the same chain that never leave it.

        Parameters
        ----------
        dvert, overt : int arrays
            Origin and destination vertices (:meth:`snap`).

        Returns
        -------
        di, oj, cost : arrays
            Origin index, destination index and the along-chain cost, for every pair on one
            chain where the chain's direction allows the trip.
        """
        n = self.n_nodes
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        if self.interior is None:
            return empty
        it = self.interior
        dvert = np.asarray(dvert, dtype=np.int64)
        overt = np.asarray(overt, dtype=np.int64)
        cum, _ = it.offsets(metric)
        dchain = np.where(dvert >= n, it.chain[np.maximum(dvert - n, 0)], -1)
        out_d, out_o, out_c = [], [], []
        for j in np.flatnonzero(overt >= n):
            io = overt[j] - n
            hit = np.flatnonzero(dchain == it.chain[io])
            if not len(hit):
                continue
            step = cum[io] - cum[dvert[hit] - n]
            ok = (step >= 0) | it.chain_two_way[it.chain[io]]
            out_d.append(hit[ok])
            out_o.append(np.full(int(ok.sum()), j))
            out_c.append(np.abs(step[ok]))
        if not out_d:
            return empty
        return np.concatenate(out_d), np.concatenate(out_o), np.concatenate(out_c)

    def node_index(self, ids: Iterable[int]) -> np.ndarray:
        """Positions of node ids (as in ``node_ids``) in the graph's arrays; ``KeyError`` lists unknown ids."""
        if self._id_index is None:
            self._id_index = pd.Index(self.node_ids)
        ids = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, dtype=np.int64)
        pos = self._id_index.get_indexer(ids)
        if (pos < 0).any():
            raise NetworkError(f"Node ids not in the graph: {ids[pos < 0][:20].tolist()}")
        return pos

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        node_ids: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        length_m: np.ndarray,
        time_s: np.ndarray,
        metadata: dict[str, Any] | None = None,
    ) -> RoadGraph:
        """Build from directed edge arrays (node *positions* ``u -> v``).

        Parallel edges keep the minimum length and, separately, the minimum time; self-loops
        are dropped; weights below :data:`MIN_WEIGHT` are raised to it.

        Parameters
        ----------
        node_ids, x, y : arrays, shape (n,)
            Node ids and EPSG:3006 coordinates.
        u, v : int arrays, shape (m,)
            Edge endpoints as positions 0..n-1.
        length_m, time_s : float arrays, shape (m,)
            Edge weights (metres, seconds).
        metadata : dict, optional

        Returns
        -------
        RoadGraph
        """
        n = len(node_ids)
        pos_dtype = np.int32 if n < 2**31 - 1 else np.int64
        u = np.asarray(u)
        v = np.asarray(v)
        if not (np.issubdtype(u.dtype, np.integer) and np.issubdtype(v.dtype, np.integer)):
            if len(u) or len(v):
                raise ValueError("u and v must be integer node positions")
            u, v = u.astype(pos_dtype), v.astype(pos_dtype)
        length_m = np.asarray(length_m, dtype=float)
        time_s = np.asarray(time_s, dtype=float)
        if not (len(u) == len(v) == len(length_m) == len(time_s)):
            raise ValueError("u, v, length_m and time_s must have the same length")
        if len(u) and (u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n):
            raise ValueError("edge endpoints must be node positions 0..n-1")
        bad = ~(np.isfinite(length_m) & np.isfinite(time_s)) | (length_m < 0) | (time_s < 0)
        if bad.any():
            raise ValueError(f"{int(bad.sum())} edges have negative or non-finite weights")
        # one sort key per edge; the edge arrays are gathered one at a time to bound memory
        keep = u != v
        n_loops = int(len(keep) - np.count_nonzero(keep))
        key = u.astype(np.int64)
        key *= n
        key += v
        if n_loops:
            key = key[keep]
        order = np.argsort(key)
        key = key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
        key = key[starts]

        length_m = _merged_min(length_m, keep if n_loops else None, order, starts)
        time_s = _merged_min(time_s, keep if n_loops else None, order, starts)
        n_parallel = int(len(order) - len(starts))
        del order, starts
        u = (key // max(n, 1)).astype(pos_dtype)
        key %= max(n, 1)
        v = key.astype(pos_dtype)
        del key
        indptr = np.zeros(n + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(u, minlength=n))
        idx_dtype = np.int32 if max(n, len(u)) < 2**31 - 1 else np.int64
        meta = dict(metadata or {})
        meta.setdefault("parallel_edges_merged", n_parallel)
        meta.setdefault("self_loops_dropped", n_loops)
        return cls(node_ids, x, y, indptr.astype(idx_dtype), v.astype(idx_dtype), length_m, time_s, meta)

    @classmethod
    def from_pbf(
        cls,
        path: str | Path,
        include_service: bool = False,
        ferries: bool = False,
        *,
        bounding_box: tuple[float, float, float, float] | None = None,
        date: str | None = None,
        index: str = "flex_mem",
        osm_ids: bool = False,
        progress: bool = False,
    ) -> RoadGraph:
        """Read drivable roads from an OpenStreetMap PBF file (streamed with pyosmium, :func:`narvaro.network.pbf.read_pbf`).

        Parameters
        ----------
        path : str or Path
            An ``.osm.pbf`` file, e.g. ``sweden-latest.osm.pbf`` (full or filtered to roads).
        include_service : bool, default False
            Also keep ``highway=service`` (except parking aisles, driveways, private and
            emergency access, as osmnx's ``drive_service``).
        ferries : bool, default False
            Add ``route=ferry`` ways as edges (see :mod:`narvaro.network.osm`). Ferries are always
            counted in ``metadata["ferries_found"]``.
        bounding_box : (min_lon, min_lat, max_lon, max_lat), optional
            Keep only segments with both ends inside.
        date : str, optional
            Date of the OSM extract for the provenance line (e.g. ``"2026-11-01"``); default
            the file's modification date.
        index : str, default "flex_mem"
            libosmium node-location index.
        osm_ids : bool, default False
            Identify nodes by OSM id (about twice the reading time) rather than by location
            (see :func:`narvaro.network.pbf.read_pbf`).
        progress : bool, default False
            tqdm bar over the ways read.

        Returns
        -------
        RoadGraph
            Nodes with their OSM or location ids (every way node: not contracted, see
            :func:`narvaro.network.contract.contract`); lengths are WGS84 ellipsoidal lengths
            of the segments between consecutive way nodes.

        Raises
        ------
        FileNotFoundError, EmptyNetworkError
            No such file, no drivable road in it.
        NetworkFileError
            A file that libosmium cannot read as OSM data (another file type, a damaged extract).
        """
        return cls.from_edges(*read_pbf(path, include_service, ferries, bounding_box=bounding_box, date=date,
                                        index=index, osm_ids=osm_ids, progress=progress))

    @classmethod
    def from_osmnx(cls, graph: Any, ferries: bool = False, source: str | None = None) -> RoadGraph:
        """Build from an osmnx ``MultiDiGraph`` (projected or not).

        Parameters
        ----------
        graph : networkx.MultiDiGraph
            osmnx graph: node attributes ``x``, ``y`` in ``G.graph["crs"]``; edge attribute
            ``length`` in metres (osmnx's own). ``travel_time`` (s) is used where present,
            else ``speed_kph``, else the speed rules of :mod:`narvaro.network.osm`.
        ferries : bool, default False
            Keep edges tagged ``route=ferry`` (at :data:`narvaro.settings.FERRY_SPEED_KMH`
            unless they carry a ``travel_time``); they are counted either way.
        source : str, optional
            Description for the metadata (default: osmnx graph).

        Returns
        -------
        RoadGraph
        """
        crs = graph.graph.get("crs", settings.CRS_STORE)
        node_list = list(graph.nodes)
        if not node_list or graph.number_of_edges() == 0:
            raise EmptyNetworkError(f"The osmnx graph is empty ({len(node_list)} nodes, {graph.number_of_edges()} edges).")
        pos = {n: i for i, n in enumerate(node_list)}
        xs = np.array([graph.nodes[n]["x"] for n in node_list], dtype=float)
        ys = np.array([graph.nodes[n]["y"] for n in node_list], dtype=float)
        px, py = xy_to_compute_crs(xs, ys, crs)
        try:
            node_ids = np.array(node_list, dtype=np.int64)
        except (TypeError, ValueError):
            node_ids = np.arange(len(node_list), dtype=np.int64)
        eu, ev, el, et = [], [], [], []
        n_ferry = n_ferry_used = 0
        for a, b, d in graph.edges(data=True):
            ferry = is_ferry(d.get("route"))
            if ferry:
                n_ferry += 1
                if not ferries:
                    continue
                n_ferry_used += 1
            length = float(d["length"]) if "length" in d else float(
                math.hypot(px[pos[a]] - px[pos[b]], py[pos[a]] - py[pos[b]])
            )
            if "travel_time" in d and d["travel_time"] is not None:
                t = float(d["travel_time"])
            else:
                if ferry:
                    sp = settings.FERRY_SPEED_KMH
                elif d.get("speed_kph") is not None:
                    sp = float(d["speed_kph"])
                else:
                    sp = edge_speed_kmh(d.get("maxspeed"), d.get("highway"))
                t = length / (sp / 3.6)
            eu.append(pos[a])
            ev.append(pos[b])
            el.append(length)
            et.append(t)
        meta = {
            "source": source or graph.graph.get("narvaro_source") or "osmnx graph",
            "date": graph.graph.get("created_date"),
            "builder": "from_osmnx",
            "input_crs": str(crs),
            "ferries_found": n_ferry,
            "ferries_used": n_ferry_used,
            "ferries_skipped": n_ferry - n_ferry_used,
        }
        if not eu:
            raise EmptyNetworkError("The osmnx graph has no usable edges.")
        return cls.from_edges(node_ids, px, py, np.array(eu), np.array(ev), np.array(el), np.array(et), meta)

    @classmethod
    def _from_osmnx_query(cls, kind: str, query: Any, include_service: bool, ferries: bool, cache: bool) -> RoadGraph:
        import osmnx as ox

        network_type = "drive_service" if include_service else "drive"
        qtext = query.wkt if hasattr(query, "wkt") else json.dumps(query, sort_keys=True, default=str)
        key = hashlib.sha256(
            json.dumps({"kind": kind, "query": qtext, "network_type": network_type, "ferries": ferries,
                        "format": _FORMAT_VERSION}).encode()
        ).hexdigest()[:24]
        path = settings.cache_dir() / "graphs" / f"osmnx_{key}.npz"
        if cache and path.exists():
            g = cls.load(path)
            g.metadata["cache_hit"] = True
            return g
        if kind == "polygon":
            graph = ox.graph_from_polygon(query, network_type=network_type, retain_all=True)
        else:
            graph = ox.graph_from_place(query, network_type=network_type, retain_all=True)
        label = f"OSM via osmnx {kind} query" + (f" {query!r}" if kind == "place" else "")
        g = cls.from_osmnx(graph, ferries=ferries, source=label)
        g.metadata["date"] = g.metadata.get("date") or datetime.now(UTC).date().isoformat()
        g.metadata["cache_key"] = key
        g.metadata["cache_hit"] = False
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            g.save(path)
        return g

    @classmethod
    def from_polygon(
        cls, polygon: Any, include_service: bool = False, ferries: bool = False, *, cache: bool = True
    ) -> RoadGraph:
        """Download the drive network inside a polygon with osmnx (needs internet), cached.

        Parameters
        ----------
        polygon : shapely Polygon or MultiPolygon
            In EPSG:4326 (osmnx's convention).
        include_service : bool, default False
            osmnx ``network_type="drive_service"`` instead of ``"drive"``.
        ferries : bool, default False
            See :meth:`from_osmnx`.
        cache : bool, default True
            Reuse / write ``settings.cache_dir()/graphs/osmnx_<hash>.npz``; the key hashes the
            polygon's WKT, the network type and the ferry option.

        Returns
        -------
        RoadGraph
            ``metadata["cache_hit"]`` says whether the cache answered.
        """
        return cls._from_osmnx_query("polygon", polygon, include_service, ferries, cache)

    @classmethod
    def from_place(
        cls, name: str | dict | list, include_service: bool = False, ferries: bool = False, *, cache: bool = True
    ) -> RoadGraph:
        """Download the drive network of a named place with osmnx (needs internet), cached.

        Parameters
        ----------
        name : str, dict or list
            A Nominatim query, e.g. ``"Storuman, Sweden"``.
        include_service, ferries, cache
            As :meth:`from_polygon`.

        Returns
        -------
        RoadGraph
        """
        return cls._from_osmnx_query("place", name, include_service, ferries, cache)

    # --- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the graph to an uncompressed ``.npz`` file (arrays + JSON metadata), atomically.

        The arrays are written to a uniquely named temporary file beside ``path``, which then
        replaces ``path`` in one step (``os.replace``): an interrupted or failed save leaves
        the previous file (or none), never half a graph.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
            The file written.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({**self.metadata, "format_version": _FORMAT_VERSION}, default=str)
        arrays = {
            "node_ids": self.node_ids, "x": self.x, "y": self.y, "indptr": self.length.indptr,
            "indices": self.length.indices, "length_m": self.length.data, "time_s": self.time.data,
            "metadata": np.frombuffer(meta.encode("utf-8"), dtype=np.uint8),
        }
        if self.interior is not None:
            arrays.update({f"interior_{k}": v for k, v in self.interior.arrays().items()})
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return path

    @classmethod
    def load(cls, path: str | Path) -> RoadGraph:
        """Read a graph written by :meth:`save` (also the compressed files of format 1).

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        RoadGraph

        Raises
        ------
        FileNotFoundError
            No such file.
        NetworkFileError
            The file is not a road graph saved by narvaro (another file type, or a damaged one).
        NetworkError
            A graph written by a newer narvaro.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["metadata"]).decode("utf-8"))
                if meta.get("format_version", 0) > _FORMAT_VERSION:
                    raise NetworkError(f"{path} was written by a newer narvaro (format {meta['format_version']}).")
                interior = None
                if "interior_x" in z.files:
                    interior = Interior(**{f.name: z[f"interior_{f.name}"] for f in fields(Interior)})
                g = cls(z["node_ids"], z["x"], z["y"], z["indptr"], z["indices"], z["length_m"], z["time_s"], meta,
                        interior=interior)
        except NarvaroError:
            raise
        except (OSError, ValueError, KeyError, TypeError, EOFError, AttributeError, zipfile.BadZipFile) as exc:
            # numpy: not an .npz (pickle advice), a damaged zip, a missing array; json: bad metadata
            raise NetworkFileError(
                f"{path} is not a road graph saved by narvaro (write one with `narvaro network build` "
                "or RoadGraph.save)"
            ) from exc
        return g

    # --- export -------------------------------------------------------------------------------
    def to_networkx(self) -> Any:
        """The same graph as a ``networkx.DiGraph``.

        Returns
        -------
        networkx.DiGraph
            Nodes keyed by ``node_ids`` with ``x``, ``y`` (EPSG:3006); edges with ``length``
            (m) and ``travel_time`` (s); ``G.graph["crs"] = "EPSG:3006"``.
        """
        import networkx as nx

        graph = nx.DiGraph(crs=self.crs, **{k: v for k, v in self.metadata.items() if k != "crs"})
        ids = self.node_ids.tolist()
        graph.add_nodes_from((i, {"x": float(a), "y": float(b)}) for i, a, b in zip(ids, self.x, self.y, strict=True))
        coo = self.length.tocoo()
        tdata = self.time.tocoo().data
        nid = self.node_ids
        graph.add_edges_from(
            (int(nid[r]), int(nid[c]), {"length": float(ln), "travel_time": float(t)})
            for r, c, ln, t in zip(coo.row, coo.col, coo.data, tdata, strict=True)
        )
        return graph

    def subgraph(self, mask: np.ndarray, note: str | None = None) -> RoadGraph:
        """The graph induced by the nodes where ``mask`` is True."""
        mask = np.asarray(mask, dtype=bool)
        new_pos = np.full(self.n_nodes, -1, dtype=np.int64)
        new_pos[mask] = np.arange(int(mask.sum()))
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.length.indptr))
        cols = self.length.indices
        keep = mask[rows] & mask[cols]
        meta = dict(self.metadata)
        if note:
            meta["subgraph"] = note
        meta.pop("parallel_edges_merged", None)
        meta.pop("self_loops_dropped", None)
        interior = None
        if self.interior is not None:
            it = self.interior
            kc = mask[it.chain_tail] & mask[it.chain_head]
            new_chain = np.cumsum(kc) - 1
            kv = kc[it.chain]
            interior = Interior(
                it.x[kv], it.y[kv], new_chain[it.chain[kv]].astype(np.int32), it.cum_len[kv], it.cum_time[kv],
                new_pos[it.chain_tail[kc]].astype(np.int32), new_pos[it.chain_head[kc]].astype(np.int32),
                it.chain_len[kc], it.chain_time[kc], it.chain_two_way[kc],
            )
        # kept edges stay sorted and unique under the order-preserving renumbering: no re-sort
        new_rows = new_pos[rows[keep]]
        del rows
        m = int(mask.sum())
        indptr = np.zeros(m + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(new_rows, minlength=m))
        del new_rows
        idx_dtype = np.int32 if max(m, int(indptr[-1])) < 2**31 - 1 else np.int64
        return RoadGraph(
            self.node_ids[mask], self.x[mask], self.y[mask], indptr.astype(idx_dtype),
            new_pos[cols[keep]].astype(idx_dtype), self.length.data[keep], self.time.data[keep], meta,
            interior=interior,
        )

    def largest_component(self, strong: bool = True) -> RoadGraph:
        """The largest strongly (or weakly) connected component as a new graph.

        Snapping demand points to the largest component avoids snapping them to a short
        fragment of road (a clipped way, a private island) from which no office is reachable.
        The number of nodes removed goes into ``metadata["nodes_outside_largest_component"]``.
        """
        _, labels = connected_components(self.length, directed=True, connection="strong" if strong else "weak")
        big = np.bincount(labels).argmax()
        mask = labels == big
        g = self.subgraph(mask, note=f"largest {'strongly' if strong else 'weakly'} connected component")
        g.metadata["nodes_outside_largest_component"] = int((~mask).sum())
        return g

    def drop_small_components(self, min_nodes: int = 50) -> RoadGraph:
        """A new graph without the weakly connected pieces smaller than ``min_nodes`` nodes.

        Unlike :meth:`largest_component` this keeps islands with their own road network
        (Gotland, Öland before the bridge, the archipelago islands with a village) while
        removing the stray fragments (a clipped way, a private road with no link) that would
        otherwise catch snapped points and leave them unreachable. The number of nodes removed
        goes into ``metadata["nodes_in_small_components"]``.
        """
        _, labels = connected_components(self.length, directed=True, connection="weak")
        sizes = np.bincount(labels)
        mask = sizes[labels] >= min_nodes
        if not mask.any():
            raise EmptyNetworkError(f"No connected piece of the road graph has {min_nodes} nodes or more.")
        g = self.subgraph(mask, note=f"weak components of at least {min_nodes} nodes")
        g.metadata["nodes_in_small_components"] = int((~mask).sum())
        return g

    # --- snapping -----------------------------------------------------------------------------
    def snap(self, points: Any) -> tuple[np.ndarray, np.ndarray]:
        """Snap points to their nearest graph vertex (a node, or an interior vertex of a contracted chain).

        Parameters
        ----------
        points : GeoDataFrame, GeoSeries or array of shape (n, 2)
            A GeoDataFrame/GeoSeries must have a CRS (it is reprojected to EPSG:3006); non-point
            geometries use their representative point. A plain array is taken to be x, y in
            EPSG:3006.

        Returns
        -------
        node_index : ndarray of int64, shape (n,)
            Positions of the nearest vertices: below :attr:`n_nodes` an index into
            ``node_ids``, ``x``, ``y``; from :attr:`n_nodes` on an interior vertex
            (``interior`` index ``+ n_nodes``), whose trips :meth:`vertex_cost`,
            :meth:`vertex_sources` and :meth:`same_chain_cost` give. An uncontracted graph
            has nodes only.
        snap_m : ndarray of float, shape (n,)
            Straight-line distance (m) from each point to its vertex.

        Raises
        ------
        CRSError
            A GeoDataFrame/GeoSeries without a CRS.
        GeometryError
            Missing or empty geometries (all rows listed).
        """
        xy = points_xy(points)
        if len(xy) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        d, i = self.kdtree.query(xy, k=1)
        return np.asarray(i, dtype=np.int64), np.asarray(d, dtype=float)


def points_xy(points: Any, *, what: str = "Points") -> np.ndarray:
    """Coordinates (n, 2) in EPSG:3006 of a GeoDataFrame, GeoSeries or (n, 2) array.

    See :meth:`RoadGraph.snap` for the rules and errors; ``what`` names the points in the
    :class:`~narvaro.errors.GeometryError` message (``"Demand points"``).
    """
    import geopandas as gpd

    if isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geom = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geom.crs is None:
            raise CRSError(
                "The points have no CRS; set one (e.g. gdf.set_crs('EPSG:4326')) before snapping.",
                [{"row": "all", "id": "", "problem": "GeoDataFrame.crs is None"}],
            )
        bad = geom.isna() | geom.is_empty
        if bad.any():
            raise GeometryError(
                f"{what} without geometry.",
                [{"row": r, "id": "", "problem": "missing or empty geometry"} for r in geom.index[bad]],
            )
        geom = geom.to_crs(settings.CRS_COMPUTE)
        if not (geom.geom_type == "Point").all():
            geom = geom.representative_point()
        return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("points must be a GeoDataFrame, a GeoSeries or an (n, 2) array of EPSG:3006 x, y")
    return arr
