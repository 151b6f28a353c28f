"""report.html: one self-contained page that answers the question, and the default maps.

:func:`write_report_html` renders a :class:`narvaro.report.summary.ReportResult` into
``report.html`` (no network needed to open it: plots are inline SVG/PNG, the maps are linked
files next to it); :func:`default_maps` writes the two maps ``narvaro report`` links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["MAP_AFTER", "MAP_BEFORE", "MAP_BOTH", "default_maps"]

#: Before/after pair of the default compare map and the scenario of the default coverage map.
MAP_BEFORE, MAP_AFTER, MAP_BOTH = "af_2019", "af_2020", "af_2020+ssc_2020"


def _offices_for_map(scenario: str) -> Any:
    from ..offices.load import load_offices

    return load_offices(scenario, include_candidates=True)


def _closed_for_map(scenario: str) -> Any:
    """The closed AF offices layer for scenarios after the closures (None before)."""
    from ..offices.load import load_offices

    if any(p.startswith("af_2020") for p in scenario.split("+")):
        return load_offices("af_closed_2020")
    return None


def _map_file(scenarios: Iterable[str]) -> str:
    import re

    return "narvaro_" + "_vs_".join(re.sub(r"[^A-Za-z0-9_.+-]+", "_", s) for s in scenarios) + ".html"


def default_maps(
    covs: Mapping[str, Any],
    maps_dir: str | Path,
    lang: str = "en",
    offices: Mapping[str, Any] | None = None,
    progress: Callable[..., Any] | None = None,
) -> list[Path]:
    """Write the default maps of ``narvaro report`` to ``maps_dir``; return their paths.

    AF before/after (``narvaro_af_2019_vs_af_2020.html``) when both were computed, AF + SSC
    after (``narvaro_af_2020+ssc_2020.html``) when computed; with custom scenarios one map per
    scenario. Swedish maps (``lang="sv"``) get the suffix ``_sv``.

    Parameters
    ----------
    covs : dict scenario -> coverage table
    maps_dir : folder to write to
    lang : {"en", "sv"}
    offices : dict scenario -> office list, optional
        Default: :func:`narvaro.offices.load_offices` with candidates.
    progress : callable, optional
        Wraps the list of maps (e.g. a tqdm progress bar).
    """
    from ..maps.build import compare_map, coverage_map
    from ..maps.i18n import scenario_title
    from ..maps.style import map_title

    maps_dir = Path(maps_dir)
    suffix = "_sv" if lang == "sv" else ""

    def office_list(sc: str) -> Any:
        if offices is not None and sc in offices:
            return offices[sc]
        return _offices_for_map(sc)

    jobs: list[tuple[str, ...]] = []
    if MAP_BEFORE in covs and MAP_AFTER in covs:
        jobs.append((MAP_BEFORE, MAP_AFTER))
    if MAP_BOTH in covs:
        jobs.append((MAP_BOTH,))
    if not jobs:
        jobs = [(sc,) for sc in covs]
    written = []
    for job in progress(jobs, desc="maps", unit="map") if progress else jobs:
        if len(job) == 2:
            before, after = job
            m = compare_map(
                covs[before],
                covs[after],
                office_list(after),
                closed=_closed_for_map(after),
                column="af_time_mean_min",
                labels=(scenario_title(before), scenario_title(after)),
                title=map_title("af_time_mean_min", job, lang),
                lang=lang,
            )
        else:
            m = coverage_map(
                covs[job[0]],
                office_list(job[0]),
                closed=_closed_for_map(job[0]),
                title=map_title("", job, lang),
                lang=lang,
            )
        path = maps_dir / _map_file(job).replace(".html", f"{suffix}.html")
        written.append(m.save(path))
    return written
