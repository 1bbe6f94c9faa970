"""Who is really calling: the peer address, or the client a trusted proxy vouches for.

Proxy headers (X-Forwarded-For) are believed only when the connection comes from an address in
`LANGNGHE_TRUSTED_PROXIES` (empty by default: no proxy headers at all, loopback included, since
any local process could otherwise claim to be anyone). Behind trusted proxies the client is the
right-most address in X-Forwarded-For that is not itself a trusted proxy: the left part of the
header is whatever the client chose to send. The server runs uvicorn with its own proxy-header
handling off, so `request.client` is always the TCP peer and this is the one place that decides.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """ "10.0.0.1", "10.0.0.0/8", "::1" → networks; a bad entry is a configuration error."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(text: str, proxies: Sequence[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[Network]
) -> str:
    """The verified client address for a request from `peer` carrying these XFF headers."""
    peer = peer or "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            address = _address(hop)
            return str(address) if address is not None else peer
    return peer
