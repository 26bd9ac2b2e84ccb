"""Fetching: http(s) only, timeouts, a size cap, redirects checked hop by hop, the SSRF guard, one-line errors."""

from __future__ import annotations

import time

import pytest

from bulletin.errors import SourceError
from bulletin.sources import check_address, fetch_url, load
from bulletin.sources.fetch import USER_AGENT

from helpers import LocalSite, Page, fixture_page, run_bulletin


@pytest.fixture(scope="module")
def site():
    routes = {
        "/article.html": fixture_page("article-utf8.html"),
        "/home.html": fixture_page("home.html"),
        "/report.pdf": Page(b"%PDF-1.4 ...", content_type="application/pdf"),
        "/huge.html": Page(b"<html><body>" + b"x" * 2_000_000 + b"</body></html>"),
        "/slow.html": Page(fixture_page("article-utf8.html").body, hang_s=3.0),
        "/to-file": Page(b"", status=302, headers={"Location": "file:///etc/passwd"}),
        "/loop": Page(b"", status=302, headers={"Location": "/loop"}),
        "/broken": Page(b"oops", status=500),
    }
    with LocalSite(routes) as running:
        yield running


def test_the_request_says_who_fetches(site):
    fetched = fetch_url(site.url("/article.html"))
    assert fetched.content_type == "text/html" and fetched.charset == "utf-8"
    assert site.requests[-1][1]["User-Agent"] == USER_AGENT


@pytest.mark.parametrize(
    "path, options, message",
    [
        ("/gone.html", {}, "answered 404 Not Found"),
        ("/broken", {}, "answered 500"),
        ("/report.pdf", {}, "is application/pdf, not a web page or a feed"),
        ("/home.html", {}, "no article text found on the page"),
        ("/huge.html", {"max_bytes": 1_000_000}, "larger than 1 MB"),
        ("/slow.html", {"timeout_s": 0.5}, "no answer within 0.5 s"),
        ("/to-file", {}, "redirected to file:///etc/passwd: only http:// and https://"),
        ("/loop", {}, "more than 5 redirects"),
    ],
)
def test_a_page_that_cannot_be_read_is_one_clear_error_naming_it(site, path, options, message):
    url = site.url(path)
    started = time.monotonic()
    with pytest.raises(SourceError, match=message) as caught:
        if options:
            fetch_url(url, **options)
        else:
            load(url)
    assert str(caught.value).startswith(url) and "\n" not in str(caught.value)
    assert time.monotonic() - started < 2.5  # the timeout holds (the slow page answers after 3 s)


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://example.org/news.txt", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("http://nowhere.invalid/article.html", "cannot resolve nowhere.invalid"),
        ("http://127.0.0.1:9/article.html", "cannot connect"),
        ("http:///article.html", "no host name"),
    ],
)
def test_unusable_addresses_are_refused_in_one_line(url, message):
    with pytest.raises(SourceError, match=message):
        fetch_url(url)


def test_private_addresses_are_refused_when_sources_come_from_others(site):
    with pytest.raises(SourceError, match="private or local address"):
        load(site.url("/article.html"), allow_private=False)
    for address in (
        "http://10.1.2.3/a",
        "http://192.168.0.10/a",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a",
    ):
        with pytest.raises(SourceError, match="private or local address"):
            check_address(address, allow_private=False)
    check_address("http://8.8.8.8/a", allow_private=False)  # a public address passes (nothing is sent)


def test_a_custom_fetcher_is_guarded_too(site):
    calls = []

    def fetcher(url):
        calls.append(url)
        return fetch_url(url)

    with pytest.raises(SourceError, match="private or local address"):
        load(site.url("/article.html"), allow_private=False, fetcher=fetcher)
    assert calls == []
    assert load(site.url("/article.html"), fetcher=fetcher)[0].title.startswith("Le port du Havre")


@pytest.mark.parametrize("path", ["/gone.html", "/report.pdf", "/home.html"])
def test_the_cli_refuses_a_bad_url_in_one_line_and_writes_nothing(site, path, tmp_path):
    out = tmp_path / "b.mp3"
    result = run_bulletin("generate", site.url(path), "-o", out, "--voice", "fr-siwis")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {site.url(path)}: ")
    assert list(tmp_path.iterdir()) == []
