"""Test-only oracle for the transit router: a time-expanded graph of the same feed in networkx.

Nodes: one departure and one arrival event per connection, and one "waiting at stop s, ready
to board connection c" node per boarding. Edges: ride (departure -> arrival), stay seated
(arrival -> the trip's next departure), wait (a stop's waiting nodes in time order), board
(waiting node -> departure, where boarding is allowed), transfer (arrival -> first waiting node
at the same stop at arrival + transfer time, or at a stop within 300 m of walking at arrival +
walk). Every departure a resident could walk to is searched (``nx.descendants``) and the
earliest valid arrival at each office (alighting, walking to the office, inside the window) is
taken. Walking distances are computed here by brute force, not with the router's KD-tree.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from narvaro import settings


def _walk_s(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)) * settings.TRANSIT_WALK_CIRCUITY
    return d / (settings.TRANSIT_WALK_SPEED_KMH / 3.6), d


def oracle_matrix(feed, stop_xy: np.ndarray, origin_xy: np.ndarray, office_xy: np.ndarray) -> np.ndarray:
    """Quickest morning journey (minutes, NaN = none), origins x offices, by graph search."""
    lo, hi = (w * 60.0 for w in settings.TRANSIT_ARRIVE_WINDOW_MIN)
    n = feed.dep_time.size
    graph = nx.DiGraph()
    graph.add_nodes_from(range(2 * n))
    for c in range(n):
        graph.add_edge(c, n + c)
    # stay seated
    by_trip = np.lexsort((feed.dep_time, feed.trip))
    for a, b in zip(by_trip[:-1], by_trip[1:], strict=False):
        if feed.trip[a] == feed.trip[b] and feed.arr_stop[a] == feed.dep_stop[b]:
            graph.add_edge(n + a, b)
    # waiting nodes
    wait_times: dict[int, np.ndarray] = {}
    wait_nodes: dict[int, np.ndarray] = {}
    nid = 2 * n
    for s in np.unique(feed.dep_stop):
        cs = np.flatnonzero((feed.dep_stop == s) & feed.can_board)
        cs = cs[np.argsort(feed.dep_time[cs], kind="stable")]
        nodes = np.arange(nid, nid + cs.size)
        nid += cs.size
        for node, c in zip(nodes, cs, strict=False):
            graph.add_edge(int(node), int(c))
        for x, y in zip(nodes[:-1], nodes[1:], strict=False):
            graph.add_edge(int(x), int(y))
        wait_times[int(s)] = feed.dep_time[cs]
        wait_nodes[int(s)] = nodes
    walk, dist = _walk_s(stop_xy, stop_xy)
    station = feed.stops["station"].to_numpy()
    moves: list[list[tuple[int, float]]] = [[] for _ in range(len(stop_xy))]
    for s in range(len(stop_xy)):
        moves[s].append((s, feed.min_transfer_s[s]))
        for w in range(len(stop_xy)):
            if w == s:
                continue
            if station[w] == station[s]:
                moves[s].append((w, feed.min_transfer_s[s]))
            elif dist[s, w] <= settings.TRANSIT_TRANSFER_WALK_MAX_M:
                moves[s].append((w, walk[s, w]))
    for c in np.flatnonzero(feed.can_alight):
        v = int(feed.arr_stop[c])
        for w, t in moves[v]:
            if w in wait_times and np.isfinite(t):
                k = np.searchsorted(wait_times[w], feed.arr_time[c] + t, side="left")
                if k < wait_times[w].size:
                    graph.add_edge(n + int(c), int(wait_nodes[w][k]))
    # arrival values per office
    eg_s, eg_d = _walk_s(stop_xy, office_xy)
    eg_s = np.where(eg_d <= settings.TRANSIT_ACCESS_MAX_M, eg_s, np.inf)
    arrive = feed.arr_time[:, None] + eg_s[feed.arr_stop]
    arrive[~feed.can_alight] = np.inf
    arrive[(arrive < lo) | (arrive > hi)] = np.inf
    memo: dict[int, np.ndarray] = {}

    def earliest(c: int) -> np.ndarray:
        if c not in memo:
            reach = [x - n for x in nx.descendants(graph, c) if n <= x < 2 * n]
            memo[c] = arrive[reach].min(axis=0) if reach else np.full(len(office_xy), np.inf)
        return memo[c]

    acc_s, acc_d = _walk_s(origin_xy, stop_xy)
    dir_s, dir_d = _walk_s(origin_xy, office_xy)
    out = np.where(dir_d <= settings.TRANSIT_ACCESS_MAX_M, dir_s, np.inf)
    for i in range(len(origin_xy)):
        for s in np.flatnonzero(acc_d[i] <= settings.TRANSIT_ACCESS_MAX_M):
            for c in np.flatnonzero((feed.dep_stop == s) & feed.can_board):
                dur = earliest(int(c)) - (feed.dep_time[c] - acc_s[i, s])
                out[i] = np.minimum(out[i], dur)
    out = out / 60.0
    out[~np.isfinite(out)] = np.nan
    return out
