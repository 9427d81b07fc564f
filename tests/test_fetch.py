"""Fetching against a local HTTP server that serves fixtures and misbehaves on purpose; the raw
archive; fetch state in core.source_fetch."""

from __future__ import annotations

import gzip
import hashlib
import threading
import zlib
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from etl import archive
from etl.fetch import FetchResult, Fetcher, document_name, load_states, save_result
from etl.fetch_guard import AddressPolicy
from etl.limits import Limits

OK_BODY = b"<html><body>2023 annual report</body></html>"
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
GBK_BODY = "<html>政府信息公开工作年度报告</html>".encode("gbk")
HOLD = 0.5  # how long /hold/* takes, so that requests overlap unless the client keeps them apart


@dataclass
class Seen:
    start: float
    host: str
    path: str
    headers: dict
    status: int = 0
    sent: int = 0  # body bytes written, for streamed bodies


@dataclass
class ServerState:
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter = field(default_factory=Counter)  # requests per path, for "first time" behaviour
    seen: list[Seen] = field(default_factory=list)
    in_flight: Counter = field(default_factory=Counter)  # per host, and "*" for all
    max_in_flight: Counter = field(default_factory=Counter)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


class Handler(BaseHTTPRequestHandler):
    state: ServerState

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        state = self.state
        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        with state.lock:
            path = urlsplit(self.path).path
            state.counts[path] += 1
            nth = state.counts[path]
            seen = Seen(time.monotonic(), host, self.path, dict(self.headers))
            state.seen.append(seen)
            for key in (host, "*"):
                state.in_flight[key] += 1
                state.max_in_flight[key] = max(state.max_in_flight[key], state.in_flight[key])
        try:
            status, headers, body, sleep = self.route(path, nth)
            time.sleep(sleep)
        finally:
            # Counted out before the response is sent: the client cannot start its next request
            # before it has this response, so the server never over-counts what is in flight.
            with state.lock:
                state.in_flight[host] -= 1
                state.in_flight["*"] -= 1
        seen.status = status
        try:
            if callable(body):  # a stream: written piece by piece, framed by closing the connection
                body(self, seen)
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (/slow) or cut the body (/endless)

    def route(self, path: str, nth: int):
        """(status, headers, body, seconds to sleep first) for a request."""
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/ok.html":
            if self.headers.get("If-None-Match") == ETAG:
                return 304, {"ETag": ETAG}, b"", 0
            return 200, {**html, "ETag": ETAG, "Last-Modified": LAST_MODIFIED}, OK_BODY, 0
        if path == "/moved":
            return 301, {"Location": "/ok.html"}, b"", 0
        if path == "/slow":
            return 200, html, b"<html>slow</html>", (0.8 if nth == 1 else 0)
        if path == "/flaky":
            return (500, {}, b"oops", 0) if nth <= 2 else (200, html, b"<html>flaky</html>", 0)
        if path == "/gone":
            return 404, {}, b"not here", 0
        if path == "/lying-charset":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, GBK_BODY, 0
        if path == "/busy":
            return (429, {"Retry-After": "0"}, b"", 0) if nth == 1 else (200, html, b"<html>busy</html>", 0)
        if path == "/very-busy":
            return (429, {"Retry-After": "3600"}, b"", 0) if nth == 1 else (200, html, b"<html>ok</html>", 0)
        if path == "/download.jsp":
            disposition = "attachment; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.txt"
            return 200, {"Content-Type": "text/plain", "Content-Disposition": disposition}, b"report", 0
        if path == "/gbk-name":
            # Raw GBK bytes in the header, as some servers send; http.server writes headers as Latin-1.
            raw = "年度报告.txt".encode("gbk").decode("latin-1")
            return 200, {"Content-Type": "text/plain", "Content-Disposition": f'attachment; filename="{raw}"'}, b"r", 0
        if path == "/files/":
            return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4", 0
        if path.startswith("/hold/"):
            return 200, html, f"<html>{path}</html>".encode(), HOLD
        port = self.state.port
        if path == "/to-loopback":
            return 302, {"Location": f"http://127.0.0.1:{port}/ok.html"}, b"", 0
        if path == "/to-private":
            return 302, {"Location": f"http://10.255.0.1:{port}/ok.html"}, b"", 0
        if path == "/to-file":
            return 302, {"Location": "file:///etc/passwd"}, b"", 0
        if path == "/gzip":
            return 200, {**html, "Content-Encoding": "gzip"}, gzip.compress(OK_BODY), 0
        if path == "/deflate":
            return 200, {**html, "Content-Encoding": "deflate"}, zlib.compress(OK_BODY), 0
        if path == "/raw-deflate":
            packer = zlib.compressobj(wbits=-15)
            return 200, {**html, "Content-Encoding": "deflate"}, packer.compress(OK_BODY) + packer.flush(), 0
        if path == "/gzip-bomb":
            return 200, {**html, "Content-Encoding": "gzip"}, GZIP_BOMB, 0
        if path == "/two-gigabytes":  # declared: refused before a byte of the body is read
            return 200, {}, stream(2 * GB, {"Content-Length": str(2 * GB)}), 0
        if path == "/two-gigabytes-undeclared":
            return 200, {}, stream(2 * GB), 0
        if path == "/endless":
            return 200, {}, stream(None), 0
        if path == "/drip":  # a byte every 0.1 s: no single read ever times out
            return 200, {}, stream(None, chunk=b"x", pause=0.1), 0
        if path == "/drip-headers":
            return 200, {}, drip_headers, 0
        return 404, {}, b"", 0


