"""Where a webhook may go: https to public addresses only, so a webhook URL cannot reach inside.

A URL is checked on the addresses its host resolves to (every one of them), both
when it is entered and again at each delivery, which then connects to the very
address it checked (a name that re-resolves to an inside address in between —
DNS rebinding — is never connected to). Plain http, and https, to loopback are
allowed only when the configuration says so (development and tests).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

_NAT64 = ipaddress.ip_network("64:ff9b::/96")

REFUSED_ADDRESS = ("The webhook URL must point at a public address; private, loopback, link-local and "
                   "cloud metadata addresses are refused.")
REFUSED_SCHEME = "The webhook URL must start with https://."


class RefusedTarget(ValueError):
    """The URL is malformed or leads somewhere a webhook must not go; the message says which."""


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the address to connect to."""

    scheme: str
    host: str  # as written in the URL: what TLS verifies and the Host header names
    port: int
    address: str
    path: str  # with the query, if any

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id names an interface, not an address
    if isinstance(ip, ipaddress.IPv6Address):
        return _embedded_ipv4(ip) or ip
    return ip


def is_public_address(address: str) -> bool:
    """True for an address on the public internet; False for private, loopback, link-local (and so
    cloud metadata), shared, reserved, multicast and unspecified ones, also when embedded in IPv6."""
    ip = _parse(address)
    return ip.is_global and not ip.is_multicast


def is_loopback_address(address: str) -> bool:
    return _parse(address).is_loopback


def check_target(url: str, *, allow_loopback: bool) -> Target:
    """The `Target` of `url`, resolved now, or `RefusedTarget`.

    https to public addresses is allowed; with `allow_loopback`, http or https to loopback too.
    Raises `socket.gaierror` when the host cannot be resolved (which may pass).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise RefusedTarget("The webhook URL is not a valid URL.") from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedTarget("The webhook URL is not a valid URL: it needs https:// and a host name.")
    if parts.username or parts.password:
        raise RefusedTarget("The webhook URL must not carry a user name or password.")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = [info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)]
    loopback = [is_loopback_address(a) for a in addresses]
    if allow_loopback and all(loopback):
        pass
    elif any(loopback) or not all(is_public_address(a) for a in addresses):
        raise RefusedTarget(REFUSED_ADDRESS)
    elif parts.scheme != "https":
        raise RefusedTarget(REFUSED_SCHEME)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, addresses[0], path)
