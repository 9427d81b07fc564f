"""Downloading reports from government websites, politely, into the raw archive.

Polite: at most `per_host_limit` requests in flight to one host, and at least `per_host_delay`
seconds between the starts of two requests to it, whichever thread sends them; government sites
are often small servers that block crawlers that hammer them.
Conditional: a URL fetched before is asked for with If-None-Match / If-Modified-Since, and a 304
means the archived copy is still current.
Resilient: connection errors, timeouts, 429 and 5xx are retried with exponential backoff; other
4xx are final.
Guarded: manifests are written by third parties, so a URL must not turn ogi into a way into the
local network. Only http and https are fetched, and every connection (the first and each
redirect's) goes to an address that was checked: the host is resolved once, each address must be
public (not loopback, private, link-local, multicast, unspecified or reserved) unless allowed by
OGI_FETCH_ALLOW_PRIVATE / OGI_FETCH_ALLOW, and the socket connects to that checked address, so a
second DNS answer (DNS rebinding) never gets a say. Downloads are streamed and cut at
Limits.max_file_bytes, gzip/deflate bodies are unpacked in steps and cut at
Limits.max_unpacked_bytes, and a whole download (headers to last byte) must finish within
Limits.fetch_timeout_s, so a server dripping one byte a second cannot hold a worker forever.
Refusals and cuts are final (not retried) and their reason is the fetch's error.

Bytes are archived (etl.archive) and referred to by sha256; what was fetched from each URL is
remembered in core.source_fetch (save_result / load_states).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import socket

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl import archive
from etl import limits as limits_module
from etl.fetch_guard import (
    AddressPolicy, FetchRefused, GuardedBackend, GuardedTransport, Resolver, check_scheme, read_capped,
)
from etl.limits import Limits


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ogi")
    except PackageNotFoundError:  # running from a checkout that was not installed
        return "dev"


USER_AGENT = f"ogi/{_version()} (+government report archive)"
MAX_REDIRECTS = 10
_REDIRECTS = {301, 302, 303, 307, 308}
# Worth trying again: the server or the network may recover. Other errors will not.
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

# Suffixes for a document whose URL does not end in a useful file name.
_SUFFIX_BY_TYPE = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/kswps": ".wps",
    "application/vnd.ms-works": ".wps",
}
# Script names say how a page was made, not what it is ("download.jsp" serving a PDF).
_SCRIPT_SUFFIXES = {".jsp", ".php", ".asp", ".aspx", ".do", ".action", ".cgi", ".ashx"}


@dataclass
class FetchResult:
    url: str
    final_url: str | None = None
    status: str = "failed"  # fetched | not_modified | failed
    sha256: str | None = None  # the archived bytes (for not_modified: the copy already archived)
    content_type: str | None = None  # media type only, e.g. "text/html"
    declared_charset: str | None = None  # as the server declared it; it may lie
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    attempts: int = 0
    error: str | None = None
    name: str | None = None  # a file name for the document; its suffix says what it is


class _HostGate:
    """Per-host limit on requests in flight and minimum spacing between their starts."""

    def __init__(self, limit: int, delay: float) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._delay = delay
        self._next_start = 0.0

    def __enter__(self) -> None:
        self._slots.acquire()
        # Reserve the next start time under the lock, then sleep outside it: each request gets
        # its own slot, at least `delay` after the previous one, in the order they got a slot.
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._delay
        time.sleep(start - now)

    def __exit__(self, *exc) -> None:
        self._slots.release()


class Fetcher:
    """Fetches URLs into the archive; thread-safe, so one Fetcher serves a whole thread pool.

    `retries` is the number of tries after the first one (so at most retries + 1 requests per
    fetch, not counting redirects). A numeric Retry-After on 429/5xx is waited for, up to
    `max_retry_after` seconds, instead of the backoff. `timeout` bounds connecting and each read;
    `limits.fetch_timeout_s` the whole download. `policy` says which addresses may be reached
    (default: public ones only, widened by OGI_FETCH_ALLOW / OGI_FETCH_ALLOW_PRIVATE); `resolve`
    replaces socket.getaddrinfo (tests give names the addresses they need).
    """

    def __init__(
        self,
        per_host_limit: int = 2,
        per_host_delay: float = 1.0,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 30.0,
        archive_root: str | Path | None = None,
        user_agent: str = USER_AGENT,
        max_retry_after: float = 60.0,
        policy: AddressPolicy | None = None,
        limits: Limits | None = None,
        resolve: Resolver = socket.getaddrinfo,
    ) -> None:
        if per_host_limit < 1:
            raise ValueError("per_host_limit must be at least 1")
        self.per_host_limit = per_host_limit
        self.per_host_delay = per_host_delay
        self.retries = retries
        self.backoff = backoff
        self.archive_root = archive_root
        self.max_retry_after = max_retry_after
        self.limits = limits or limits_module.from_env()
        self._backend = GuardedBackend(policy or AddressPolicy.from_env(), resolve)
        # Redirects are followed by hand so that every hop passes the host's gate and the scheme
        # check; the body is read by read_capped, so only encodings it unpacks are asked for.
        self._client = httpx.Client(
            transport=GuardedTransport(self._backend),
            # A host that does not answer at all is given up on sooner than a slow read.
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, previous: dict | None = None) -> FetchResult:
        """Fetch one URL. `previous` is what load_states returned for it (or None)."""
        previous = previous or {}
        headers = {}
        # Ask "changed?" only while the copy we would fall back on is really in the archive;
        # an archive that was deleted or moved gets refilled.
        if previous.get("sha256") and archive.has(previous["sha256"], self.archive_root):
            if previous.get("etag"):
                headers["If-None-Match"] = previous["etag"]
            if previous.get("last_modified"):
                headers["If-Modified-Since"] = previous["last_modified"]

        result = FetchResult(url=url)
        try:
            check_scheme(url)
        except FetchRefused as refused:
            result.error = str(refused)
            return result
        for attempt in range(self.retries + 1):
            result.attempts = attempt + 1
            wait = None  # a server-given Retry-After, else the backoff
            try:
                response = self._get(url, headers)
            except _RETRYABLE_ERRORS as exc:
                result.http_status = None
                result.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except FetchRefused as exc:
                result.http_status = None
                result.error = str(exc)
                return result
            except (httpx.HTTPError, httpx.InvalidURL, _Unfollowable) as exc:
                result.error = f"{type(exc).__name__}: {exc}"
                return result
            else:
                result.http_status = response.status_code
                result.final_url = str(response.url)
                if response.status_code == 200:
                    return self._fetched(result, response)
                if response.status_code == 304 and headers:
                    return self._not_modified(result, response, previous)
                result.error = f"HTTP {response.status_code} {response.reason_phrase} from {response.url}"
                if response.status_code != 429 and response.status_code < 500:
                    return result  # 404, 403, 410…: asking again will not help
                wait = _retry_after(response, self.max_retry_after)
            if attempt < self.retries:
                if wait is None:
                    wait = self.backoff * 2**attempt
                    wait += random.uniform(0, wait / 4)  # so that failed requests do not return in step
                time.sleep(wait)
        if self.retries:
            result.error += f" (gave up after {result.attempts} attempts)"
        return result

    def fetch_many(
        self, entries, previous_by_url: dict[str, dict] | None = None, max_workers: int = 8
    ) -> list[FetchResult]:
        """Fetch many URLs (strings or ManifestEntry) in parallel; results in input order."""
        previous_by_url = previous_by_url or {}
        urls = [getattr(entry, "url", entry) for entry in entries]
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            return list(pool.map(lambda u: self.fetch(u, previous_by_url.get(u)), urls))

    def _gate(self, url: str) -> _HostGate:
        host = (urlsplit(url).hostname or "").lower()
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(self.per_host_limit, self.per_host_delay)
            return gate

    def _get(self, url: str, headers: dict) -> _Page:
        """GET, following redirects; each hop is a request of its own host, on its own checked
        connection, within its own whole-download deadline. Only a 200's body is read."""
        for _ in range(MAX_REDIRECTS + 1):
            with self._gate(url):
                self._backend.set_deadline(
                    time.monotonic() + self.limits.fetch_timeout_s, self.limits.download_too_slow()
                )
                try:
                    with self._client.stream("GET", url, headers=headers) as response:
                        location = response.headers.get("Location")
                        if response.status_code not in _REDIRECTS or not location:
                            body = read_capped(response, self.limits) if response.status_code == 200 else b""
                            return _Page(response.status_code, response.reason_phrase, response.headers,
                                         response.url, body)
                finally:
                    self._backend.set_deadline(None)
            url = str(response.url.join(location))
            if urlsplit(url).scheme not in ("http", "https"):
                raise FetchRefused(f"refused: a redirect to {location}; only http and https URLs are fetched")
        raise _Unfollowable(f"more than {MAX_REDIRECTS} redirects")

    def _fetched(self, result: FetchResult, response: _Page) -> FetchResult:
        result.status = "fetched"
        result.error = None
        result.sha256 = archive.store(response.content, self.archive_root)
        result.content_type, result.declared_charset = _split_content_type(response.headers.get("Content-Type"))
        result.etag = response.headers.get("ETag")
        result.last_modified = response.headers.get("Last-Modified")
        result.name = document_name(
            result.final_url, result.content_type, response.headers.get("Content-Disposition")
        )
        return result

    def _not_modified(self, result: FetchResult, response: _Page, previous: dict) -> FetchResult:
        # A 304 carries no body and often not all headers: what it leaves out, the last fetch said.
        result.status = "not_modified"
        result.error = None
        result.sha256 = previous.get("sha256")
        result.content_type = previous.get("content_type")
        result.declared_charset = previous.get("declared_charset")
        result.etag = response.headers.get("ETag") or previous.get("etag")
        result.last_modified = response.headers.get("Last-Modified") or previous.get("last_modified")
        result.name = previous.get("name") or document_name(result.final_url, result.content_type, None)
        return result


