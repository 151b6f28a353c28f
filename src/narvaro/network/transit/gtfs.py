"""Reading a static GTFS feed for one service date (zip or folder), with pandas.

Why pandas and not gtfs-kit or partridge: neither is installable from the package registry
this project builds against, and what narvaro needs from a feed is small (the day's active
trips from ``calendar`` + ``calendar_dates``, stop times as seconds past midnight, stops with
their parent stations, ``transfers.txt``); the checks narvaro makes are its own (see
:func:`read_gtfs`), with messages naming the file and the rows.

What is read
------------
- ``stops.txt``: ``stop_id``, ``stop_lat``, ``stop_lon``, ``location_type`` (0/empty = a
  stop or platform where vehicles call; 1 = a station), ``parent_station``.
- ``trips.txt`` and ``calendar.txt`` / ``calendar_dates.txt``: a trip runs on date D when its
  service is active on D (weekday column = 1 and ``start_date <= D <= end_date``, then
  ``calendar_dates`` exception 1 adds the date and 2 removes it).
- ``stop_times.txt``: times ``H:MM:SS`` with H >= 24 allowed (times past midnight belong to
  the trip's service day). Trips of the day before whose times pass 24:00 are included,
  shifted by -24 h, so that a night trip of Tuesday's service that reaches Wednesday morning
  counts. ``pickup_type`` / ``drop_off_type`` 1 (not available) forbid boarding / alighting;
  other values (0, 2, 3: phone or driver arrangements) are taken as possible.
- ``transfers.txt`` (optional): rows without ``from_trip_id``/``to_trip_id`` and with
  ``from_stop_id == to_stop_id`` and ``min_transfer_time`` set give the minimum transfer time at
  that stop (``transfer_type`` 3 = transfer not possible is honoured as "no transfer at this
  stop"). Trip-to-trip rows are not used: they state guaranteed connections, which the
  default same-stop transfer time already allows or which the timetable makes impossible.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import GTFSError

__all__ = ["Feed", "read_gtfs", "default_service_date", "parse_times"]

_log = logging.getLogger("narvaro")

_REQUIRED = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "trips.txt": ("trip_id", "service_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
}


@dataclass(frozen=True)
class Feed:
    """One service date of a GTFS feed, as arrays a router can scan.

    Attributes
    ----------
    date : datetime.date
        The service date.
    stops : DataFrame
        Every stop where vehicles call (``location_type`` 0 or empty), index 0..n-1, columns
        ``stop_id``, ``lat``, ``lon``, ``station`` (the parent station's id, else the stop's own).
    dep_stop, arr_stop, dep_time, arr_time, trip : ndarray
        The day's connections (one vehicle leg between two consecutive calls of a trip), times
        in seconds after midnight of ``date``; sorted by departure time.
    can_board, can_alight : ndarray of bool
        Per connection: boarding at its departure stop / alighting at its arrival stop allowed.
    min_transfer_s : ndarray of float
        Per stop: minimum seconds for a transfer at that stop (``transfers.txt``, else the
        default); ``inf`` where transfers are not possible.
    n_trips : int
        Active trips on ``date``.
    source : str
        Where the feed was read from, with its ``feed_info`` when present.
    """

    date: dt.date
    stops: pd.DataFrame
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_time: np.ndarray
    arr_time: np.ndarray
    trip: np.ndarray
    can_board: np.ndarray
    can_alight: np.ndarray
    min_transfer_s: np.ndarray
    n_trips: int
    source: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def n_connections(self) -> int:
        """Number of connections on the service date."""
        return int(self.dep_time.size)


class _Files:
    """The text files of a feed in a zip or a folder."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            self.names = {p.name for p in path.iterdir() if p.suffix == ".txt"}
            self._zip = None
        elif path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            self.names = {Path(n).name: n for n in self._zip.namelist() if n.endswith(".txt")}
        else:
            raise GTFSError(f"GTFS feed {path}: not a folder or a zip file")

    def has(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str) -> pd.DataFrame:
        if not self.has(name):
            raise GTFSError(f"GTFS feed {self.path}: {name} is missing")
        raw = (self.path / name).read_bytes() if self._zip is None else self._zip.read(self.names[name])
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.columns = [c.strip() for c in frame.columns]
        missing = [c for c in _REQUIRED.get(name, ()) if c not in frame.columns]
        if missing:
            raise GTFSError(f"GTFS feed {self.path}: {name} has no column(s) {', '.join(missing)}")
        return frame


def parse_times(values: pd.Series, file: str = "stop_times.txt") -> np.ndarray:
    """Seconds after midnight of ``H:MM:SS`` strings (H may be 24 or more); NaN where empty.

    Raises
    ------
    GTFSError
        A non-empty value that is not a time; every such row is named (line numbers of the file).
    """
    s = values.astype(str).str.strip()
    parts = s.str.extract(r"^(\d{1,3}):(\d{2}):(\d{2})$")
    bad = (s != "") & parts[0].isna()
    if bad.any():
        rows = [{"row": int(i) + 2, "id": "", "problem": f"time {v!r} is not H:MM:SS"} for i, v in s[bad].items()]
        raise GTFSError(f"GTFS {file}: times that cannot be read", rows, row_word="line")
    p = parts.astype(float)
    return (p[0] * 3600 + p[1] * 60 + p[2]).to_numpy()


