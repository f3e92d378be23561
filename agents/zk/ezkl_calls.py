"""EZKL entry points. Some return futures that need a running event loop, so every call runs inside one."""

from __future__ import annotations

import asyncio
import warnings


def ezkl():
    """The ezkl module (imported late: it is large and only the proving paths need it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ezkl as module
    return module


def call(name: str, *args, **kwargs):
    """ezkl.NAME(*args, **kwargs), awaited when EZKL hands back a coroutine or a future."""
    fn = getattr(ezkl(), name)

    async def inside():
        value = fn(*args, **kwargs)
        if asyncio.iscoroutine(value) or asyncio.isfuture(value):
            value = await value
        return value

    return asyncio.run(inside())
