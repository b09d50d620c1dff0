"""guidewatch stage package."""

import sys

from scrapers.deferred import defer_import

# httpx imports its command-line client (click, pygments, rich: half of httpx's import time)
# unless that import fails, in which case it installs a stub `httpx.main`. Nothing here uses
# the httpx command; a None entry makes that one import fail (importlib's documented rule).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# bs4 registers its lxml tree builder on import, which loads lxml.etree (and, with lxml 6,
# rnc2rng): about 0.1 s in every process that reads a page, for a builder nothing here uses
# (every reader parses with "html.parser"). Same documented rule: the import fails, bs4 skips it.
sys.modules.setdefault("bs4.builder._lxml", None)  # type: ignore[arg-type]

# soupsieve and charset_normalizer, imported by bs4, run when first used (scrapers/deferred.py).
defer_import("soupsieve")
defer_import("charset_normalizer")

# httpcore imports its HTTP/2 connection (h2, hpack's Huffman table, hyperframe: 7-9 ms) at its
# own import; the fetcher speaks HTTP/1.1 only (scrapers/fetch.py makes no http2 client). Its
# h2 modules run when a name of theirs is first used, as an HTTP/2 connection would.
for _name in ("h2.connection", "h2.events", "h2.settings", "h2.exceptions"):
    defer_import(_name)
