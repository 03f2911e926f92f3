"""The client's IP address, trusting proxies only as configured.

``X-Forwarded-For`` is written by whoever sends the request, so it is read only
when ``TRUSTED_PROXY_COUNT`` says how many proxies of ours stand in front: the
N-th entry from the right is then the address our outermost proxy saw. IPv6
clients are grouped by /64, since one host usually holds a whole /64.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address for limits and records: IPv6 as its /64, "unknown" if unreadable."""
    return _normalise(client_address(request))


def client_address(request: HttpRequest) -> str:
    """The client's address as sent, honouring TRUSTED_PROXY_COUNT (not normalised)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address


def _normalise(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
