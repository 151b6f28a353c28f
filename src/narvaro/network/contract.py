"""Contraction of degree-2 chains: an array-based equivalent of osmnx's ``simplify_graph``.

OSM draws a road as a way of many nodes, most of which only shape the line. Routing needs
only the nodes where roads meet or end. :func:`contract` merges every run of such shape
nodes into one edge whose length and time are the exact sums of its segments, so Dijkstra
visits 3-5 times fewer nodes, and keeps the merged nodes as *interior vertices*
(:class:`~narvaro.network.graph.Interior`) so that snapping still lands on the road.

Which nodes are merged
----------------------
A node is merged when, in the directed graph,

* it has exactly one incoming and one outgoing edge, from and to two different nodes, and no
  edge back (an interior node of a one-way road), or
* it has exactly two neighbours, with edges both ways to each of them, and each pair of
  opposite edges has the same length and the same time (an interior node of a two-way road).

Everything else stays: junctions, dead ends, nodes where a one-way road meets a two-way one
and nodes where the two directions differ (a parallel way merged into one direction only).
Unlike osmnx, road class is not a criterion: a RoadGraph keeps no class, and merging across a
class change keeps lengths and times exact. A ring of mergeable nodes with no junction keeps
all its nodes.

Exactness
---------
Shortest paths between kept nodes are unchanged (a path enters a chain only at its ends).
For interior vertices, :meth:`~narvaro.network.graph.RoadGraph.vertex_cost`,
:meth:`~narvaro.network.graph.RoadGraph.vertex_sources` and
:meth:`~narvaro.network.graph.RoadGraph.same_chain_cost` give the trips from, to and along
them, so every distance from a snapped point equals the uncontracted graph's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import Interior, RoadGraph
from .progress import progress_bar

__all__ = ["contract"]

_BLOCK = 1 << 21


def _mergeable(graph: RoadGraph, pinned: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mergeable nodes, two-way flag per node, edge tails)."""
    n = graph.n_nodes
    indptr = graph.length.indptr.astype(np.int64)
    indices = graph.length.indices
    lw, tw = graph.length.data, graph.time.data
    outdeg = np.diff(indptr)
    indeg = np.bincount(indices, minlength=n)
    tail = np.repeat(np.arange(n, dtype=np.int32), outdeg)
    key = tail.astype(np.int64)
    key *= n
    key += indices
    m = len(indices)
    has_rev = np.zeros(m, dtype=bool)
    sym = np.zeros(m, dtype=bool)
    for s0 in range(0, m, _BLOCK):  # the reverse edge of each edge, in blocks to bound memory
        s1 = min(s0 + _BLOCK, m)
        rkey = indices[s0:s1].astype(np.int64) * n + tail[s0:s1]
        pos = np.searchsorted(key, rkey)
        pos[pos >= m] = 0
        hr = key[pos] == rkey
        has_rev[s0:s1] = hr
        sym[s0:s1] = hr & (lw[pos] == lw[s0:s1]) & (tw[pos] == tw[s0:s1])
    del key
    o0 = np.minimum(indptr[:-1], max(len(indices) - 1, 0))
    o1 = np.minimum(o0 + 1, max(len(indices) - 1, 0))
    two = (outdeg == 2) & (indeg == 2) & sym[o0] & sym[o1]
    one = (outdeg == 1) & (indeg == 1) & ~has_rev[o0]
    merge = two | one
    if pinned is not None:
        merge[pinned] = False
    return merge, two, tail


