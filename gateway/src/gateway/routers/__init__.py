"""HTTP routes, one module per area.

Every module in this package that defines `router` (an APIRouter) is mounted by
`create_app()`, so adding an area means adding a module here and touching nothing else.
"""
from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

# Mounted first, in this order; the rest follow alphabetically.
_FIRST = ("health", "auth")


def discover_routers() -> list[APIRouter]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    ordered = [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]
    routers = []
    for name in ordered:
        module = importlib.import_module(f"{__name__}.{name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers
