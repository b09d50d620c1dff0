"""soupsieve and charset_normalizer (imported by bs4) run only when used: a page of a plain
selector is read without them; selectors and encoding guesses still work, from threads too."""

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
before = [type(sys.modules[name]).__name__ for name in ("soupsieve", "charset_normalizer")]
results = []
def pick():
    results.append(extract("main > div p.x, main > p:first-of-type"))
threads = [threading.Thread(target=pick) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
import soupsieve
from bs4 import UnicodeDammit
french = "Prise en charge: r\u00e9adaptation \u00e9nerg\u00e9tique"
guessed = UnicodeDammit(french.encode("cp1252") * 9)
print(json.dumps([plain, before, results, type(sys.modules["soupsieve"]).__name__,
                  soupsieve.__version__ == sys.modules["soupsieve"].__version__,
                  guessed.unicode_markup, type(sys.modules["charset_normalizer"]).__name__]))
"""


def test_deferred_modules_run_on_first_use_only() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    plain, before, results, after, same, guessed, detector = json.loads(out.stdout)
    assert plain and "Do pace." in plain[0]
    assert before == ["_Deferred", "_Deferred"]  # a page of a plain selector ran neither
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert "Rest." in " ".join(results[0]) and "Do pace." in " ".join(results[0])
    assert after == "module" and same
    assert detector == "module"  # bytes of no declared encoding: bs4 asked it for a guess
    assert guessed.startswith("Prise en charge: r\u00e9adaptation")
    assert "Warning" not in out.stderr


H2_PROBE = """
import json, sys
import scrapers.fetch  # httpx and httpcore, as every fetching process imports them
import httpcore

before = [type(sys.modules[n]).__name__ for n in ("h2.connection", "h2.events")]
loaded = sorted({"hpack", "hyperframe", "h2.stream"} & set(sys.modules))
import h2.config, h2.connection, h2.events

client = h2.connection.H2Connection(config=httpcore.HTTP2Connection.CONFIG)
server = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
client.initiate_connection()
server.initiate_connection()
client.send_headers(1, [(":method", "GET"), (":path", "/nice"), (":scheme", "https"),
                        (":authority", "example.org"), ("user-agent", "guidewatch")],
                    end_stream=True)
events = server.receive_data(client.data_to_send())
request = [e for e in events if isinstance(e, h2.events.RequestReceived)][0]
print(json.dumps([before, loaded, [(bytes(k).decode(), bytes(v).decode())
                                   for k, v in request.headers],
                  type(sys.modules["h2.connection"]).__name__]))
"""


def test_http2_modules_run_only_when_an_http2_connection_needs_them() -> None:
    out = subprocess.run(
        [sys.executable, "-c", H2_PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    before, loaded, headers, after = json.loads(out.stdout)
    assert before == ["_Deferred", "_Deferred"] and loaded == []
    assert dict(headers)[":path"] == "/nice" and dict(headers)["user-agent"] == "guidewatch"
    assert after == "module"
