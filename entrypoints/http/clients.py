"""Who is calling, by network address: the key of every per-client limit."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def client_address(peer: str | None, forwarded_for: Iterable[str], *, trusted_hops: int) -> str | None:
    """The caller's address, seen through ``trusted_hops`` proxies of our own.

    Each proxy appends the address it received the request from to X-Forwarded-For, so
    with N proxies in front the client is the N-th address from the right (our nearest
    proxy is the peer itself). Everything to the left of that was written by the
    client and is ignored, so nobody can pick their own key by sending the header. With
    no trusted proxies the header is ignored altogether. IPv6 callers are keyed by their
    /64, which one subscriber usually holds whole.
    """
    chain = [*_entries(forwarded_for), peer] if trusted_hops else [peer]
    chosen = chain[-(trusted_hops + 1)] if len(chain) > trusted_hops else chain[0]
    # The peer is what the socket says; it may be no IP at all (a Unix socket, a test client).
    return _key(chosen) or _key(peer) or peer


def _entries(headers: Iterable[str]) -> list[str]:
    return [entry.strip() for header in headers for entry in header.split(",") if entry.strip()]


def _key(address: str | None) -> str | None:
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
