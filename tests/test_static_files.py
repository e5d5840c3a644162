"""Static files: content-hashed URLs, a year's cache lifetime for them, precompressed Brotli and gzip."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest

from lms.static_files import FOLDER, precompress


@pytest.fixture(scope="module", autouse=True)
def compressed():
    precompress()  # what scripts/setup.sh does


def test_pages_link_versioned_static_files(client):
    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/lms\.css\?v=[0-9a-f]{16})"', page).group(1)
    with client.get(url, headers={"Accept-Encoding": "identity"}) as r:  # file responses must be closed
        assert r.status_code == 200 and r.data == (FOLDER / "lms.css").read_bytes()
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in r.headers["Vary"] and "Content-Encoding" not in r.headers
    with client.get("/static/lms.css?v=0000000000000000") as stale:
        assert stale.headers["Cache-Control"] == "public, max-age=300"  # not this version: no year-long cache


@pytest.mark.parametrize("accept, encoding, unpack", [("gzip, deflate, br", "br", brotli.decompress),
                                                      ("gzip", "gzip", gzip.decompress)])
def test_the_best_precompressed_variant_is_sent(client, accept, encoding, unpack):
    with client.get("/static/viewer/viewer.js", headers={"Accept-Encoding": accept}) as r:
        assert r.headers["Content-Encoding"] == encoding and "javascript" in r.headers["Content-Type"]
        assert unpack(r.data) == (FOLDER / "viewer" / "viewer.js").read_bytes()


def test_only_the_static_folder_is_served(client):
    assert client.get("/static/../config.py").status_code == 404
    assert client.get("/static/lms.css.gz").status_code == 404
    assert client.get("/static/no-such.js").status_code == 404
