"""Named exceptions shared by every narvaro module.

One base class, :class:`NarvaroError`, and a few specific ones. Errors about rows
(:class:`RowError` and its subclasses) carry *all* offending rows in ``.problems``,
a :class:`pandas.DataFrame` with the columns ``row`` (index label or row number),
``id`` (office id, kommunkod, ... where one exists) and ``problem`` (a sentence).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "NarvaroError",
    "InputValueError",
    "DataError",
    "ChecksumError",
    "DataUnavailableError",
    "RowError",
    "CRSError",
    "GeometryError",
    "UnknownKommunError",
    "OfficeListError",
    "UnknownNetworkError",
    "NetworkError",
    "EmptyNetworkError",
    "NetworkFileError",
    "UnreachableError",
    "CoverageInputError",
    "GTFSError",
]

_MAX_LISTED = 20


class NarvaroError(Exception):
    """Base class of every error narvaro raises on purpose."""


class InputValueError(NarvaroError, ValueError):
    """An argument outside its valid values; the message names them (still a ValueError)."""


class DataError(NarvaroError):
    """A data file could not be resolved from the registry."""


class ChecksumError(DataError):
    """A file's sha256 differs from the one recorded in the registry."""


class DataUnavailableError(DataError):
    """No mirror holds the file and it could not be downloaded."""


class UnknownNetworkError(NarvaroError, KeyError):
    """An office network or scenario name that narvaro does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; we do not want that
        return str(self.args[0]) if self.args else ""


class RowError(NarvaroError, ValueError):
    """Bad input rows; ``.problems`` lists every offending row.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence.
    problems : iterable of mappings or DataFrame, optional
        One entry per offending row with keys ``row``, ``id`` and ``problem``.
    row_word : str, default "row"
        What ``row`` counts, for messages: "row" (an index label) or "line" (a line of the
        file the rows came from: header = line 1, first data row = line 2).
    """

    def __init__(
        self,
        message: str,
        problems: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None,
        row_word: str = "row",
    ):
        if problems is None:
            frame = pd.DataFrame(columns=["row", "id", "problem"])
        elif isinstance(problems, pd.DataFrame):
            frame = problems.reset_index(drop=True)
        else:
            frame = pd.DataFrame(list(problems), columns=["row", "id", "problem"])
        self.problems = frame
        self.row_word = row_word
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if self.problems.empty:
            return head
        lines = [
            f"  {self.row_word} {r.row}" + (f" ({r.id})" if pd.notna(r.id) and r.id != "" else "") + f": {r.problem}"
            for r in self.problems.head(_MAX_LISTED).itertuples()
        ]
        more = len(self.problems) - _MAX_LISTED
        if more > 0:
            lines.append(f"  ... and {more} more (see .problems)")
        return f"{head} ({len(self.problems)} row(s))\n" + "\n".join(lines)


class CRSError(RowError):
    """Missing or wrong coordinate reference system."""


class GeometryError(RowError):
    """Missing, invalid, or out-of-Sweden geometries."""


class UnknownKommunError(RowError):
    """A kommunkod that is not one of the 290 kommuner."""


class OfficeListError(RowError):
    """An office list with bad rows (missing coordinates, duplicate ids, unknown org ...)."""


class NetworkError(NarvaroError):
    """A road network that cannot answer the question."""


class EmptyNetworkError(NetworkError):
    """A road network with no nodes or no edges."""


class NetworkFileError(NetworkError, ValueError):
    """A file that is not a road graph saved by narvaro, or not a readable OpenStreetMap PBF extract."""


class UnreachableError(RowError, NetworkError):
    """Offices or points that cannot be reached on the road network."""


class CoverageInputError(RowError):
    """Inputs to the coverage analysis that do not fit together."""


class GTFSError(RowError):
    """A GTFS feed that cannot be read for the service date (missing file, date outside the
    calendar, stop_times out of order ...); names the file and its offending lines."""
