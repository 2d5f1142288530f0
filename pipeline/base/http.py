"""Bounded, retrying HTTP for untrusted URLs: every read is size-capped and time-limited.

Status-level retries (429, 5xx, honouring a clamped `Retry-After`) are urllib3's `Retry`;
failures while reading a body (connection dropped mid-body, truncated content) are retried
here, because urllib3 has already handed the response over by then. Redirects are followed by
hand so that every hop is checked against the same scheme and address policy.

Hosts named inside RDFs may not be private or loopback addresses. An operator can name
exceptions in the environment, both off by default (docs/security.md): `ZOO_MIRRORS`
(`PUBLIC_URL=MIRROR_URL,...`: every URL under a public prefix is fetched from the mirror, whose
host is trusted, while stores and published files keep the public URL) and `ZOO_TRUSTED_HOSTS`
(`host[:port],...`: hosts that may resolve to private addresses, e.g. an on-premise mirror of
Zenodo that stored URLs name directly).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline import __version__
from pipeline.errors import BadInput

MiB = 1024 * 1024
USER_AGENT = f"bioimage-zoo-pipeline/{__version__}"
RETRY_STATUSES = (429, 500, 502, 503, 504)
BODY_TIMEOUT_FACTOR = 4  # a whole response (all redirects, headers, body) gets 4 read timeouts of wall time
CHUNK_BYTES = 64 * 1024
BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ContentDecodingError,
)


class HttpError(BadInput):
    """A URL that could not be fetched within the policy; `status` is the HTTP status if any."""

    def __init__(self, msg: str, *, source: str | None = None, status: int | None = None):
        self.status = status
        super().__init__(msg, source=source)


@dataclass(frozen=True)
class HttpPolicy:
    """Limits for one kind of fetch; the defaults suit URLs found inside RDFs."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 64 * MiB
    retries: int = 4
    backoff: float = 0.5
    max_retry_after: float = 30.0
    max_redirects: int = 5
    # Hosts an operator configured (the Zenodo base URL, a test server) may be private or
    # loopback; hosts named by strangers inside RDFs may not.
    trusted_hosts: frozenset[str] = field(default_factory=frozenset)
    allow_private: bool = False

    def trusting(self, *urls: str) -> "HttpPolicy":
        hosts = {_host_port(u) for u in urls if u.startswith(("http://", "https://"))}
        return _replace(self, trusted_hosts=self.trusted_hosts | hosts)


MIRRORS_VARIABLE = "ZOO_MIRRORS"
TRUSTED_VARIABLE = "ZOO_TRUSTED_HOSTS"


@dataclass(frozen=True)
class OperatorHosts:
    """What an operator configured in the environment: mirrors (public URL prefix -> mirror URL
    prefix, longest first) and hosts that may resolve to private addresses. Both off by default."""

    mirrors: tuple[tuple[str, str], ...] = ()
    trusted: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, mirrors: str, trusted: str) -> "OperatorHosts":
        pairs = []
        for item in filter(None, re.split(r"[,\s]+", mirrors)):
            public, sep, mirror = item.partition("=")
            if not sep or not _is_http(public) or not _is_http(mirror):
                raise BadInput(f"expected PUBLIC_URL=MIRROR_URL pairs of http(s) URLs, got {item!r}",
                               source=MIRRORS_VARIABLE)
            pairs.append((public.rstrip("/"), mirror.rstrip("/")))
        hosts = set()
        for item in filter(None, re.split(r"[,\s]+", trusted)):
            if "/" in item or not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", item):
                raise BadInput(f"expected host or host:port names, got {item!r}", source=TRUSTED_VARIABLE)
            hosts.add(item.lower())
        hosts |= {_host_port(m) for _, m in pairs}  # a mirror the operator named is trusted
        return cls(tuple(sorted(pairs, key=lambda p: -len(p[0]))), frozenset(hosts))

    def map(self, url: str) -> str:
        for public, mirror in self.mirrors:
            if url == public or url.startswith(public + "/") or url.startswith(public + "?"):
                return mirror + url[len(public):]
        return url

    def trusts(self, url: str) -> bool:
        host_port = _host_port(url)
        return host_port in self.trusted or host_port.rsplit(":", 1)[0] in self.trusted