def contract(graph: RoadGraph, progress: bool = False) -> RoadGraph:
    """Merge degree-2 chains into single edges, keeping the merged nodes for snapping.

    Parameters
    ----------
    graph : RoadGraph
        An uncontracted graph (contracting a contracted one raises ``ValueError``).
    progress : bool, default False
        tqdm bar over the steps.

    Returns
    -------
    RoadGraph
        Kept nodes (with their ids) and chain edges; ``graph.interior`` holds the merged vertices;
        ``metadata["contracted"]`` the counts before and after.
    """
    if graph.interior is not None:
        raise ValueError("the graph is already contracted")
    bar = progress_bar(progress, total=4, desc="contracting", unit="step")
    pinned: np.ndarray | None = None
    for _ in range(2):
        merge, two, tail = _mergeable(graph, pinned)
        bar.update(1)
        res = _chains(graph, merge, two, tail)
        if isinstance(res, np.ndarray):  # rings without a junction: keep their nodes, redo
            pinned = res if pinned is None else np.union1d(pinned, res)
            continue
        break
    else:  # pragma: no cover - the second pass has no rings left
        raise RuntimeError("contraction did not converge")
    bar.update(1)
    root_of, acc_l, acc_t, last = res
    indices = graph.length.indices
    lw, tw = graph.length.data, graph.time.data

    # chain edges: one per last edge
    r = root_of[last]
    cu, cv = tail[r], indices[last]
    cl, ct = acc_l[last] + lw[last], acc_t[last] + tw[last]
    keep = ~merge
    new_pos = np.cumsum(keep) - 1

    # interior vertices: one out-edge each (on two-way chains, the direction with the smaller root)
    iv = np.flatnonzero(merge).astype(root_of.dtype)
    o = graph.length.indptr[iv].astype(root_of.dtype)
    is_two = two[iv]
    o_alt = o + is_two
    o = np.where(root_of[o_alt] < root_of[o], o_alt, o)  # o_alt == o on one-way chains
    del o_alt
    chain_root = root_of[o]
    del root_of
    roots, chain = np.unique(chain_root, return_inverse=True)
    del chain_root
    by_root = np.argsort(r)
    lr = last[by_root[np.searchsorted(r[by_root], roots)]]  # the last edge of each chain
    del by_root
    two_chain = np.zeros(len(roots), dtype=bool)
    two_chain[chain] = is_two
    interior = Interior(
        x=graph.x[iv], y=graph.y[iv], chain=chain.astype(np.int32), cum_len=acc_l[o], cum_time=acc_t[o],
        chain_tail=new_pos[tail[roots]].astype(np.int32), chain_head=new_pos[indices[lr]].astype(np.int32),
        chain_len=acc_l[lr] + lw[lr], chain_time=acc_t[lr] + tw[lr], chain_two_way=two_chain,
    )
    n_interior = len(iv)
    del acc_l, acc_t, o, iv, chain
    bar.update(1)
    meta: dict[str, Any] = dict(graph.metadata)
    meta.pop("parallel_edges_merged", None)
    meta.pop("self_loops_dropped", None)
    meta["contracted"] = {
        "nodes_before": graph.n_nodes, "edges_before": graph.n_edges, "interior_vertices": int(n_interior),
        "chains": int(len(roots)), "ring_nodes_kept": 0 if pinned is None else int(len(pinned)),
    }
    g = RoadGraph.from_edges(graph.node_ids[keep], graph.x[keep], graph.y[keep], new_pos[cu], new_pos[cv], cl, ct,
                             meta, )
    g.interior = interior if len(interior) else None
    g.metadata["contracted"].update(nodes_after=g.n_nodes, edges_after=g.n_edges)
    bar.update(1)
    bar.close()
    return g


def _chains(graph: RoadGraph, merge: np.ndarray, two: np.ndarray, tail: np.ndarray) -> Any:
    """Chain structure by pointer jumping, or the nodes of junction-less rings to pin."""
    indices = graph.length.indices
    lw, tw = graph.length.data, graph.time.data
    m = len(indices)
    it = np.int32 if m < 2**31 - 1 else np.int64
    indptr = graph.length.indptr.astype(it, copy=False)
    # next edge along the chain through the head of each edge
    nxt = np.full(m, -1, dtype=it)
    through = np.flatnonzero(merge[indices]).astype(it)
    h = indices[through]
    first = indptr[h]
    del h
    second = np.minimum(first + 1, m - 1).astype(it, copy=False)
    nxt_e = np.where(two[indices[through]] & (indices[first] == tail[through]), second, first)
    del second, first
    nxt[through] = nxt_e
    prev = np.full(m, -1, dtype=it)
    prev[nxt_e] = through
    del through, nxt_e
    last = np.flatnonzero(nxt < 0)
    del nxt
    # pointer jumping: p -> an earlier edge of the chain, acc = cost from p's tail to e's tail
    p = np.arange(m, dtype=it)
    acc_l = np.zeros(m)
    acc_t = np.zeros(m)
    act = np.flatnonzero(prev >= 0).astype(it)
    p[act] = prev[act]
    acc_l[act] = lw[prev[act]]
    acc_t[act] = tw[prev[act]]
    for _ in range(int(np.ceil(np.log2(max(m, 2)))) + 2):
        act = act[prev[p[act]] >= 0]
        if not len(act):
            break
        q = p[act]
        acc_l[act] += acc_l[q]
        acc_t[act] += acc_t[q]
        p[act] = p[q]
    act = act[prev[p[act]] >= 0] if len(act) else act
    if len(act):
        return np.unique(tail[act])
    return p, acc_l, acc_t, last
