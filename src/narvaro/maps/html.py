"""Self-contained HTML for folium maps: :class:`CoverageMap`, :func:`to_html`, :func:`save_map`.

Rendering inlines Leaflet's JS and CSS from the vendored copy under
``narvaro/maps/static/leaflet`` (see ``scripts/vendor_leaflet.sh``; marker images become data:
URIs) and drops folium's CDN links (jQuery, Bootstrap, Font Awesome, awesome-markers are
not used by narvaro's maps), so a saved map opens on a machine with no access to public
CDNs. Any other remote script or stylesheet raises :class:`SelfContainedError`.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure

from ..errors import NarvaroError

_STATIC = "static/leaflet"


class SelfContainedError(NarvaroError):
    """A map uses a remote resource that narvaro has no local copy of."""


#: CDN resources folium adds by default that narvaro's maps do not use (dropped offline).
_DROPPABLE = re.compile(
    r"jquery|bootstrap|font-?awesome|fontawesome|awesome-markers|awesome\.rotate|glyphicons", re.I
)
_LEAFLET_URL = re.compile(r"/leaflet(@[\w.\-]+)?/dist/leaflet(\.min)?\.(js|css)(\?.*)?$", re.I)
_REMOTE_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"'](?P<js>(?:https?:)?//[^\"']+)[\"'][^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"'](?P<css>(?:https?:)?//[^\"']+)[\"'][^>]*/?>",
    re.I,
)
#: A tiny stand-in for the jQuery calls folium's own templates make ($(html)[0] in Popup,
#: $(document).ready in keep_in_front), so those still work without jQuery.
_JQUERY_SHIM = (
    "if (typeof window.$ === 'undefined') { window.$ = function (x) {"
    " if (typeof x === 'function') { if (document.readyState !== 'loading') { x(); }"
    " else { document.addEventListener('DOMContentLoaded', x); } return; }"
    " if (x === document) { return { ready: function (f) { window.$(f); } }; }"
    " var t = document.createElement('template'); t.innerHTML = String(x).trim();"
    " return Array.prototype.slice.call(t.content.childNodes); }; }"
)


@functools.cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (images as data: URIs) from the vendored copy."""
    root = resources.files("narvaro.maps").joinpath(_STATIC)
    try:
        js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = root.joinpath("leaflet.css").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SelfContainedError(
            "narvaro's vendored Leaflet (narvaro/maps/static/leaflet) is missing; reinstall narvaro or run "
            "scripts/vendor_leaflet.sh"
        ) from exc

    def data_uri(match: re.Match) -> str:
        name = match.group(1)
        blob = root.joinpath("images", name).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(blob).decode('ascii')})"

    css = re.sub(r"url\(\s*['\"]?images/([\w\-]+\.png)['\"]?\s*\)", data_uri, css)
    if "</script" in js.lower():
        raise SelfContainedError("vendored leaflet.js contains '</script' and cannot be inlined")
    return js, css


def leaflet_version() -> str:
    """Version of the vendored Leaflet (first line of ``static/leaflet/VERSION``)."""
    text = resources.files("narvaro.maps").joinpath(_STATIC, "VERSION").read_text(encoding="utf-8")
    return text.splitlines()[0].split()[-1]


def _inline(page: str) -> str:
    """Drop folium's CDN links, inline Leaflet; raise if another remote resource remains."""
    unknown = []

    def drop(match: re.Match) -> str:
        url = match.group("js") or match.group("css")
        if _LEAFLET_URL.search(url) or _DROPPABLE.search(url):
            return ""
        unknown.append(url)
        return match.group(0)

    page = _REMOTE_TAG.sub(drop, page)
    if unknown:
        raise SelfContainedError(
            "cannot write a self-contained map: it loads "
            + ", ".join(sorted(set(unknown)))
            + " and narvaro has no local copy; save with self_contained=False"
        )
    js, css = _leaflet_assets()
    assets = f"<style>{css}</style>\n<script>{js}</script>\n<script>{_JQUERY_SHIM}</script>\n"
    head = re.search(r"<head[^>]*>", page, re.I)
    if head is None:
        return assets + page
    return page[: head.end()] + "\n" + assets + page[head.end() :]


class _NarvaroFigure(Figure):
    """A branca Figure whose rendering is self-contained when ``self_contained`` is True."""

    def __init__(self, self_contained: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.self_contained = self_contained

    def render(self, **kwargs: Any) -> str:
        page = super().render(**kwargs)
        return _inline(page) if self.self_contained else page


class CoverageMap(folium.Map):
    """A :class:`folium.Map` that saves (and shows in Jupyter) as one self-contained HTML file.

    Parameters
    ----------
    self_contained : bool, default True
        Inline Leaflet and drop CDN links when rendering (``save``, notebook display).
    **kwargs
        Passed to :class:`folium.Map`.
    """

    def __init__(self, *args: Any, self_contained: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _NarvaroFigure(self_contained=self_contained).add_child(self)
        self.kommun_count = 0
        self.office_counts: dict[str, int] = {}

    @property
    def self_contained(self) -> bool:
        """Whether rendering inlines Leaflet (offline) or links folium's CDNs."""
        return bool(getattr(self.get_root(), "self_contained", False))

    @self_contained.setter
    def self_contained(self, value: bool) -> None:
        root = self.get_root()
        if isinstance(root, _NarvaroFigure):
            root.self_contained = bool(value)

    def to_html(self, self_contained: bool | None = None) -> str:
        """Return the whole page as a string (see :func:`to_html`)."""
        return to_html(self, self_contained=self.self_contained if self_contained is None else self_contained)

    def save(self, outfile: str | Path, self_contained: bool = True, **kwargs: Any) -> Path:  # type: ignore[override]
        """Write the map to ``outfile`` (see :func:`save_map`); returns the path."""
        return save_map(self, outfile, self_contained=self_contained)


def to_html(m: folium.Map, self_contained: bool = True) -> str:
    """Render a folium map to a whole HTML page.

    Parameters
    ----------
    m : folium.Map
        Any folium map (not only narvaro's).
    self_contained : bool, default True
        Inline the vendored Leaflet JS/CSS (marker images as data: URIs) and drop folium's
        CDN ``<script>``/``<link>`` tags (jQuery, Bootstrap, Font Awesome, awesome-markers
        are not used by narvaro's maps). Raises :class:`SelfContainedError` if the map needs
        any other remote script or stylesheet. Tile layers, if any, still need the network.
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        fig = Figure()
        fig.add_child(m)
        try:
            page = Figure.render(fig)
        finally:
            m._parent = None
    else:
        page = Figure.render(root)
    return _inline(page) if self_contained else page


def save_map(m: folium.Map, path: str | Path, self_contained: bool = True) -> Path:
    """Write ``m`` to ``path`` as one HTML file (UTF-8); create the folder; return the path.

    With ``self_contained=True`` (default) the file opens with no network: see :func:`to_html`.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(m, self_contained=self_contained), encoding="utf-8")
    return path
