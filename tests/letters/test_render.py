"""The renderer: tagged A4 PDFs, and no URL fetched but the app's own static files."""

import socket
import threading

import pytest

from incidents.letters import render
from tests.letters import pdf

HOSTILE = """<!DOCTYPE html><html lang="en-GB"><head><title>Hostile</title>
<link rel="stylesheet" href="{static}letters/letter.css">
<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">
<link rel="stylesheet" href="{static}../../../../etc/passwd.css">
<style>body {{ background: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==); }}
@import url("file:///etc/passwd");</style></head>
<body><p>Safe words.</p>
<img src="file:///etc/passwd" alt="x"><img src="http://127.0.0.1:{port}/pixel.png" alt="y">
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==" alt="z">
<a rel="attachment" href="file:///etc/passwd">attached</a>
</body></html>"""  # noqa: E501  (the data URLs are one line each)


@pytest.fixture
def listener():
    """A server on 127.0.0.1 that counts the connections it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            connections.append(connection)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_a_template_asking_for_files_servers_or_data_urls_gets_none_of_them(listener):
    port, connections = listener
    fetcher = render.LetterURLFetcher()
    html = HOSTILE.format(static=render.STATIC_BASE, port=port)

    document = render.html_to_pdf(html, fetcher=fetcher)

    assert fetcher.requested[0] == f"{render.STATIC_BASE}letters/letter.css"  # its own stylesheet loads
    refused = set(fetcher.refused)
    assert f"http://127.0.0.1:{port}/x.css" in refused
    assert f"http://127.0.0.1:{port}/pixel.png" in refused
    assert "file:///etc/passwd" in refused
    assert any(url.startswith("data:image/png") for url in refused)
    assert set(fetcher.requested) - refused == {f"{render.STATIC_BASE}letters/letter.css"}
    assert connections == []  # nothing reached the server
    assert pdf.images(document) == 0  # no image was embedded, not even the data: one
    assert b"root:" not in document and b"/EmbeddedFile" not in document
    assert "Safe words." in pdf.text(document)


@pytest.mark.parametrize("url", [
    f"{render.STATIC_BASE}letters/../../casework/settings.py",
    f"{render.STATIC_BASE}letters/%2e%2e/%2e%2e/manage.py",
    f"{render.STATIC_BASE}letters/letter.css?x=1",
    f"{render.STATIC_BASE}letters/missing.css",
    f"{render.STATIC_BASE}admin/js/core.js",  # a static file, but not a kind a letter may load
    f"{render.RESOURCE_BASE}logo",  # no logo was handed over
    "https://letter.invalid.example.org/static/letters/letter.css",
    "HTTPS://example.org/static/letters/letter.css",
])
def test_the_fetcher_refuses_anything_but_a_letter_static_file(url):
    fetcher = render.LetterURLFetcher()
    with pytest.raises(render.ResourceRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_letter_stylesheet_from_disk_and_named_resources():
    fetcher = render.LetterURLFetcher({"logo": (b"\x89PNG...", "image/png")})
    css = fetcher.fetch(f"{render.STATIC_BASE}letters/letter.css")
    assert css.content_type == "text/css" and b"DejaVu Sans" in css.read()
    assert fetcher.fetch(f"{render.RESOURCE_BASE}logo").read() == b"\x89PNG..."


def test_a_letter_is_a_tagged_a4_pdf_with_its_language_and_title():
    document = render.html_to_pdf(
        f'<html lang="en-GB"><head><title>Notice of investigation: RAI-2026-0001</title>'
        f'<link rel="stylesheet" href="{render.STATIC_BASE}letters/letter.css"></head><body><p>Hello</p></body></html>'
    )
    assert pdf.is_pdf_ua(document)
    assert pdf.language(document) == "en-GB"
    assert pdf.title(document) == "Notice of investigation: RAI-2026-0001"
    box = pdf.reader(document).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
