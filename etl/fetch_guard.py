"""What a download may reach and cost: the address rules, the connection that enforces them, and
the capped reading of a body. Used by etl.fetch; no state beyond one Fetcher's settings.

The address check sits where the socket is opened (httpcore's network backend), not in front of
the request: there the host is resolved once, every address it resolves to is checked, and the
socket connects to a checked address. Checking a URL first and letting the HTTP library resolve
the name again would let a DNS server answer "public" to the check and "127.0.0.1" to the
connection (DNS rebinding). Every redirect opens its own connection, so it is checked the same way.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpcore
import httpx

from etl.limits import Limits

ALLOW_PRIVATE_VARIABLE = "OGI_FETCH_ALLOW_PRIVATE"
ALLOW_VARIABLE = "OGI_FETCH_ALLOW"
_UNPACK_STEP = 1024 * 1024  # bytes unpacked per zlib call, so a bomb is counted as it grows

Resolver = Callable[..., list]  # socket.getaddrinfo's signature


class FetchRefused(Exception):
    """A URL, address or response ogi will not fetch or keep; the message says why. Final: a
    refused address or an oversized body does not get better by asking again."""


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses downloads may connect to. By default only public ones; an intranet mirror
    is allowed by name or network (OGI_FETCH_ALLOW), or every address (OGI_FETCH_ALLOW_PRIVATE=1).
    Deliberately not settable from a manifest: manifests are the untrusted input."""

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple = field(default=())

    @classmethod
    def allowing(cls, entries: Iterable[str]) -> AddressPolicy:
        """A policy allowing these host names and networks (CIDR, or a single address)."""
        hosts, networks = set(), []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(False, frozenset(hosts), tuple(networks))

    @classmethod
    def from_env(cls) -> AddressPolicy:
        flag = os.environ.get(ALLOW_PRIVATE_VARIABLE, "").strip().lower()
        if flag in ("1", "true", "yes", "on"):
            return cls(allow_private=True)
        if flag not in ("", "0", "false", "no", "off"):
            raise ValueError(f"{ALLOW_PRIVATE_VARIABLE} must be 1 or 0, not {flag!r}")
        return cls.allowing(os.environ.get(ALLOW_VARIABLE, "").split(","))

    def refusal(self, host: str, address: str) -> str | None:
        """Why connecting to `address` (which `host` resolved to) is refused; None when allowed."""
        if self.allow_private or host.lower().rstrip(".") in self.allowed_hosts:
            return None
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        kind = non_public_kind(ip)
        if kind is None or any(ip in network for network in self.allowed_networks):
            return None
        shown = host if host == str(ip) else f"{host} ({ip})"
        return (
            f"refused: {shown} is a {kind} address; only public addresses are fetched "
            f"(an intranet mirror can be allowed with {ALLOW_VARIABLE}=host-or-CIDR)"
        )


