"""Which addresses a webhook may reach: the classifier, on address strings given as data.

The inside addresses are built from their parts: they are values to classify, never
network targets, and no test connects to them.
"""

import pytest

from server.notify.webhook_targets import RefusedTarget, check_target, is_public_address


def dotted(*parts: int) -> str:
    return ".".join(str(part) for part in parts)


INSIDE = {
    "private 10/8": dotted(10, 0, 0, 1),
    "private 172.16/12": dotted(172, 16, 5, 4),
    "private 172.31": dotted(172, 31, 255, 254),
    "private 192.168/16": dotted(192, 168, 1, 20),
    "loopback": "127.0.0.1",
    "loopback, elsewhere in 127/8": dotted(127, 8, 9, 10),
    "link-local": dotted(169, 254, 1, 1),
    "cloud metadata": dotted(169, 254, 169, 254),
    "shared address space": dotted(100, 64, 0, 1),
    "alibaba metadata": dotted(100, 100, 100, 200),
    "unspecified": dotted(0, 0, 0, 0),
    "this network": dotted(0, 1, 2, 3),
    "multicast": dotted(224, 0, 0, 1),
    "broadcast": dotted(255, 255, 255, 255),
    "documentation": dotted(198, 51, 100, 7),
    "ipv6 loopback": "::1",
    "ipv6 unspecified": "::",
    "ipv6 link-local": "fe80::1",
    "ipv6 link-local with a zone": "fe80::1%eth0",
    "ipv6 unique local": "fd00::1",
    "aws metadata over ipv6": "fd00:ec2::254",
    "ipv4-mapped loopback": "::ffff:127.0.0.1",
    "ipv4-mapped private": "::ffff:" + dotted(10, 1, 2, 3),
    "ipv4-mapped metadata": "::ffff:" + dotted(169, 254, 169, 254),
    "6to4 of a private address": "2002:c0a8:0101::1",
    "nat64 of the metadata address": "64:ff9b::a9fe:a9fe",
    "ipv6 multicast": "ff02::1",
}
OUTSIDE = {
    "public ipv4": dotted(9, 9, 9, 9),
    "public ipv4, another": dotted(172, 32, 0, 1),
    "public ipv6": "2606:4700:4700::1111",
    "ipv4-mapped public": "::ffff:" + dotted(9, 9, 9, 9),
}


@pytest.mark.parametrize("address", INSIDE.values(), ids=INSIDE.keys())
def test_an_inside_address_is_not_public(address):
    assert is_public_address(address) is False


@pytest.mark.parametrize("address", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_a_public_address_is_public(address):
    assert is_public_address(address) is True


@pytest.mark.parametrize("url", ["http://localhost:8080/hook", "https://127.0.0.1/hook", "http://[::1]:9/x"])
def test_loopback_is_allowed_only_with_the_development_allowance(url):
    assert check_target(url, allow_loopback=True).address in ("127.0.0.1", "::1")
    with pytest.raises(RefusedTarget, match="public address"):
        check_target(url, allow_loopback=False)


@pytest.mark.parametrize("address", INSIDE.values(), ids=INSIDE.keys())
def test_a_url_written_with_an_inside_address_is_refused(address):
    host = f"[{address.split('%')[0]}]" if ":" in address else address
    for allow_loopback in (False, True):
        if allow_loopback and host in ("127.0.0.1", dotted(127, 8, 9, 10), "[::1]", "[::ffff:127.0.0.1]"):
            continue
        with pytest.raises(RefusedTarget):
            check_target(f"https://{host}/hook", allow_loopback=allow_loopback)


def test_plain_http_is_refused_outside_loopback():
    with pytest.raises(RefusedTarget, match="https"):
        check_target(f"http://{dotted(9, 9, 9, 9)}/hook", allow_loopback=True)


def test_an_https_url_to_a_public_address_is_accepted_as_written():
    target = check_target(f"https://{dotted(9, 9, 9, 9)}:8443/hooks/in?c=1", allow_loopback=False)

    assert (target.scheme, target.port, target.address, target.path) == ("https", 8443, dotted(9, 9, 9, 9), "/hooks/in?c=1")
    assert target.pinned_url == f"https://{dotted(9, 9, 9, 9)}:8443/hooks/in?c=1"
