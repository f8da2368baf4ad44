"""Every shopgraph service, the fixed local port it takes in development, and its ASGI app."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ASGIApp = Callable[..., Any]


@dataclass(frozen=True)
class Service:
    name: str
    base_port: int
    factory: str  # "package.module:function" returning an ASGI app
    description: str
    observed: bool = True
    """Served through :class:`observability.asgi.ObservedApp` (traces, metrics, access log)."""

    @property
    def port(self) -> int:
        """The fixed dev port, moved by ``SHOPGRAPH_DEV_PORT_OFFSET`` (two copies side by side)."""
        return self.base_port + int(os.environ.get("SHOPGRAPH_DEV_PORT_OFFSET", "0"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def available(self) -> bool:
        """True when the module that builds this service's app is part of this installation."""
        module, _, _ = self.factory.partition(":")
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            return False

    def create_app(self) -> ASGIApp:
        module_name, _, function = self.factory.partition(":")
        factory: Callable[[], ASGIApp] = getattr(importlib.import_module(module_name), function)
        app = factory()
        if not self.observed:
            return app
        from observability.asgi import ObservedApp

        return ObservedApp(app, service=self.name)


SERVICES: tuple[Service, ...] = (
    Service("identity", 4100, "subgraphs.users.identity.app:create_app",
            "local B2C-style OpenID Connect provider"),
    Service("products", 4001, "subgraphs.products.app:create_app", "products subgraph (catalog)"),
    Service("orders", 4002, "subgraphs.orders.app:create_app",
            "orders subgraph (orders, inventory, carts)"),
    Service("search", 4003, "subgraphs.search.app:create_app", "search subgraph"),
    Service("users", 4004, "subgraphs.users.app:create_app", "users subgraph"),
    Service("router", 4000, "shopgraph.dev:create_router_app", "federation router with GraphiQL"),
    Service("bff_web", 3000, "bff_web.app:create_app", "web BFF"),
    Service("bff_mobile", 3001, "bff_mobile.app:create_app", "mobile BFF"),
    Service("media", 4500, "shopgraph.media.app:create_app",
            "demo product images, in place of the CDN (development only)", observed=False),
    Service("traces", 16686, "observability.viewer:create_app",
            "the last traces of every service (development only)", observed=False),
)  # fmt: skip

SUBGRAPHS = ("products", "orders", "search", "users")


def service(name: str) -> Service:
    for candidate in SERVICES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
