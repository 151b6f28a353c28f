"""Provenance that travels with every result.

Table-level facts (population source and year, office lists and how complete they are,
the road network or the estimate used) live in ``df.attrs["narvaro"]``, a plain dict so
that pandas keeps it through copies. :func:`describe` renders them as the one line that
the CLI, the report, the map legend and the notebooks all print.

Keys used (all optional):

``population``
    e.g. ``"SCB folkmängd 2021 (kommun totals), tätorter 2020 points + 5 km residual grid"``.
``offices``
    list of dicts ``{"name", "known", "published", "label"}``; ``label`` e.g.
    ``"AF 2020: 61 of 106 offices known"``.
``method``
    ``"road"`` or ``"estimate"``.
``network``
    e.g. ``"OSM sweden-latest.osm.pbf (2026-11-01)"`` or the estimate's description.
``kommuner``
    the boundary set, e.g. ``"Valmyndigheten 2020 (2 % simplified)"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["ATTRS_KEY", "get_provenance", "set_provenance", "merge_provenance", "describe"]

ATTRS_KEY = "narvaro"


def get_provenance(obj: pd.DataFrame | pd.Series) -> dict[str, Any]:
    """Return the provenance dict of ``obj`` (empty if it has none)."""
    return dict(obj.attrs.get(ATTRS_KEY, {}))


def set_provenance(obj: pd.DataFrame | pd.Series, **facts: Any) -> pd.DataFrame | pd.Series:
    """Add ``facts`` to the provenance of ``obj`` in place and return ``obj``."""
    prov = get_provenance(obj)
    prov.update({k: v for k, v in facts.items() if v is not None})
    obj.attrs[ATTRS_KEY] = prov
    return obj


def merge_provenance(*sources: Mapping[str, Any] | pd.DataFrame | pd.Series) -> dict[str, Any]:
    """Merge provenance from several frames or dicts; office lists are concatenated."""
    merged: dict[str, Any] = {}
    for src in sources:
        prov = get_provenance(src) if isinstance(src, (pd.DataFrame, pd.Series)) else dict(src)
        for key, value in prov.items():
            if key == "offices":
                seen = {o.get("name") for o in merged.get("offices", [])}
                merged.setdefault("offices", []).extend(o for o in value if o.get("name") not in seen)
            else:
                merged[key] = value
    return merged


def describe(obj: pd.DataFrame | pd.Series | Mapping[str, Any]) -> str:
    """Render provenance as one line, e.g. for a table caption or a map legend.

    Examples
    --------
    >>> describe({"method": "estimate", "offices": [{"label": "AF 2020: 61 of 106 offices known"}]})
    'Method: estimate (straight line x circuity, not a road measurement) | Offices: AF 2020: 61 of 106 offices known'
    """
    prov = get_provenance(obj) if isinstance(obj, (pd.DataFrame, pd.Series)) else dict(obj)
    parts = []
    method = prov.get("method")
    if method == "estimate":
        parts.append("Method: estimate (straight line x circuity, not a road measurement)")
    elif method == "road":
        parts.append("Method: road network" + (f" ({prov['network']})" if prov.get("network") else ""))
    elif method:
        parts.append(f"Method: {method}")
    offices = prov.get("offices") or []
    if offices:
        parts.append("Offices: " + "; ".join(o.get("label") or o.get("name", "?") for o in offices))
    if prov.get("estimates"):
        parts.append(f"Best estimates and 90 % intervals: {prov['estimates']}; hard bounds: confirmed offices "
                     "only vs confirmed + every candidate")
    if prov.get("population"):
        parts.append(f"Population: {prov['population']}")
    if prov.get("kommuner"):
        parts.append(f"Kommuner: {prov['kommuner']}")
    return " | ".join(parts)
