"""Modules bs4 imports (soupsieve, charset_normalizer) run on the first use of a name."""

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
                self.__class__ = types.ModuleType  # type: ignore[assignment]
        try:  # the module's own names; while it runs (in this thread) only those set so far
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {spec.name!r} has no attribute {name!r}") from None


def defer_import(name: str) -> None:
    """Put in sys.modules a module that runs when one of its names is first used.

    For modules bs4 imports at its own import only to keep a reference: soupsieve (its CSS
    selectors; running it compiles a selector grammar, 30-40 ms) and charset_normalizer (its
    guess at the encoding of bytes; the readers here hand it text). Pages of plain selectors
    are read without either (scrapers/region.py). An `import` of a deferred module reads only
    its __spec__, which it already holds.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return  # not installed: bs4 copes, as it would have
    module = importlib.util.module_from_spec(spec)
    module.__dict__["__deferred__"] = True
    module.__class__ = _Deferred
    sys.modules[name] = module
