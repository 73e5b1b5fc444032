"""Does the storage endpoint answer at all? One TCP connection, within a few seconds.

The backends retry a refused or silent endpoint with backoff before giving up: about
40 s for s3fs and gcsfs, minutes for adlfs (azure-core waits out each connection).
Before the first request to an endpoint, :func:`check_reachable` opens one TCP
connection to it (its name resolved too) with a short deadline; an endpoint that does
not accept is reported at once as one line naming the URL, never the endpoint (it may
name an account). An endpoint that answered is not asked again for a while; a
connection dropped later is the backends' and :func:`remote._call`'s retries' to
handle.

The endpoint is the one the backend's client resolved from its usual settings
(``AWS_ENDPOINT_URL``, ``STORAGE_EMULATOR_HOST``, a connection string...), so the probe
goes where the requests go. Behind a proxy (``HTTPS_PROXY``...) the endpoint is not
reached directly: no probe then.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
import urllib.request

from ckpt_gui.core.format.errors import StorageError

PROBE_TIMEOUT_S = 4.0
ANSWERED_TTL_S = 30.0  # an endpoint that answered is trusted this long

_lock = threading.Lock()
_answered: dict[tuple[str, int], float] = {}  # (host, port) -> when it last accepted


def endpoint_of(fs, url: str) -> str | None:
    """The base URL the backend's requests go to (None when it cannot be told)."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("http", "https"):
        return url
    try:
        if scheme in ("s3", "s3a"):
            return fs.s3.meta.endpoint_url  # botocore's resolution: AWS_ENDPOINT_URL, config files, region
        if scheme in ("gs", "gcs"):
            return fs._location  # STORAGE_EMULATOR_HOST, else storage.googleapis.com
        if scheme in ("az", "abfs", "abfss", "adl"):
            return fs.service_client.url  # the connection string's BlobEndpoint, or the account's host
    except Exception:  # noqa: BLE001 - a client that cannot be built fails on its first request instead
        return None
    return None


def _host_port(endpoint: str) -> tuple[str, int] | None:
    parts = urllib.parse.urlsplit(endpoint)
    if not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _behind_proxy(scheme: str, host: str) -> bool:
    proxies = urllib.request.getproxies()
    return bool(proxies.get(scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(host)


def _connect(host: str, port: int) -> str | None:
    """None when a TCP connection opens within the deadline; else why not (a class name)."""
    outcome: list[str | None] = []

    def attempt() -> None:  # in a thread: name resolution has no timeout of its own
        try:
            socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
            outcome.append(None)
        except socket.gaierror:  # the name lookup failed: said in words, not Python's class name
            outcome.append(f"cannot resolve host {host}")
        except TimeoutError:
            outcome.append("no answer")
        except ConnectionRefusedError:
            outcome.append("connection refused")
        except OSError as exc:
            outcome.append(exc.strerror or type(exc).__name__)

    thread = threading.Thread(target=attempt, name="ckpt-gui-endpoint-probe", daemon=True)
    thread.start()
    thread.join(PROBE_TIMEOUT_S + 0.5)
    return outcome[0] if outcome else "no answer"


def check_reachable(fs, url: str) -> None:
    """Raise a one-line StorageError naming ``url`` when its endpoint does not accept a
    connection within :data:`PROBE_TIMEOUT_S`."""
    endpoint = endpoint_of(fs, url)
    target = _host_port(endpoint) if endpoint else None
    if target is None or _behind_proxy(urllib.parse.urlsplit(endpoint).scheme, target[0]):
        return
    with _lock:
        answered = _answered.get(target)
    if answered is not None and time.monotonic() - answered < ANSWERED_TTL_S:
        return
    failure = _connect(*target)
    if failure is not None:
        web = endpoint == url
        what = "the web server" if web else "the storage endpoint"
        advice = "the host name in the URL" if web else "the endpoint the storage client is set up with"
        if failure.startswith("cannot resolve host"):  # the name, not the network, is the likely fault
            raise StorageError(url, f"{failure}: check the host name in the URL and the network")
        # Only silence takes the whole wait: a refusal (or an unreachable network) is said at
        # once, "connection refused within 4 s" read as if it had waited (review 22 nit 21).
        waited = f" within {PROBE_TIMEOUT_S:.0f} s" if failure == "no answer" else ""
        raise StorageError(url, f"cannot connect to {what} ({failure}{waited}): check the network and {advice}")
    with _lock:
        _answered[target] = time.monotonic()
