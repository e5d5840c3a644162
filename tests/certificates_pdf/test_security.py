"""Hostile names and hostile templates fetch nothing outside the template folder."""
from __future__ import annotations

import base64
import os
import socket
import threading
import zlib
from pathlib import Path

import pytest
from certificates_pdf_helpers import DEFAULT_TEMPLATE, make_data, pdftotext

from lms.certificates.pdf import CertificateRenderer
from lms.certificates.pdf_fetcher import BASE_URL, AssetRefused, TemplateAssetFetcher

PASSWD = Path("/etc/passwd")
PASSWD_MARK = b"root:x:0:0" if PASSWD.exists() and b"root:x:0:0" in PASSWD.read_bytes() else None


def _inflated_streams(pdf: bytes) -> bytes:
    """The PDF with every Flate stream decompressed, to grep for leaked data."""
    out, pos = [pdf], 0
    while (start := pdf.find(b"stream", pos)) != -1:
        start += len(b"stream")
        start += 2 if pdf[start:start + 2] == b"\r\n" else 1
        end = pdf.find(b"endstream", start)
        if end == -1:
            break
        try:
            out.append(zlib.decompressobj().decompress(pdf[start:end]))
        except zlib.error:
            pass
        pos = end
    return b"\n".join(out)


class _Listener:
    """A loopback TCP listener that counts connections (a stand-in web server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = _Listener()
    yield server
    server.close()


def test_html_in_the_holder_name_prints_as_text(renderer, tmp_path, listener):
    name = f'<img src="file:///etc/passwd"><script>alert(1)</script><img src="http://127.0.0.1:{listener.port}/x.png">Ali'
    before = renderer.fetcher.refused_count
    html = renderer.render_html([make_data(holder_name=name)])
    assert "<script>" not in html and "&lt;script&gt;" in html
    pdf = renderer.render_one(make_data(holder_name=name))
    text = pdftotext(pdf, tmp_path)
    assert "<script>alert(1)</script>" in text.replace("\n", "")
    assert 'src="file:///etc/passwd"' in text.replace("\n", "")
    assert renderer.fetcher.refused_count == before  # nothing was even attempted
    assert listener.connections == 0
    if PASSWD_MARK:
        assert PASSWD_MARK not in _inflated_streams(pdf)


def _hostile_template(folder: Path, port: int) -> None:
    folder.mkdir()
    (folder / "ok.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
    )
    (folder / "leak.svg").symlink_to("/etc/passwd")  # symlink escape
    (folder / "fonts").mkdir()
    (folder / "fonts" / "leak.ttf").symlink_to("/etc/passwd")
    (folder / "template.html").write_text(f"""<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">
<link rel="attachment" href="file:///etc/passwd">
</head><body>
{{% for c in certificates %}}
<section>
<p>{{{{ c.holder_name }}}}</p>
<img src="file:///etc/passwd">
<img src="../../../../../../etc/passwd">
<img src="/etc/passwd">
<img src="%2e%2e/%2e%2e/%2e%2e/etc/passwd.svg">
<img src="leak.svg">
<img src="http://127.0.0.1:{port}/x.png">
<img src="https://127.0.0.1:{port}/x.png">
<img src="ok.svg" class="ok">
<object data="file:///etc/passwd"></object>
<embed src="file:///etc/passwd">
<iframe src="file:///etc/passwd"></iframe>
<svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>
<div class="bg"></div>
</section>
{{% endfor %}}
</body></html>""")
    (folder / "style.css").write_text(f"""
@import url("file:///etc/passwd");
@import "http://127.0.0.1:{port}/evil.css";
@import "../../../../etc/passwd";
@font-face {{ font-family: Leak; src: url("file:///etc/passwd"); }}
@font-face {{ font-family: Leak2; src: url("fonts/leak.ttf"); }}
@font-face {{ font-family: Leak3; src: local("DejaVu Sans"); }}
@page {{ size: A4 landscape; margin: 10mm; }}
section {{ height: 150mm; overflow: hidden; }}
img, object, embed, iframe, svg {{ width: 5mm; height: 5mm; display: inline-block; }}
body {{ font-family: Leak, Leak2, Leak3, serif; }}
.bg {{ height: 10mm; background: url("file:///etc/passwd"), url("/etc/passwd"),
       url("http://127.0.0.1:{port}/bg.png"); }}
