"""The SSRF guard: a webhook URL is called only if every address its host resolves to is public.

Refused unless explicitly allowed: loopback, private (RFC 1918, ULA), link-local (including the
cloud metadata address 169.254.169.254), shared CGNAT space, multicast, reserved, unspecified, and
documentation/benchmark ranges — also when wrapped in IPv6 (IPv4-mapped ``::ffff:…``, 6to4, NAT64
``64:ff9b::/96``). A host resolving to several addresses is refused if any of them is refused, since
the client may connect to any. The caller should connect to the addresses returned (or re-check
right before connecting): DNS may answer differently a second time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from urllib.parse import urlsplit

from .exceptions import TargetRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


async def system_resolver(host: str, port: int) -> Sequence[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def why_not_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address, or None if it is."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        reason = why_not_public(inner)
        return f"{reason} (inside {ip})" if reason else None
    for reason, flagged in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flagged:
            return reason
    if not ip.is_global:
        return "not globally routable"
    return None


def _allowed(
    ip: IPAddress, allowed_networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    return any(ip.version == net.version and ip in net for net in allowed_networks)


async def check_target(
    url: str,
    *,
    allow_non_public: bool = False,
    allowed_networks: Sequence[str] = (),
    allow_http: bool = False,
    resolver: Resolver = system_resolver,
) -> list[str]:
    """Check a webhook URL; return the addresses it resolves to, or raise ``TargetRefused``.

    ``allow_non_public`` turns the guard off (development, the embedded demo); ``allowed_networks``
    lets specific CIDRs through (a partner on the government network, ``10.20.0.0/16``); plain http
    is refused unless ``allow_http``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_http):
        raise TargetRefused(f"scheme '{parts.scheme}' is not allowed for webhooks")
    host = parts.hostname
    if not host:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not allowed; use the signing secret")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused("the port is not a number between 0 and 65535") from None
    networks = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]
    try:
        addresses: Sequence[str] = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = await resolver(host, port)
        except OSError as exc:
            raise TargetRefused(f"'{host}' does not resolve: {exc}") from None
    if not addresses:
        raise TargetRefused(f"'{host}' does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        reason = why_not_public(ip)
        if reason and not allow_non_public and not _allowed(ip, networks):
            raise TargetRefused(f"'{host}' resolves to {ip}, which is {reason}")
    return list(addresses)
