"""Progress bars for the long network steps: tqdm only when one is wanted.

Importing ``tqdm.auto`` in a notebook without ipywidgets prints a warning, so the quiet
default never imports it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["progress_bar"]


class _NoBar:
    """Stands in for a tqdm bar that is not shown."""

    def update(self, n: int = 1) -> None:
        """Ignore progress."""

    def close(self) -> None:
        """Nothing to close."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def progress_bar(show: bool, **kwargs: Any) -> Any:
    """A ``tqdm.auto`` bar with ``kwargs`` when ``show``, else a silent stand-in."""
    if not show:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(**kwargs)