section::after {{ content: url("file:///etc/passwd"); }}
""")


def test_hostile_template_fetches_nothing_outside_its_folder(tmp_path, listener):
    folder = tmp_path / "hostile"
    _hostile_template(folder, listener.port)
    renderer = CertificateRenderer(folder)
    pdf = renderer.render_one(make_data(language="en", holder_name="Hostile Test"))

    fetcher = renderer.fetcher
    served = list(fetcher.served)
    refused = [url for url, _reason in fetcher.refused]
    # only the template's own harmless asset was served
    assert served and all(url == BASE_URL + "ok.svg" for url in served), served
    # and the attempts were seen and refused
    joined = "\n".join(refused)
    assert "file:///etc/passwd" in joined
    assert f"127.0.0.1:{listener.port}" in joined
    assert BASE_URL + "leak.svg" in joined
    assert BASE_URL + "fonts/leak.ttf" in joined
    assert BASE_URL + "etc/passwd" in joined
    assert any(url.startswith("file:") and "DejaVu" in url for url in refused)  # local() font
    assert listener.connections == 0

    assert "Hostile Test" in pdftotext(pdf, tmp_path)
    if PASSWD_MARK:
        assert PASSWD_MARK not in _inflated_streams(pdf)


# -- the fetcher on its own ----------------------------------------------------------

@pytest.fixture
def asset_folder(tmp_path):
    folder = tmp_path / "tpl"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "a.png").write_bytes(b"\x89PNG fake")
    (folder / "style.css").write_text("p{}")
    (folder / "notes.txt").write_text("not an asset")
    (folder / ".hidden.svg").write_text("<svg/>")
    (folder / "alias.png").symlink_to(folder / "img" / "a.png")  # inside: fine
    (folder / "escape.png").symlink_to(tmp_path / "outside.png")
    (tmp_path / "outside.png").write_bytes(b"secret")
    return folder


def _fetch(fetcher, url):
    response = fetcher.fetch(url)
    try:
        return response.read(), response.content_type
    finally:
        response.close()


def test_fetcher_serves_template_assets(asset_folder):
    fetcher = TemplateAssetFetcher(asset_folder)
    assert _fetch(fetcher, BASE_URL + "img/a.png") == (b"\x89PNG fake", "image/png")
    assert _fetch(fetcher, BASE_URL + "style.css?v=1#x")[1] == "text/css"
    assert _fetch(fetcher, BASE_URL + "alias.png")[0] == b"\x89PNG fake"
    assert _fetch(fetcher, BASE_URL + "img/%61.png")[0] == b"\x89PNG fake"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://127.0.0.1/x.png",
        "https://example.org/x.png",
        "ftp://example.org/x.png",
        "https://certificate-template.invalid.evil.org/img/a.png",
        "https://user@certificate-template.invalid/img/a.png",
        "http://certificate-template.invalid/img/a.png",
        BASE_URL + "../outside.png",
        BASE_URL + "img/../../outside.png",
        BASE_URL + "%2e%2e/outside.png",
        BASE_URL + "%2E%2E%2Foutside.png",
        BASE_URL + "img%5c..%5c..%5coutside.png",
        BASE_URL + "escape.png",
        BASE_URL + "notes.txt",
        BASE_URL + ".hidden.svg",
        BASE_URL + "img",
        BASE_URL,
        BASE_URL + "missing.png",
        BASE_URL + "img/a.png%00.png",
        "img/a.png",
        "/etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses(asset_folder, url):
    fetcher = TemplateAssetFetcher(asset_folder)
    with pytest.raises(AssetRefused):
        fetcher.fetch(url)
    assert fetcher.refused and fetcher.refused[-1][0] == url
    assert not fetcher.served


def test_fetcher_data_urls_have_a_size_limit(asset_folder):
    fetcher = TemplateAssetFetcher(asset_folder, max_data_url_bytes=1024)
    small = base64.b64encode(b"x" * 1000).decode()
    assert _fetch(fetcher, f"data:image/png;base64,{small}") == (b"x" * 1000, "image/png")
    assert _fetch(fetcher, "data:,hello%20world")[0] == b"hello world"
    big = base64.b64encode(os.urandom(1100)).decode()
    with pytest.raises(AssetRefused):
        fetcher.fetch(f"data:image/png;base64,{big}")
    with pytest.raises(AssetRefused):
        fetcher.fetch("data:text/plain," + "%41" * 1025)
    with pytest.raises(AssetRefused):
        fetcher.fetch("data:text/plain," + "A" * 100_000)


def test_fetcher_refuses_oversized_assets(asset_folder):
    (asset_folder / "huge.png").write_bytes(b"0" * 5000)
    fetcher = TemplateAssetFetcher(asset_folder, max_asset_bytes=4096)
    with pytest.raises(AssetRefused):
        fetcher.fetch(BASE_URL + "huge.png")


def test_default_template_loads_only_its_own_files():
    renderer = CertificateRenderer(DEFAULT_TEMPLATE)
    renderer.render_one(make_data())
    assert not renderer.fetcher.refused
    assert set(renderer.fetcher.served) == {
        BASE_URL + "fonts/NotoSerif-Regular.ttf",
        BASE_URL + "fonts/NotoSerif-Bold.ttf",
        BASE_URL + "fonts/NotoSerif-Italic.ttf",
        BASE_URL + "logo.svg",
        BASE_URL + "frame.svg",
        BASE_URL + "ornament.svg",
    }
