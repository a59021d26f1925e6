"""The SSRF guard: loopback, private, link-local, multicast and reserved targets are refused unless
explicitly allowed, also behind DNS names and inside IPv6."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from notify_service.webhook import TargetRefused, check_target


def resolver(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


DNS = resolver(
    {
        "partner.example.vn": ["1.1.1.1", "2606:4700::1111"],
        "inside.example.vn": ["10.0.0.5"],
        "mixed.example.vn": ["1.1.1.1", "192.168.1.10"],
        "metadata.example.vn": ["169.254.169.254"],
        "v6-mapped.example.vn": ["::ffff:127.0.0.1"],
        "nat64.example.vn": ["64:ff9b::a00:5"],
    }
)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.5/hook", "private"),
        ("https://[::1]:8443/hook", "loopback"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://[ff02::1]/hook", "multicast"),
        ("https://240.0.0.1/hook", "reserved"),
        ("https://100.64.0.1/hook", "not globally routable"),
        ("https://[fc00::1]/hook", "private"),
        ("https://inside.example.vn/hook", "private"),
        ("https://mixed.example.vn/hook", "private"),
        ("https://metadata.example.vn/hook", "link-local"),
        ("https://v6-mapped.example.vn/hook", "loopback (inside ::ffff:7f00:1)"),
        ("https://nat64.example.vn/hook", "private (inside 64:ff9b::a00:5)"),
        ("https://[2002:a00:5::1]/hook", "private (inside 2002:a00:5::1)"),
    ],
)
async def test_non_public_targets_are_refused_by_default(url, reason):
    with pytest.raises(TargetRefused, match=f"which is {re.escape(reason)}$"):
        await check_target(url, resolver=DNS)


async def test_localhost_is_refused_through_the_real_resolver():
    with pytest.raises(TargetRefused, match="loopback"):
        await check_target("https://localhost:9000/hook")


async def test_public_targets_pass_and_return_what_to_connect_to():
    assert await check_target("https://partner.example.vn/hook", resolver=DNS) == [
        "1.1.1.1",
        "2606:4700::1111",
    ]
    assert await check_target("https://1.1.1.1:8443/hook") == ["1.1.1.1"]


async def test_explicit_allowances():
    assert await check_target("https://10.0.0.5/hook", allowed_networks=["10.0.0.0/8"]) == ["10.0.0.5"]
    with pytest.raises(TargetRefused):
        await check_target("https://10.0.0.5/hook", allowed_networks=["10.1.0.0/16"])
    assert await check_target("http://127.0.0.1:8000/hook", allow_non_public=True, allow_http=True) == [
        "127.0.0.1"
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://partner.example.vn/hook", "scheme 'http'"),
        ("ftp://partner.example.vn/hook", "scheme 'ftp'"),
        ("https:///hook", "no host"),
        ("https://user:pw@partner.example.vn/hook", "credentials"),
        ("https://partner.example.vn:99999/hook", "port"),
        ("https://nowhere.example.vn/hook", "does not resolve"),
    ],
)
async def test_malformed_or_unresolvable_urls_are_refused(url, message):
    with pytest.raises(TargetRefused, match=message):
        await check_target(url, resolver=DNS)
