"""Modules bs4 imports (soupsieve, charset_normalizer) run on the first use of a name."""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
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


class _Deferring:
    """The finder and loader (importlib's protocols) that leave a deferred module to run later."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.names:
            return None
        self.names.discard(fullname)  # found once: the real finders answer from now on
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return None  # not installed: bs4 copes, as it would have
        real = spec.loader
        spec.loader = self  # type: ignore[assignment]  # a loader by importlib's protocol
        spec.loader_state = real
        return spec

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        return spec.loader_state.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: types.ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None
        spec.loader = module.__loader__ = spec.loader_state  # the module's own, to run it later
        module.__dict__["__deferred__"] = True
        module.__class__ = _Deferred


_FINDER = _Deferring()


def defer_import(name: str) -> None:
    """Make the first import of a module give one that runs when a name of it is first used.

    For modules bs4 imports at its own import only to keep a reference: soupsieve (its CSS
    selectors; running it compiles a selector grammar, 30-40 ms) and charset_normalizer (its
    guess at the encoding of bytes; the readers here hand it text). Pages of plain selectors
    are read without either (scrapers/region.py). Nothing is imported until something imports
    the module; an `import` of a deferred module reads only its __spec__, which it holds.
    """
    if name in sys.modules:
        return
    _FINDER.names.add(name)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
