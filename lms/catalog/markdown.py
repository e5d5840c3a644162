"""Safe Markdown: no raw HTML, no script links; relative asset links point at the course's asset route."""
from __future__ import annotations

from typing import Callable

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}


def _is_relative(url: str) -> bool:
    return bool(url) and ":" not in url.split("/")[0] and not url.startswith(("/", "#", "?"))


def render_markdown(text: str, asset_url: Callable[[str], str] | None = None) -> str:
    """HTML for ``text``. ``asset_url(path)`` maps a course-relative path (``assets/x.svg``) to a URL."""
    tokens = _md.parse(text or "")
    if asset_url is not None:
        for token in tokens:
            for child in token.children or []:
                attr = "src" if child.type == "image" else "href" if child.type == "link_open" else None
                url = child.attrGet(attr) if attr else None
                if url and _is_relative(url):
                    path = url
                    while path.startswith("../"):
                        path = path[3:]
                    if path.startswith("./"):
                        path = path[2:]
                    child.attrSet(attr, asset_url(path))
    html = _md.renderer.render(tokens, _md.options, {})
    # Defence in depth: even if the parser let something through, only safe tags and schemes survive.
    return nh3.clean(html, url_schemes=_ALLOWED_SCHEMES, link_rel="noopener noreferrer")
