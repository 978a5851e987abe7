"""Where `lovetv import feed` may connect: the public internet, and hosts the producer names.

An old feed is someone else's text. Left alone, its enclosure, chapters or transcript URL (or
a redirect from one) could make this machine fetch from itself (`127.0.0.1`, an admin port),
from the cloud's metadata service (`169.254.169.254`) or from the private network, and copy
the answer into the store behind members' feeds. So every connection, the first and every
redirect hop's, is checked where it is made: the host is resolved once, every address it
resolves to must be public (or named by `LOVETV_IMPORT_ALLOW_HOSTS`), and the socket connects
to the address that was checked, so a second DNS answer cannot swap it. A refused address is
never connected to. Proxies from the environment are not used: they would connect for us.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# requests and urllib3 (~0.1 s of imports) are loaded by `guarded_session` alone: the settings
# import this module for `Destinations.parse`, and every `lovetv` command reads the settings.
if TYPE_CHECKING:
    import requests

MAX_REDIRECTS = 5
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedDestination(Exception):
    """A connection the import will not make: the host is not on the public internet."""

    def __init__(self, host: str, address: str) -> None:
        where = host if host == address else f"{host} (at {address})"
        super().__init__(f"{where} is not a public address")
        self.host, self.address = host, address


@dataclass(frozen=True)
class Destinations:
    """The producer's own hosts an import may reach besides the public internet."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, raw: str) -> Destinations:
        """`LOVETV_IMPORT_ALLOW_HOSTS`: comma-separated host names, addresses or networks;
        `ValueError` naming a bad entry."""
        names, networks = set(), []
        for entry in (e.strip() for e in raw.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not all(part.isalnum() or part in "-." for part in entry) or entry.startswith("."):
                raise ValueError(f"bad entry {entry!r}: give a host name, an address or a network")
            names.add(entry.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def vet(self, host: str, port: int) -> str:
        """The address to connect to for `host`, every one it resolves to checked first;
        `RefusedDestination` when one is not public and not allowed."""
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [str(info[4][0]) for info in found]
        named = host.lower().rstrip(".") in self.names
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not (named or public(address) or any(address in n for n in self.networks)):
                raise RefusedDestination(host, text)
        return addresses[0]


PUBLIC_ONLY = Destinations()  # the default: no host of the producer's own


def public(address: Address) -> bool:
    """On the public internet: not loopback, link-local, private, shared, reserved or
    multicast (an IPv4 address written as IPv6 is judged as itself)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def guarded_session(allowed: Destinations) -> requests.Session:
    """A requests session whose every connection, redirects included, `allowed` vets."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Connection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            self._dns_host = allowed.vet(self.host, self.port)
            return super()._new_conn()

    class SecureConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:  # TLS still checks the name, not the address
            self._dns_host = allowed.vet(self.host, self.port)
            return super()._new_conn()

    class Pool(HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}

        def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
            raise RefusedDestination("a proxy", "the environment's proxy setting")

    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    session.mount("http://", Adapter())
    session.mount("https://", Adapter())
    return session
