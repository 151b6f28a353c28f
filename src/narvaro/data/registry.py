"""Checksummed data registry: resolve external files from a mirror or their public address.

The registry itself is data (``registry.json`` beside this module): one entry per file with
its sha256, vintage, license and origin. :func:`fetch` resolves a file in this order:

1. the directory in ``$NARVARO_DATA_MIRROR``;
2. ``../shared/data`` beside the repository root, when it exists;
3. the public ``url`` recorded for the file (downloaded with :mod:`pooch`).

The file is copied into the cache (:func:`narvaro.settings.cache_dir`) and its sha256 is
checked every time. A mismatch raises :class:`~narvaro.errors.ChecksumError`; narvaro never
re-downloads or overwrites a file silently.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from .. import settings
from ..errors import ChecksumError, DataError, DataUnavailableError

__all__ = ["registry", "fetch", "mirror_dir", "file_sha256"]


@functools.cache
def registry() -> dict[str, dict[str, Any]]:
    """Return the registry: file name -> {sha256, url, description, vintage, license, ...}."""
    text = resources.files("narvaro.data").joinpath("registry.json").read_text(encoding="utf-8")
    return json.loads(text)["files"]


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def mirror_dir() -> Path | None:
    """Return the local mirror directory in use, or None.

    ``$NARVARO_DATA_MIRROR`` wins; otherwise ``../shared/data`` beside the repository root
    (the layout of a development checkout) when that directory exists; for an installed
    package, ``../shared/data`` beside the working directory or one of its parents.
    """
    env = os.environ.get(settings.MIRROR_ENV)
    if env:
        return Path(env).expanduser()
    for root in (_repo_root(), Path.cwd(), *Path.cwd().parents):
        candidate = root.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, expected: str, name: str, origin: str) -> None:
    actual = file_sha256(path)
    if actual != expected:
        raise ChecksumError(
            f"{name}: sha256 of {origin} ({path}) is {actual}, the registry expects {expected}. "
            "The file differs from the one narvaro was built against; narvaro does not replace it. "
            "Restore the original file or remove the stale copy."
        )


def fetch(name: str) -> Path:
    """Return a local path to the registry file ``name``, verified by sha256.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"population/tatorter_scb_2020.csv"``.

    Returns
    -------
    pathlib.Path
        Path of the verified copy in the cache.

    Raises
    ------
    DataError
        ``name`` is not in the registry.
    ChecksumError
        The mirror's or the cached file's sha256 differs from the registry.
    DataUnavailableError
        No mirror holds the file and it cannot be downloaded; the message says what to set.
    """
    entries = registry()
    if name not in entries:
        raise DataError(f"{name!r} is not in narvaro's data registry; known files: {', '.join(sorted(entries))}")
    entry = entries[name]
    cached = settings.cache_dir() / "data" / name
    if cached.exists():
        _check(cached, entry["sha256"], name, "the cached copy")
        return cached

    mirror = mirror_dir()
    if mirror is not None and (mirror / name).is_file():
        source = mirror / name
        _check(source, entry["sha256"], name, "the mirror's copy")
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(cached.suffix + ".part")
        shutil.copyfile(source, tmp)
        tmp.replace(cached)
        return cached

    url = entry.get("url")
    if url:
        import warnings

        with warnings.catch_warnings():  # pooch imports tqdm.auto: no "IProgress not found" in notebooks
            warnings.simplefilter("ignore")
            import pooch

        pooch.get_logger().setLevel(logging.WARNING)  # no "Downloading data from ..." line
        try:
            path = pooch.retrieve(
                url, known_hash=f"sha256:{entry['sha256']}", fname=Path(name).name,
                path=cached.parent, progressbar=False,
            )
        except ValueError as exc:  # pooch raises ValueError on hash mismatch
            raise ChecksumError(f"{name}: the download from {url} does not match the registry: {exc}") from exc
        except Exception as exc:  # network errors of every kind
            raise DataUnavailableError(_unavailable_message(name, entry, mirror, reason=_short_reason(exc))) from exc
        return Path(path)
    raise DataUnavailableError(_unavailable_message(name, entry, mirror))


def _short_reason(exc: BaseException) -> str:
    """A short reason for a failed download, without the HTTP library's internals."""
    text = str(exc)
    status = re.search(r"\b(\d{3}) (Client|Server) Error", text)
    if status:
        return f"the server answered HTTP {status.group(1)}"
    host = re.search(r"host='([^']+)'", text)
    if host or "NameResolution" in text or "Max retries" in text:  # urllib3's internals
        return f"no connection to {host.group(1) if host else 'the server'} (offline?)"
    if text and "\n" not in text and len(text) <= 120:
        return text
    return f"no connection ({type(exc).__name__})"


def _unavailable_message(name: str, entry: dict[str, Any], mirror: Path | None, reason: str = "") -> str:
    where = f"the mirror {mirror} has no {name}" if mirror else "no data mirror is set"
    origin = entry.get("url") or entry.get("original", "unknown origin")
    tail = f" Download failed: {reason}." if reason else " It has no public address that serves it as is."
    return (
        f"Cannot find data file {name!r}: {where}.{tail} "
        f"Set {settings.MIRROR_ENV} to a directory that holds {name} (e.g. a copy of the project's "
        f"shared/data folder), or place it at {settings.cache_dir() / 'data' / name}. Origin: {origin}."
    )