def non_public_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What kind of non-public address this is, or None for a public one."""
    for kind, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),  # before private, which includes 240.0.0.0/4
        ("private", ip.is_private),
    ):
        if flag:
            return kind
    # Shared (100.64/10, carrier NAT), documentation and other special ranges.
    return None if ip.is_global else "non-public"


def check_scheme(url: str) -> None:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise FetchRefused(f"refused: only http and https URLs are fetched, not {scheme or 'a relative'}:// ({url})")


class GuardedBackend(httpcore.SyncBackend):
    """Opens connections only to checked addresses, and holds each request to its deadline."""

    def __init__(self, policy: AddressPolicy, resolve: Resolver = socket.getaddrinfo) -> None:
        self.policy = policy
        self.resolve = resolve
        self._local = threading.local()  # the deadline of the request this thread is sending

    def set_deadline(self, deadline: float | None, message: str = "") -> None:
        self._local.deadline = deadline
        self._local.message = message

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = self.resolve(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        # All of them, not just the first: the connection may fall back on any.
        for address in addresses:
            reason = self.policy.refusal(host, address)
            if reason:
                raise FetchRefused(reason)
        last_error: Exception | None = None
        for address in addresses:
            try:
                # A numeric address: create_connection does not resolve anything again.
                stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
                continue
            peer = stream.get_extra_info("socket").getpeername()[0]
            if peer != address:  # cannot happen with a numeric address; cheap to make sure
                stream.close()
                raise FetchRefused(f"refused: connected to {peer}, not the checked address {address}")
            deadline = getattr(self._local, "deadline", None)
            return _DeadlineStream(stream, deadline, getattr(self._local, "message", "")) if deadline else stream
        raise last_error or httpcore.ConnectError(f"cannot connect to {host}")


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by one deadline: per-read timeouts alone let a
    server that sends a byte just before each timeout keep a download going for ever."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float, message: str) -> None:
        self._inner = inner
        self._deadline = deadline
        self._message = message

    def _remaining(self, timeout: float | None) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise FetchRefused(self._message)
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, self._remaining(timeout))
        except httpcore.ReadTimeout:
            self._remaining(None)  # the deadline, rather than the per-read timeout, ran out?
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None):
        inner = self._inner.start_tls(ssl_context, server_hostname, self._remaining(timeout))
        return _DeadlineStream(inner, self._deadline, self._message)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded backend; no proxies from the environment (a proxy
    would connect on our behalf, past the address check) and no kept-alive connections (each
    request opens its own, so it is checked and bound to its own deadline)."""

    def __init__(self, backend: GuardedBackend, verify: bool | ssl.SSLContext = True) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_keepalive_connections=0,
            network_backend=backend,
        )


class Unpacker:
    """A response body's bytes as the server encoded them (identity, gzip, deflate) → the
    document's bytes, unpacked step by step and refused past the cap (a gzip bomb)."""

    def __init__(self, content_encoding: str | None, limits: Limits) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._limits = limits
        self._total = 0
        self._pending = b""  # deflate: the first bytes, until the framing is known
        if encoding in ("", "identity"):
            self._z, self._kind = None, "identity"
        elif encoding in ("gzip", "x-gzip"):
            self._z, self._kind = zlib.decompressobj(16 + zlib.MAX_WBITS), "gzip"
        elif encoding == "deflate":
            # "deflate" means zlib-wrapped by the standard and raw deflate on some servers.
            self._z, self._kind = None, "deflate"
        else:
            raise FetchRefused(f"refused: unsupported Content-Encoding {content_encoding!r}")

    def feed(self, chunk: bytes) -> bytes:
        if self._kind == "identity":
            return chunk
        if self._z is None:
            self._pending += chunk
            if len(self._pending) < 2:
                return b""
            zlib_wrapped = self._pending[0] & 0x0F == 8 and int.from_bytes(self._pending[:2], "big") % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            chunk, self._pending = self._pending, b""
        return self._unpack(chunk)

    def finish(self) -> bytes:
        if self._kind == "identity":
            return b""
        out = self._unpack(self._pending)
        self._pending = b""
        tail = self._z.flush()
        self._count(len(tail))
        return out + tail

    def _unpack(self, data: bytes) -> bytes:
        if self._z is None:
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        out = bytearray()
        try:
            while True:
                piece = self._z.decompress(data, _UNPACK_STEP)
                out += piece
                self._count(len(piece))
                data = self._z.unconsumed_tail
                if not data and len(piece) < _UNPACK_STEP:
                    return bytes(out)
        except zlib.error as error:
            raise FetchRefused(f"the {self._kind} body is corrupt: {error}") from error

    def _count(self, n: int) -> None:
        self._total += n
        if self._total > self._limits.max_unpacked_bytes:
            raise FetchRefused(self._limits.unpacked_too_large())


def read_capped(response: httpx.Response, limits: Limits) -> bytes:
    """The body of a streamed response, cut at the caps: never more than max_file_bytes read from
    the network, nor max_unpacked_bytes unpacked from it."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limits.max_file_bytes:
        raise FetchRefused(limits.file_too_large(int(declared)))
    unpacker = Unpacker(response.headers.get("Content-Encoding"), limits)
    received = 0
    body = bytearray()
    for chunk in response.iter_raw():
        received += len(chunk)
        if received > limits.max_file_bytes:
            raise FetchRefused(limits.download_cut())
        body += unpacker.feed(chunk)
    body += unpacker.finish()
    return bytes(body)