def operator_hosts() -> OperatorHosts:
    """The environment's ZOO_MIRRORS and ZOO_TRUSTED_HOSTS (read on every call: cheap, and tests
    and long-running processes see changes)."""
    return _parsed(os.environ.get(MIRRORS_VARIABLE, ""), os.environ.get(TRUSTED_VARIABLE, ""))


@lru_cache(maxsize=8)
def _parsed(mirrors: str, trusted: str) -> OperatorHosts:
    return OperatorHosts.parse(mirrors, trusted)


def mirrored(url: str) -> str:
    """`url` as it is fetched: on the operator's mirror when one covers it."""
    return operator_hosts().map(url)


def _is_http(value: str) -> bool:
    return value.startswith(("http://", "https://")) and bool(urlsplit(value).hostname)


def _replace(policy: HttpPolicy, **changes: Any) -> HttpPolicy:
    from dataclasses import replace

    return replace(policy, **changes)


class _ClampedRetry(Retry):
    """urllib3's Retry, but a hostile `Retry-After: 999999` cannot stall a run."""

    max_retry_after = 30.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)


_sessions = threading.local()
_deadlines = threading.local()  # the wall-clock end of the request this thread is making, if any


def _expire(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read: the server had its time
        except OSError:
            pass


class _DeadlineMixin:
    """A connection whose response headers must arrive before the request's deadline: a server
    trickling its status line and headers a byte at a time never trips the per-read timeout."""

    def getresponse(self) -> Any:
        end = getattr(_deadlines, "end", None)
        timer = threading.Timer(max(0.0, end - time.monotonic()), _expire, (self,)) if end else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            return super().getresponse()  # type: ignore[misc]
        finally:
            if timer:
                timer.cancel()


class _DeadlineHTTPConnection(_DeadlineMixin, urllib3.connection.HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineMixin, urllib3.connection.HTTPSConnection):
    pass


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


def _session(policy: HttpPolicy) -> requests.Session:
    key = (policy.retries, policy.backoff, policy.max_retry_after)
    cache = getattr(_sessions, "by_key", None)
    if cache is None:
        cache = _sessions.by_key = {}
    if key not in cache:
        retry_cls = type("Retry", (_ClampedRetry,), {"max_retry_after": policy.max_retry_after})
        retry = retry_cls(
            total=policy.retries,
            # Connection errors and timeouts are retried by fetch_bytes' own loop, once.
            connect=0,
            read=0,
            other=0,
            status=policy.retries,
            backoff_factor=policy.backoff,
            backoff_max=policy.max_retry_after,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            redirect=False,
        )
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
        adapter.poolmanager.pool_classes_by_scheme = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        cache[key] = session
    return cache[key]


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def check_url(url: str, policy: HttpPolicy) -> None:
    """Raise HttpError unless `url` is http(s) to a host the policy lets us reach."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise HttpError(f"only http(s) URLs can be fetched, got scheme {parts.scheme!r}", source=url)
    if not parts.hostname:
        raise HttpError("URL has no host", source=url)
    if policy.allow_private or _host_port(url) in policy.trusted_hosts or operator_hosts().trusts(url):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise HttpError(f"cannot resolve host {parts.hostname!r}: {e}", source=url) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise HttpError(
                f"refusing to fetch from non-public address {address} ({parts.hostname})", source=url
            )


def fetch_bytes(url: str, *, policy: HttpPolicy | None = None, max_bytes: int | None = None) -> bytes:
    """GET `url` and return its body, at most `max_bytes` (the policy's cap by default)."""
    policy = policy or HttpPolicy()
    limit = policy.max_bytes if max_bytes is None else max_bytes
    attempt = 0
    while True:
        try:
            return _fetch_once(url, policy, limit)
        except BODY_ERRORS as e:
            attempt += 1
            if attempt > policy.retries:
                raise HttpError(f"failed after {attempt} attempts: {_describe(e)}", source=url) from None
            time.sleep(min(policy.backoff * 2 ** (attempt - 1), policy.max_retry_after))


def download(url: str, dest: Path, *, policy: HttpPolicy | None = None, max_bytes: int | None = None) -> int:
    """GET `url` into the file `dest`, streamed (never whole in memory), at most `max_bytes`; its size."""
    policy = policy or HttpPolicy()
    limit = policy.max_bytes if max_bytes is None else max_bytes
    attempt = 0
    while True:
        try:
            with open(dest, "wb") as out:  # a retry starts the file afresh
                _fetch_once(url, policy, limit, out)
                return out.tell()
        except BODY_ERRORS as e:
            attempt += 1
            if attempt > policy.retries:
                raise HttpError(f"failed after {attempt} attempts: {_describe(e)}", source=url) from None
            time.sleep(min(policy.backoff * 2 ** (attempt - 1), policy.max_retry_after))


def fetch_json(url: str, *, policy: HttpPolicy | None = None, max_bytes: int | None = None) -> Any:
    """GET `url` as JSON; a truncated or invalid body is retried, then a clear HttpError."""
    policy = policy or HttpPolicy()
    attempt = 0
    while True:
        body = fetch_bytes(url, policy=policy, max_bytes=max_bytes)
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            attempt += 1
            if attempt > policy.retries:
                raise HttpError(f"invalid JSON ({e})", source=url) from None
            time.sleep(min(policy.backoff * 2 ** (attempt - 1), policy.max_retry_after))


def _fetch_once(url: str, policy: HttpPolicy, limit: int, out: BinaryIO | None = None) -> bytes:
    seconds = policy.read_timeout * BODY_TIMEOUT_FACTOR
    _deadlines.end = time.monotonic() + seconds
    try:
        return _follow(url, policy, limit, out)
    except BODY_ERRORS:
        if time.monotonic() >= _deadlines.end:  # cut off by the deadline: not retried
            raise HttpError(f"response not received within {seconds:.0f} s", source=url) from None
        raise
    finally:
        _deadlines.end = None


def _follow(url: str, policy: HttpPolicy, limit: int, out: BinaryIO | None) -> bytes:
    session = _session(policy)
    current = url
    for _ in range(policy.max_redirects + 1):
        current = mirrored(current)  # every hop: a mirror may redirect to another mirrored host
        check_url(current, policy)
        response = session.get(
            current,
            stream=True,
            allow_redirects=False,
            timeout=(policy.connect_timeout, policy.read_timeout),
        )
        with response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                current = urljoin(current, location)
                continue
            if response.status_code >= 400:
                raise HttpError(f"HTTP {response.status_code} {response.reason}", source=url,
                                status=response.status_code)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise HttpError(f"response of {int(declared)} bytes exceeds the limit of {limit}",
                                source=url)
            return _read_bounded(response, limit, url, policy, out)
    raise HttpError(f"more than {policy.max_redirects} redirects", source=url)


def _read_bounded(response: requests.Response, limit: int, url: str, policy: HttpPolicy,
                  out: BinaryIO | None = None) -> bytes:
    """The body, at most `limit` bytes, within one wall-clock deadline for all of it.

    Reads return as soon as any bytes arrive (`read1`) and the socket's timeout is the time left,
    so a server trickling a byte at a time is cut off at the deadline, not after a whole chunk."""
    seconds = policy.read_timeout * BODY_TIMEOUT_FACTOR
    deadline = getattr(_deadlines, "end", None) or time.monotonic() + seconds
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise HttpError(f"body not received within {seconds:.0f} s", source=url)
        if sock is not None:
            sock.settimeout(min(policy.read_timeout, left))
        try:
            chunk = raw.read1(CHUNK_BYTES, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            if time.monotonic() >= deadline:
                raise HttpError(f"body not received within {seconds:.0f} s", source=url) from None
            timeout = isinstance(e, (urllib3.exceptions.TimeoutError, TimeoutError))
            raise (requests.exceptions.Timeout if timeout else requests.exceptions.ConnectionError)(str(e)) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise HttpError(f"response exceeds the limit of {limit} bytes", source=url)
        if out is None:
            chunks.append(chunk)
        else:
            out.write(chunk)


def _describe(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:300] + "..."
