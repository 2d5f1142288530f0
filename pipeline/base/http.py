"""Bounded, retrying HTTP for untrusted URLs: every read is size-capped and time-limited.

Status-level retries (429, 5xx, honouring a clamped `Retry-After`) are urllib3's `Retry`;
failures while reading a body (connection dropped mid-body, truncated content) are retried
here, because urllib3 has already handed the response over by then. Redirects are followed by
hand so that every hop is checked against the same scheme and address policy.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline import __version__
from pipeline.errors import BadInput

MiB = 1024 * 1024
USER_AGENT = f"bioimage-zoo-pipeline/{__version__}"
RETRY_STATUSES = (429, 500, 502, 503, 504)
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
    if policy.allow_private or _host_port(url) in policy.trusted_hosts:
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
    session = _session(policy)
    current = url
    for _ in range(policy.max_redirects + 1):
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
    deadline = time.monotonic() + policy.read_timeout * 4
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > limit:
            raise HttpError(f"response exceeds the limit of {limit} bytes", source=url)
        if time.monotonic() > deadline:
            # A server trickling bytes would otherwise never hit the per-read timeout.
            raise requests.exceptions.Timeout(f"body not received within {policy.read_timeout * 4:.0f} s")
        if out is None:
            chunks.append(chunk)
        else:
            out.write(chunk)
    return b"".join(chunks)


def _describe(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:300] + "..."