def _active_services(files: _Files, date: dt.date) -> set[str]:
    active: set[str] = set()
    day = date.strftime("%Y%m%d")
    if files.has("calendar.txt"):
        cal = files.read("calendar.txt")
        wd = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][date.weekday()]
        if wd in cal.columns:
            on = (cal[wd] == "1") & (cal["start_date"] <= day) & (cal["end_date"] >= day)
            active |= set(cal.loc[on, "service_id"])
    if files.has("calendar_dates.txt"):
        cd = files.read("calendar_dates.txt")
        today = cd[cd["date"] == day]
        active |= set(today.loc[today["exception_type"] == "1", "service_id"])
        active -= set(today.loc[today["exception_type"] == "2", "service_id"])
    return active


def _validity(files: _Files) -> tuple[dt.date, dt.date]:
    days: list[str] = []
    if files.has("calendar.txt"):
        cal = files.read("calendar.txt")
        days += list(cal["start_date"]) + list(cal["end_date"])
    if files.has("calendar_dates.txt"):
        cd = files.read("calendar_dates.txt")
        days += list(cd.loc[cd["exception_type"] == "1", "date"])
    days = [d for d in days if len(d) == 8 and d.isdigit()]
    if not days:
        raise GTFSError(f"GTFS feed {files.path}: neither calendar.txt nor calendar_dates.txt gives a service date")
    parse = lambda d: dt.date(int(d[:4]), int(d[4:6]), int(d[6:]))  # noqa: E731
    return parse(min(days)), parse(max(days))


def default_service_date(path: str | Path) -> dt.date:
    """A normal Wednesday inside the feed's validity.

    The earliest Wednesday on which at least 95 % as many trips run as on the busiest
    Wednesday of the feed (so that holiday weeks, with fewer trips, are not chosen).
    """
    files = _Files(Path(path))
    start, end = _validity(files)
    trips = files.read("trips.txt")
    per_service = trips.groupby("service_id").size()
    first = start + dt.timedelta(days=(2 - start.weekday()) % 7)
    counts: list[tuple[dt.date, int]] = []
    day = first
    while day <= end:
        act = _active_services(files, day)
        counts.append((day, int(per_service.reindex(list(act)).fillna(0).sum())))
        day += dt.timedelta(days=7)
    if not counts or max(c for _, c in counts) == 0:
        raise GTFSError(f"GTFS feed {path}: no Wednesday between {start} and {end} has any trip")
    top = max(c for _, c in counts)
    return next(d for d, c in counts if c >= 0.95 * top)


