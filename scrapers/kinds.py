"""Import every built-in extractor so that each registers its kind."""

from scrapers import govuk, html, nice, pdf  # noqa: F401
from scrapers.discover import kind  # noqa: F401