@dataclass(frozen=True)
class _Page:
    """A response whose body (a 200's only) has been read within the caps."""

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    url: httpx.URL
    content: bytes


class _Unfollowable(Exception):
    """A redirect that cannot or should not be followed."""


def _retry_after(response: _Page, cap: float) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # absent, or an HTTP date: fall back on the backoff
    return min(max(seconds, 0.0), cap)


def _split_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return media_type.strip().lower() or None, charset


def document_name(url: str | None, content_type: str | None, disposition: str | None) -> str:
    """A file name for a downloaded document: the Content-Disposition filename, else the last
    segment of the URL's path, else "report"; with a suffix from the content type when the name
    has none (or only a script's, like "download.jsp")."""
    name = _disposition_filename(disposition) or _url_filename(url) or "report"
    suffix = _SUFFIX_BY_TYPE.get(content_type or "")
    current = PurePosixPath(name).suffix.lower()
    if suffix and (not current or current in _SCRIPT_SUFFIXES):
        name = (name[: -len(current)] if current else name) + suffix
    return name


def _disposition_filename(value: str | None) -> str | None:
    if not value:
        return None
    message = Message()
    message["Content-Disposition"] = value
    plain = encoded = None
    for key, param in message.get_params(header="Content-Disposition")[1:]:
        if key == "filename":
            if isinstance(param, tuple):  # filename*=UTF-8''… (RFC 6266), preferred when both are given
                encoded = collapse_rfc2231_value(param)
            else:
                plain = param
    if encoded:
        return _safe_name(encoded)
    if not plain:
        return None
    if any(ord(c) > 127 for c in plain) and all(ord(c) < 256 for c in plain):
        # Raw non-ASCII bytes in a header arrive decoded as Latin-1; Chinese servers send UTF-8
        # or GBK there. Undo and try both.
        raw = plain.encode("latin-1")
        for encoding in ("utf-8", "gb18030"):
            try:
                plain = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    elif "%" in plain:
        plain = unquote(plain)  # percent-encoded UTF-8 in a plain filename=, common in practice
    return _safe_name(plain)


