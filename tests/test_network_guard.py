from __future__ import annotations

import socket
import urllib.request

import pytest
from conftest import NetworkGuardError


@pytest.mark.parametrize("host", ["93.184.216.34", "10.0.0.1", "192.168.1.1", "2001:db8::1"])
def test_guard_blocks_non_loopback_ip(host: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(NetworkGuardError):
        sock.connect((host, 80))


def test_guard_blocks_dns_lookup_of_public_host() -> None:
    with pytest.raises(NetworkGuardError):
        urllib.request.urlopen("http://nominatim.openstreetmap.org/", timeout=1)


def test_guard_allows_loopback() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