GB = 1024**3
GZIP_BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB in about 64 KB


def stream(total: int | None, headers: dict | None = None, chunk: bytes = b"\0" * 65536, pause: float = 0):
    """A body of `total` bytes (None: endless), written a chunk at a time and never held whole;
    `seen.status` counts what was sent, so a test can tell a cut from a full read."""

    def write(handler, seen) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        sent = 0
        while total is None or sent < total:
            piece = chunk if total is None else chunk[: total - sent]
            handler.wfile.write(piece)
            sent += len(piece)
            seen.sent = sent
            if pause:
                time.sleep(pause)

    return write


def drip_headers(handler, seen) -> None:
    for line in [b"HTTP/1.0 200 OK\r\n"] + [b"X-Drip: %d\r\n" % i for i in range(1000)]:
        for byte in line:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.05)


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1 and a free port, in a thread, for one test."""
    state = ServerState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.handle_error = lambda request, client_address: None  # clients that time out are expected
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.port = httpd.server_address[1]
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def root(tmp_path):
    return tmp_path / "archive"


# The test server listens on loopback, which a fetcher refuses by default: these tests reach it
# through the intranet-mirror setting. Tests of the refusals use other policies.
LOOPBACK_ALLOWED = AddressPolicy.allowing(["127.0.0.0/8", "::1"])


def fast_fetcher(root, **options) -> Fetcher:
    settings = dict(per_host_delay=0, backoff=0.01, timeout=5, archive_root=root, policy=LOOPBACK_ALLOWED)
    settings.update(options)
    return Fetcher(**settings)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archived_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# ---- the archive ----


def test_the_same_bytes_are_stored_once_under_their_sha256(root):
    digest = archive.store(b"report", root)
    assert digest == sha(b"report")
    path = archive.path_of(digest, root)
    assert path == root / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == b"report"
    before = path.stat().st_mtime_ns
    assert archive.store(b"report", root) == digest
    assert path.stat().st_mtime_ns == before
    assert archived_files(root) == [path]  # no temp files left behind
    assert archive.has(digest, root) and archive.load(digest, root) == b"report"


def test_the_archive_says_what_it_does_not_have(root):
    missing = sha(b"never stored")
    assert not archive.has(missing, root)
    with pytest.raises(FileNotFoundError):
        archive.load(missing, root)
    with pytest.raises(ValueError):
        archive.path_of("../../etc/passwd", root)


def test_the_default_archive_is_under_ogi_home(tmp_path, monkeypatch):
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    digest = archive.store(b"x")
    assert archive.path_of(digest) == tmp_path / "archive" / digest[:2] / digest[2:4] / digest
    assert archive.load(digest) == b"x"


# ---- fetching ----


def test_a_page_is_archived_and_a_second_fetch_is_conditional(server, root, monkeypatch):
    with fast_fetcher(root) as fetcher:
        first = fetcher.fetch(server.url("/ok.html"))
        assert first.status == "fetched" and first.http_status == 200 and first.attempts == 1
        assert first.sha256 == sha(OK_BODY) and archive.load(first.sha256, root) == OK_BODY
        assert (first.etag, first.last_modified) == (ETAG, LAST_MODIFIED)
        assert (first.content_type, first.declared_charset, first.name) == ("text/html", "utf-8", "ok.html")
        assert first.error is None

        def no_writes(*args, **kwargs):
            raise AssertionError("a 304 must not write to the archive")

        monkeypatch.setattr(archive, "store", no_writes)
        previous = {"etag": first.etag, "last_modified": first.last_modified, "sha256": first.sha256,
                    "content_type": "text/html", "declared_charset": "utf-8", "name": "ok.html"}
        second = fetcher.fetch(server.url("/ok.html"), previous)
    assert second.status == "not_modified" and second.http_status == 304
    assert (second.sha256, second.name, second.declared_charset) == (first.sha256, "ok.html", "utf-8")
    request = server.requests("/ok.html")[-1]
    assert request.headers["If-None-Match"] == ETAG
    assert request.headers["If-Modified-Since"] == LAST_MODIFIED
    assert request.headers["User-Agent"].startswith("ogi/")


def test_no_conditional_request_when_the_archived_copy_is_missing(server, root):
    previous = {"etag": ETAG, "last_modified": LAST_MODIFIED, "sha256": sha(OK_BODY)}
    with fast_fetcher(root) as fetcher:
        result = fetcher.fetch(server.url("/ok.html"), previous)
    assert result.status == "fetched" and archive.has(result.sha256, root)
    assert "If-None-Match" not in server.requests("/ok.html")[0].headers


def test_a_redirect_is_followed_and_the_final_url_recorded(server, root):
    with fast_fetcher(root) as fetcher:
        result = fetcher.fetch(server.url("/moved"))
    assert result.status == "fetched" and result.sha256 == sha(OK_BODY)
    assert result.final_url == server.url("/ok.html") and result.name == "ok.html"
    assert [s.status for s in server.seen] == [301, 200]


def test_a_timeout_is_retried(server, root):
    with fast_fetcher(root, timeout=0.3) as fetcher:
        result = fetcher.fetch(server.url("/slow"))
    assert result.status == "fetched" and result.attempts == 2
    assert archive.load(result.sha256, root) == b"<html>slow</html>"


def test_server_errors_are_retried_with_backoff(server, root):
    with fast_fetcher(root) as fetcher:
        result = fetcher.fetch(server.url("/flaky"))
    assert result.status == "fetched" and result.attempts == 3 and result.http_status == 200
    assert [s.status for s in server.seen] == [500, 500, 200]


def test_retries_run_out(server, root):
    with fast_fetcher(root, retries=1) as fetcher:
        result = fetcher.fetch(server.url("/flaky"))
    assert result.status == "failed" and result.attempts == 2 and result.http_status == 500
    assert result.sha256 is None and "HTTP 500" in result.error and "2 attempts" in result.error


def test_not_found_fails_at_once(server, root):
    with fast_fetcher(root) as fetcher:
        result = fetcher.fetch(server.url("/gone"))
    assert result.status == "failed" and result.http_status == 404 and result.attempts == 1
    assert "HTTP 404 Not Found" in result.error and len(server.seen) == 1
    assert archived_files(root) == []


def test_a_connection_error_is_retried_then_fails(root):
    # A port nobody listens on: bind one, note it, close it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with fast_fetcher(root, retries=2) as fetcher:
        result = fetcher.fetch(f"http://127.0.0.1:{port}/x")
    assert result.status == "failed" and result.attempts == 3 and result.http_status is None
    assert "ConnectError" in result.error


def test_a_lying_charset_is_recorded_as_declared_and_the_bytes_kept_as_sent(server, root):
    with fast_fetcher(root) as fetcher:
        result = fetcher.fetch(server.url("/lying-charset"))
    assert result.declared_charset == "utf-8"
    assert archive.load(result.sha256, root) == GBK_BODY


def test_too_many_requests_waits_as_told(server, root):
    with fast_fetcher(root, backoff=5) as fetcher:  # a backoff this long would show in the time
        started = time.monotonic()
        result = fetcher.fetch(server.url("/busy"))
    assert result.status == "fetched" and result.attempts == 2
    assert time.monotonic() - started < 3  # the 5 s backoff was not used


def test_a_long_retry_after_is_capped(server, root):
    with fast_fetcher(root, max_retry_after=0.05) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(server.url("/very-busy"))
    assert result.status == "fetched" and time.monotonic() - started < 3  # not an hour


@pytest.mark.parametrize(
    ("path", "name"),
    [("/download.jsp?id=7", "年度报告.txt"), ("/gbk-name", "年度报告.txt"), ("/files/", "report.pdf")],
)
def test_the_document_is_named_from_its_headers_or_url(server, root, path, name):
    with fast_fetcher(root) as fetcher:
        assert fetcher.fetch(server.url(path)).name == name


def test_document_names_without_a_server():
    assert document_name("http://x/a/2023%E5%B9%B4.txt", "text/plain", None) == "2023年.txt"
    assert document_name("http://x/view.jsp?id=1", "application/pdf", None) == "view.pdf"
    assert document_name("http://x/", None, None) == "report"
    assert document_name("http://x/", "text/html", 'attachment; filename="../../etc/r.doc"') == "r.doc"
    assert document_name("http://x/", None, "attachment; filename=%E5%B9%B4.pdf") == "年.pdf"
    both = "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E5%B9%B4.pdf"
    assert document_name("http://x/", None, both) == "年.pdf"


def test_requests_to_one_host_are_limited_and_spaced(server, root):
    urls = [server.url(f"/hold/{i}") for i in range(6)]
    with fast_fetcher(root, per_host_limit=2, per_host_delay=0.2) as fetcher:
        results = fetcher.fetch_many(urls, {}, max_workers=6)
    assert [r.final_url for r in results] == urls  # input order
    assert all(r.status == "fetched" for r in results)
    assert server.max_in_flight["127.0.0.1"] == 2  # the limit, and used
    starts = sorted(s.start for s in server.seen)
    # The fetcher spaces its starts 0.2 s apart; the server sees them through thread scheduling
    # on a busy machine, which can move one arrival by tens of ms but cannot shrink the whole span.
    assert starts[-1] - starts[0] >= 5 * 0.2 - 0.02
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.1


def test_two_hosts_proceed_independently(server, root):
    hosts = ("127.0.0.1", "localhost")
    urls = [server.url(f"/hold/{host}-{i}", host) for i in range(3) for host in hosts]
    with fast_fetcher(root, per_host_limit=1, per_host_delay=0.3) as fetcher:
        results = fetcher.fetch_many(urls, {}, max_workers=6)
    assert all(r.status == "fetched" for r in results)
    for host in hosts:
        assert server.max_in_flight[host] == 1
        starts = sorted(s.start for s in server.seen if s.host == host)
        assert len(starts) == 3
        assert min(b - a for a, b in zip(starts, starts[1:])) >= HOLD - 0.01
    assert server.max_in_flight["*"] == 2  # one on each host at the same time
    firsts = [min(s.start for s in server.seen if s.host == host) for host in hosts]
    # Had the hosts shared one gate, the second would have waited out the first's HOLD (0.5 s).
    assert abs(firsts[0] - firsts[1]) < HOLD / 2


def test_fetch_many_keeps_input_order_with_mixed_outcomes(server, root):
    urls = [server.url(p) for p in ("/gone", "/ok.html", "/flaky", "/lying-charset")]
    with fast_fetcher(root) as fetcher:
        results = fetcher.fetch_many(urls, None, max_workers=4)
    assert [r.url for r in results] == urls
    assert [r.status for r in results] == ["failed", "fetched", "fetched", "fetched"]


# ---- state in core.source_fetch ----


def test_state_round_trip_and_a_conditional_refetch(server, root, engine, monkeypatch):
    url = server.url("/ok.html")
    try:
        with fast_fetcher(root) as fetcher:
            first = fetcher.fetch(url)
            save_result(engine, first)
            state = load_states(engine, [url, server.url("/never")])
            assert list(state) == [url]
            assert state[url]["sha256"] == first.sha256 and state[url]["etag"] == ETAG
            assert state[url]["last_status"] == "fetched" and state[url]["name"] == "ok.html"
            files = archived_files(root)

            monkeypatch.setattr(archive, "store", lambda *a, **k: pytest.fail("no archive write on 304"))
            second = fetcher.fetch(url, state[url])
        assert second.status == "not_modified" and second.sha256 == first.sha256
        assert archived_files(root) == files
        save_result(engine, second)
        assert load_states(engine, [url])[url]["last_status"] == "not_modified"

        # A failure afterwards keeps what the last good fetch said.
        save_result(engine, FetchResult(url=url, status="failed", http_status=503, attempts=4, error="HTTP 503"))
        kept = load_states(engine, [url])[url]
        assert (kept["last_status"], kept["last_error"], kept["http_status"]) == ("failed", "HTTP 503", 503)
        assert (kept["sha256"], kept["etag"], kept["last_modified"]) == (first.sha256, ETAG, LAST_MODIFIED)
        assert kept["name"] == "ok.html" and kept["fetched_at"] is not None
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("delete from core.source_fetch where url = :u"), {"u": url})


def test_a_first_fetch_that_fails_is_recorded(engine):
    url = "http://127.0.0.1:9/never-worked"
    try:
        save_result(engine, FetchResult(url=url, status="failed", http_status=404, attempts=1, error="HTTP 404"))
        state = load_states(engine, [url])[url]
        assert state["last_status"] == "failed" and state["sha256"] is None
        assert load_states(engine, []) == {}
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("delete from core.source_fetch where url = :u"), {"u": url})


# ---- what a manifest URL may reach ----
# The test server listens on 127.0.0.1. Refusals are tested with policies that do not allow it,
# and each refusal test checks that the server saw no request for the refused target: the
# target was reachable, so only the check can have stopped it.


def strict_fetcher(root, **options) -> Fetcher:
    return fast_fetcher(root, policy=AddressPolicy(), **options)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/report.pdf", "gopher://x/1", "/relative.pdf"])
def test_only_http_and_https_urls_are_fetched(root, url):
    with fast_fetcher(root, policy=AddressPolicy(allow_private=True)) as fetcher:
        result = fetcher.fetch(url)
    assert result.status == "failed" and result.attempts == 0
    assert result.error.startswith("refused: only http and https URLs are fetched")
    assert archived_files(root) == []


def test_loopback_is_refused_by_default_and_the_server_never_hears_of_it(server, root, monkeypatch):
    monkeypatch.delenv("OGI_FETCH_ALLOW", raising=False)
    monkeypatch.delenv("OGI_FETCH_ALLOW_PRIVATE", raising=False)
    with fast_fetcher(root, policy=None) as fetcher:  # the policy from the (clean) environment
        for host in ("127.0.0.1", "localhost"):
            result = fetcher.fetch(server.url("/ok.html", host))
            assert result.status == "failed" and result.attempts == 1 and result.sha256 is None
            assert "is a loopback address; only public addresses are fetched" in result.error
    assert server.seen == [] and archived_files(root) == []


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("10.1.2.3", "private"), ("192.168.0.10", "private"), ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"), ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"), ("[::1]", "loopback"), ("[fe80::1]", "link-local"),
        ("[fd00::5]", "private"), ("[::ffff:127.0.0.1]", "loopback"), ("100.64.0.1", "non-public"),
    ],
)
def test_non_public_addresses_are_refused_before_connecting(root, host, kind):
    started = time.monotonic()
    with strict_fetcher(root) as fetcher:
        result = fetcher.fetch(f"http://{host}:8080/report.pdf")
    assert result.status == "failed" and result.attempts == 1
    assert f"is a {kind} address" in result.error
    assert time.monotonic() - started < 1  # refused, not a connection attempt timing out


def resolver(table: dict[str, list[str]], calls: list | None = None):
    """A getaddrinfo for made-up names; numeric hosts resolve to themselves."""
    import socket

    def resolve(host, port, type=0, **_):
        if calls is not None:
            calls.append(host)
        addresses = table.get(host, [host])
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return resolve


def test_names_are_checked_on_every_address_they_resolve_to(server, root):
    names = {"intranet.example": ["10.0.0.7"], "split.example": ["93.184.215.14", "127.0.0.1"]}
    with strict_fetcher(root, resolve=resolver(names)) as fetcher:
        inner = fetcher.fetch(f"http://intranet.example:{server.port}/ok.html")
        split = fetcher.fetch(f"http://split.example:{server.port}/ok.html")
    assert "intranet.example (10.0.0.7) is a private address" in inner.error
    assert "split.example (127.0.0.1) is a loopback address" in split.error
    assert server.seen == []


def test_the_connection_goes_to_the_address_that_was_checked(server, root):
    # report.example exists only in this resolver: the request reaching the server proves that
    # the socket was opened to the checked answer, with one resolution per connection and none
    # left to a second DNS lookup that could answer differently (DNS rebinding).
    calls = []
    policy = AddressPolicy.allowing(["report.example"])
    with fast_fetcher(root, policy=policy, resolve=resolver({"report.example": ["127.0.0.1"]}, calls)) as fetcher:
        result = fetcher.fetch(f"http://report.example:{server.port}/moved")
    assert result.status == "fetched" and result.sha256 == sha(OK_BODY)
    assert [s.host for s in server.seen] == ["report.example", "report.example"]  # the Host header kept
    assert calls == ["report.example", "report.example"]  # the redirect's connection checked again


def test_a_redirect_cannot_lead_to_a_refused_target(server, root):
    # "localhost" stands for an allowed intranet mirror; 127.0.0.1 (the same server, reachable)
    # is not allowed by name or network.
    mirror = AddressPolicy.allowing(["localhost"])
    with fast_fetcher(root, policy=mirror) as fetcher:
        allowed = fetcher.fetch(server.url("/ok.html", "localhost"))
        to_loopback = fetcher.fetch(server.url("/to-loopback", "localhost"))
        to_private = fetcher.fetch(server.url("/to-private", "localhost"))
        to_file = fetcher.fetch(server.url("/to-file", "localhost"))
    assert allowed.status == "fetched"
    assert "127.0.0.1 is a loopback address" in to_loopback.error and to_loopback.sha256 is None
    assert "10.255.0.1 is a private address" in to_private.error
    assert to_file.error == "refused: a redirect to file:///etc/passwd; only http and https URLs are fetched"
    assert [s.path for s in server.seen] == ["/ok.html", "/to-loopback", "/to-private", "/to-file"]
    assert all(r.attempts == 1 for r in (to_loopback, to_private, to_file))  # refusals are not retried


def test_the_environment_allows_an_intranet_mirror(server, root, monkeypatch):
    monkeypatch.delenv("OGI_FETCH_ALLOW_PRIVATE", raising=False)
    for setting in ("127.0.0.0/8", "mirror.example, 127.0.0.1"):
        monkeypatch.setenv("OGI_FETCH_ALLOW", setting)
        with fast_fetcher(root, policy=None) as fetcher:
            assert fetcher.fetch(server.url("/ok.html")).status == "fetched"
    monkeypatch.setenv("OGI_FETCH_ALLOW", "10.0.0.0/8")
    with fast_fetcher(root, policy=None) as fetcher:
        assert "loopback" in fetcher.fetch(server.url("/ok.html")).error
    monkeypatch.delenv("OGI_FETCH_ALLOW")
    monkeypatch.setenv("OGI_FETCH_ALLOW_PRIVATE", "1")
    with fast_fetcher(root, policy=None) as fetcher:
        assert fetcher.fetch(server.url("/ok.html")).status == "fetched"
    monkeypatch.setenv("OGI_FETCH_ALLOW_PRIVATE", "maybe")
    with pytest.raises(ValueError, match="OGI_FETCH_ALLOW_PRIVATE must be 1 or 0"):
        Fetcher()


# ---- what a download may cost ----

SMALL = Limits(max_file_bytes=1024 * 1024, max_unpacked_bytes=1024 * 1024, fetch_timeout_s=30)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/two-gigabytes", "文件大于 1 MB（2048 MB）"),  # refused on its Content-Length
        ("/two-gigabytes-undeclared", "下载大于 1 MB，已在上限处截断"),
        ("/endless", "下载大于 1 MB，已在上限处截断"),
    ],
)
def test_a_huge_or_endless_body_is_cut_at_the_cap(server, root, path, reason):
    started = time.monotonic()
    with fast_fetcher(root, limits=SMALL) as fetcher:
        result = fetcher.fetch(server.url(path))
    assert result.status == "failed" and result.error == reason and result.attempts == 1
    assert result.sha256 is None and archived_files(root) == []
    assert time.monotonic() - started < 10
    # The server streamed until the client hung up: far less than 2 GB ever left it (what the
    # kernel's socket buffers hold, at most), so the client never read the whole body.
    time.sleep(0.2)
    assert server.requests(path)[0].sent < 64 * 1024 * 1024


def test_compressed_bodies_are_unpacked_and_archived_as_the_document(server, root):
    with fast_fetcher(root, limits=SMALL) as fetcher:
        results = [fetcher.fetch(server.url(p)) for p in ("/gzip", "/deflate", "/raw-deflate")]
    assert [r.status for r in results] == ["fetched"] * 3
    assert {r.sha256 for r in results} == {sha(OK_BODY)}
    assert archive.load(results[0].sha256, root) == OK_BODY
    assert server.requests("/gzip")[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_a_gzip_bomb_is_refused_when_its_unpacked_size_passes_the_cap(server, root):
    assert len(GZIP_BOMB) < SMALL.max_file_bytes  # small on the wire: only the unpacked cap stops it
    with fast_fetcher(root, limits=SMALL) as fetcher:
        result = fetcher.fetch(server.url("/gzip-bomb"))
    assert result.status == "failed" and result.error == "解压后大于 1 MB（可能是压缩炸弹）"
    assert archived_files(root) == []


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_slow_drip_is_stopped_by_the_whole_download_timeout(server, root, path):
    # Each read gets a byte well within the 5 s read timeout; only the whole-download limit ends it.
    limits = Limits(max_file_bytes=SMALL.max_file_bytes, fetch_timeout_s=1.0)
    started = time.monotonic()
    with fast_fetcher(root, limits=limits, timeout=5) as fetcher:
        result = fetcher.fetch(server.url(path))
    elapsed = time.monotonic() - started
    assert result.status == "failed" and result.error == "下载超过 1 秒，已中断"
    assert result.attempts == 1 and 1.0 <= elapsed < 3