def _url_filename(url: str | None) -> str | None:
    if not url:
        return None
    return _safe_name(unquote(urlsplit(url).path.rsplit("/", 1)[-1]))


def _safe_name(name: str) -> str | None:
    # Only the last path component, no control characters: the name may end up on disk.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip().strip(".")
    return name or None


# ---- state in core.source_fetch ----

_COLUMNS = (
    "url", "final_url", "etag", "last_modified", "sha256", "content_type", "declared_charset",
    "name", "last_status", "last_error", "http_status", "attempts", "fetched_at",
)
# What the last good fetch said; a failed fetch leaves these as they were.
_KEPT_ON_FAILURE = ("final_url", "etag", "last_modified", "sha256", "content_type", "declared_charset", "name")


def load_states(engine: Engine, urls) -> dict[str, dict]:
    """What was last fetched from each of the URLs that has been fetched before."""
    urls = list(urls)
    if not urls:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"select {', '.join(_COLUMNS)} from core.source_fetch where url = any(:urls)"),
            {"urls": urls},
        ).mappings()
        return {row["url"]: dict(row) for row in rows}


def save_result(engine: Engine, result: FetchResult) -> None:
    """Record a fetch. A failure keeps the previous validators and sha256, so the last good copy
    is still known (and a later fetch can still be conditional)."""
    kept = ", ".join(
        f"{c} = case when excluded.last_status = 'failed' then source_fetch.{c} else excluded.{c} end"
        for c in _KEPT_ON_FAILURE
    )
    values = {k: v for k, v in asdict(result).items() if k != "status" and k != "error"}
    values.update(last_status=result.status, last_error=result.error)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into core.source_fetch (url, final_url, etag, last_modified, sha256, content_type, "
                "declared_charset, name, last_status, last_error, http_status, attempts, fetched_at) "
                "values (:url, :final_url, :etag, :last_modified, :sha256, :content_type, :declared_charset, "
                ":name, :last_status, :last_error, :http_status, :attempts, now()) "
                f"on conflict (url) do update set {kept}, last_status = excluded.last_status, "
                "last_error = excluded.last_error, http_status = excluded.http_status, "
                "attempts = excluded.attempts, fetched_at = excluded.fetched_at"
            ),
            values,
        )