def read_gtfs(path: str | Path, date: dt.date | str | None = None, default_transfer_s: float = 120.0) -> Feed:
    """Read a GTFS feed (zip or folder) for one service date.

    Parameters
    ----------
    path : str or Path
        The feed: a ``.zip`` or a folder of ``.txt`` files.
    date : date or "YYYY-MM-DD", optional
        Service date; default :func:`default_service_date` (logged, and kept in ``Feed.date``).
    default_transfer_s : float, default 120
        Transfer time at a stop without ``min_transfer_time`` (settings.TRANSIT_TRANSFER_MIN).

    Returns
    -------
    Feed

    Raises
    ------
    GTFSError
        A missing file or column, a date outside the calendar (no trip runs), stop_times out of
        order within a trip (times decreasing along ``stop_sequence``), unreadable times, stops
        without coordinates or stop_times naming unknown stops; every offending row is named.
    """
    path = Path(path)
    files = _Files(path)
    if date is None:
        date = default_service_date(path)
        _log.info("GTFS service date: %s (a normal Wednesday inside the feed's validity)", date)
    elif isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise GTFSError(f"service date {date!r} is not YYYY-MM-DD") from exc

    stops = files.read("stops.txt")
    if "location_type" not in stops.columns:
        stops["location_type"] = ""
    if "parent_station" not in stops.columns:
        stops["parent_station"] = ""
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    callable_ = stops["location_type"].isin(["", "0"])
    bad = callable_ & (lat.isna() | lon.isna())
    if bad.any():
        rows = [{"row": int(i) + 2, "id": stops.at[i, "stop_id"], "problem": "no stop_lat/stop_lon"}
                for i in stops.index[bad]]
        raise GTFSError(f"GTFS stops.txt of {path}: stops without coordinates", rows, row_word="line")
    st = stops.loc[callable_].reset_index(drop=True)
    st_lat, st_lon = lat[callable_].to_numpy(), lon[callable_].to_numpy()
    station = st["parent_station"].where(st["parent_station"] != "", st["stop_id"])
    stop_frame = pd.DataFrame({"stop_id": st["stop_id"], "lat": st_lat, "lon": st_lon, "station": station})
    stop_index = pd.Series(np.arange(len(stop_frame)), index=stop_frame["stop_id"])

    trips = files.read("trips.txt")
    today = _active_services(files, date)
    yesterday = _active_services(files, date - dt.timedelta(days=1))
    trips_today = set(trips.loc[trips["service_id"].isin(today), "trip_id"])
    trips_yday = set(trips.loc[trips["service_id"].isin(yesterday), "trip_id"])
    if not trips_today:
        start, end = _validity(files)
        raise GTFSError(f"GTFS feed {path}: no trip runs on {date} (calendar.txt/calendar_dates.txt; the feed "
                        f"covers {start} to {end})")

    times = files.read("stop_times.txt")
    times = times[times["trip_id"].isin(trips_today | trips_yday)].copy()
    times["line"] = times.index + 2
    unknown = ~times["stop_id"].isin(stop_index.index)
    if unknown.any():
        rows = [{"row": int(r.line), "id": r.stop_id, "problem": "stop_id not a stop in stops.txt"}
                for r in times[unknown].itertuples()]
        raise GTFSError(f"GTFS stop_times.txt of {path}: unknown stops", rows, row_word="line")
    times["seq"] = pd.to_numeric(times["stop_sequence"], errors="coerce")
    arr = parse_times(times["arrival_time"])
    dep = parse_times(times["departure_time"])
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    times["arr"], times["dep"] = arr, dep
    times = times.dropna(subset=["arr"])  # untimed intermediate calls are not interpolated
    times = times.sort_values(["trip_id", "seq"], kind="stable")
    same = times["trip_id"].to_numpy()[1:] == times["trip_id"].to_numpy()[:-1]
    back = same & (times["arr"].to_numpy()[1:] < times["dep"].to_numpy()[:-1])
    within = times["dep"].to_numpy() < times["arr"].to_numpy()
    if back.any() or within.any():
        lines = times["line"].to_numpy()
        rows = [{"row": int(lines[i + 1]), "id": times["trip_id"].iat[i + 1],
                 "problem": "arrives before the previous stop's departure (stop_times out of order)"}
                for i in np.flatnonzero(back)]
        rows += [{"row": int(lines[i]), "id": times["trip_id"].iat[i], "problem": "departs before it arrives"}
                 for i in np.flatnonzero(within)]
        raise GTFSError(f"GTFS stop_times.txt of {path}: times out of order", rows, row_word="line")

    pick = times.get("pickup_type", pd.Series("", index=times.index)).to_numpy()
    drop = times.get("drop_off_type", pd.Series("", index=times.index)).to_numpy()
    tid = times["trip_id"].to_numpy()
    sidx = stop_index.reindex(times["stop_id"]).to_numpy()
    parts = []
    trip_codes, trip_num = np.unique(tid, return_inverse=True)
    for shift, keep in ((0.0, trips_today), (-86400.0, trips_yday)):
        k = np.isin(tid, list(keep))
        nxt = np.flatnonzero(same & k[:-1])
        c = pd.DataFrame({
            "dep_stop": sidx[nxt], "arr_stop": sidx[nxt + 1],
            "dep_time": times["dep"].to_numpy()[nxt] + shift, "arr_time": times["arr"].to_numpy()[nxt + 1] + shift,
            "trip": trip_num[nxt] + (0 if shift == 0 else len(trip_codes)),
            "can_board": pick[nxt] != "1", "can_alight": drop[nxt + 1] != "1",
        })
        if shift:
            c = c[c["arr_time"] >= 0]
        parts.append(c)
    conn = pd.concat(parts, ignore_index=True).sort_values(["dep_time", "arr_time"], kind="stable")

    transfer = np.full(len(stop_frame), float(default_transfer_s))
    if files.has("transfers.txt"):
        tr = files.read("transfers.txt")
        for col in ("from_trip_id", "to_trip_id", "min_transfer_time", "transfer_type"):
            if col not in tr.columns:
                tr[col] = ""
        own = tr[(tr["from_stop_id"] == tr["to_stop_id"]) & (tr["from_trip_id"] == "") & (tr["to_trip_id"] == "")]
        own = own[own["from_stop_id"].isin(stop_index.index)]
        mtt = pd.to_numeric(own["min_transfer_time"], errors="coerce")
        idx = stop_index.reindex(own["from_stop_id"]).to_numpy()
        has = mtt.notna().to_numpy()
        transfer[idx[has]] = mtt.to_numpy()[has]
        transfer[idx[(own["transfer_type"] == "3").to_numpy()]] = np.inf

    source = str(path)
    if files.has("feed_info.txt"):
        info = files.read("feed_info.txt")
        if len(info):
            bits = [info.iloc[0].get(k, "") for k in ("feed_id", "feed_publisher_name", "feed_version")]
            source += " (" + ", ".join(b for b in bits if b) + ")"
    return Feed(
        date=date, stops=stop_frame,
        dep_stop=conn["dep_stop"].to_numpy(np.int64), arr_stop=conn["arr_stop"].to_numpy(np.int64),
        dep_time=conn["dep_time"].to_numpy(float), arr_time=conn["arr_time"].to_numpy(float),
        trip=conn["trip"].to_numpy(np.int64), can_board=conn["can_board"].to_numpy(bool),
        can_alight=conn["can_alight"].to_numpy(bool), min_transfer_s=transfer,
        n_trips=len(trips_today), source=source,
    )
