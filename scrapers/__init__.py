"""guidewatch stage package."""

import sys

# httpx imports its command-line client (click, pygments, rich: half of httpx's import time)
# unless that import fails, in which case it installs a stub `httpx.main`. Nothing here uses
# the httpx command; a None entry makes that one import fail (importlib's documented rule).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
