"""soupsieve runs only when a selector is run: a page of a plain selector is read without it,
any other selector still works, from several threads at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, threading
from scrapers.html import HtmlExtractor
from scrapers.model import DocumentSpec, Fetched

page = "<html><head><title>T</title></head><body><main><h2>One</h2><p class='x'>Do pace.</p>"
page += "<div><p class='x'>Rest.</p></div></main></body></html>"
def extract(selector):
    spec = DocumentSpec(id="d", source="s", title="T", kind="html", url="http://x/",
                        selector=selector)
    fetched = Fetched(url="http://x/", final_url="http://x/", status=200,
                      headers={"content-type": "text/html"}, body=page.encode(),
                      content_kind="html")
    return [s.text for s in HtmlExtractor().extract(spec, fetched).sections]

plain = extract("main")
before = type(sys.modules["soupsieve"]).__name__
results = []
def pick():
    results.append(extract("main > div p.x, main > p:first-of-type"))
threads = [threading.Thread(target=pick) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
import soupsieve
print(json.dumps([plain, before, results, type(sys.modules["soupsieve"]).__name__,
                  soupsieve.__version__ == sys.modules["soupsieve"].__version__]))
"""


def test_soupsieve_runs_on_the_first_selector_run_only() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    plain, before, results, after, same = json.loads(out.stdout)
    assert plain and "Do pace." in plain[0]
    assert before == "_Deferred"  # the page of a plain selector did not run soupsieve
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert "Rest." in " ".join(results[0]) and "Do pace." in " ".join(results[0])
    assert after == "module" and same
    assert "Warning" not in out.stderr
