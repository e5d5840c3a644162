"""Safe Markdown: no raw HTML, no script links; relative asset links point at the course's asset route."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}


def _is_relative(url: str) -> bool:
    return bool(url) and ":" not in url.split("/")[0] and not url.startswith(("/", "#", "?"))


@lru_cache(maxsize=512)
def render_markdown(text: str, asset_base: str | None = None) -> str:
    """HTML for ``text``; course-relative links (``assets/x.svg``) become ``asset_base`` + path.

    Pure and cached: the same lesson is rendered once per process, not on every page view."""
    tokens = _md.parse(text or "")
    if asset_base is not None:
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
                    # markdown-it has already percent-encoded the link: decode it once, then quote
                    # the file name as url_for quotes a path argument (no double encoding).
                    child.attrSet(attr, asset_base + quote(unquote(path), safe="!$&'()*+,/:;=@"))
    for token in tokens:
        if token.children:
            token.children = _images_open_full_size(token.children)
    html = _md.renderer.render(tokens, _md.options, {})
    # Defence in depth: even if the parser let something through, only safe tags and schemes survive.
    return nh3.clean(html, url_schemes=_ALLOWED_SCHEMES, link_rel="noopener noreferrer")


def _images_open_full_size(children: list[Token]) -> list[Token]:
    """Each image not already inside a link links to itself: on a phone a diagram's labels are small, and a
    tap opens it at full size."""
    out: list[Token] = []
    depth = 0
    for child in children:
        depth += 1 if child.type == "link_open" else -1 if child.type == "link_close" else 0
        if child.type == "image" and depth == 0 and child.attrGet("src"):
            link = Token("link_open", "a", 1)
            link.attrSet("href", child.attrGet("src"))
            link.attrSet("class", "figure-link")
            out += [link, child, Token("link_close", "a", -1)]
        else:
            out.append(child)
    return out
