"""soupsieve (bs4's CSS selectors) run on the first use of one of its names, not on import."""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

_LOADING = threading.RLock()


class _Deferred(types.ModuleType):
    """A module whose code runs when a name it does not hold yet is first asked for."""

    def __getattr__(self, name: str) -> Any:
        spec = self.__spec__
        assert spec is not None and spec.loader is not None
        with _LOADING:  # another thread waits here until the module has run
            if self.__dict__.get("__deferred__"):
                self.__dict__["__deferred__"] = False
                spec.loader.exec_module(self)
                self.__class__ = types.ModuleType
        try:  # the module's own names; while it runs (in this thread) only those set so far
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {spec.name!r} has no attribute {name!r}") from None


def defer_soupsieve() -> None:
    """Put in sys.modules a soupsieve that runs when one of its names is first used.

    bs4 imports soupsieve at its own import only to keep a reference; running soupsieve's
    module (compiling its selector grammar) costs 30-40 ms of every process that reads a
    page, and the pages of plain selectors are read without it (scrapers/region.py). An
    `import soupsieve` reads only the module's __spec__, which it already holds.
    """
    if "soupsieve" in sys.modules:
        return
    spec = importlib.util.find_spec("soupsieve")
    if spec is None or spec.loader is None:
        return  # not installed: bs4 says so when a selector is run
    module = importlib.util.module_from_spec(spec)
    module.__dict__["__deferred__"] = True
    module.__class__ = _Deferred
    sys.modules["soupsieve"] = module
