"""Reading a response body under a cap on decoded bytes, and a deadline for a whole fetch."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator

from scrapers.model import ScrapeError

# What we ask for, and so all we decode: gzip and deflate stream in bounded steps.
ACCEPT_ENCODING = "gzip, deflate"


class Deadline:
    """The moment a fetch (retries, redirects, pauses and robots.txt included) must end by."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        """Seconds left (never negative), or None when there is no deadline."""
        return None if self.end is None else max(0.0, self.end - time.monotonic())

    def passed(self) -> bool:
        """True once the deadline is behind us."""
        return self.end is not None and time.monotonic() >= self.end

    def error(self, url: str, doing: str, status: int | None = None) -> ScrapeError:
        """The error a fetch ends with when its deadline passes."""
        return ScrapeError(
            f"gave up on {url}: the {self.seconds:g} s fetch deadline passed {doing}",
            status=status,
        )


class DecodeError(Exception):
    """A compressed body could not be decoded (worth another try)."""


class UnsupportedEncoding(DecodeError):
    """A body in an encoding we did not ask for and cannot decode (not worth another try)."""


class _Inflater:
    """Decodes gzip or deflate a bounded number of bytes at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # gzip: a gzip header (or zlib's, which some servers send); deflate: zlib, else raw.
        self._wbits = zlib.MAX_WBITS | 32 if encoding == "gzip" else zlib.MAX_WBITS
        self._z = zlib.decompressobj(self._wbits)
        self._started = False

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        """Yield the decoded bytes of data, at most `room` + 1 bytes per piece."""
        while data and not self._z.eof:
            try:
                out = self._z.decompress(data, room + 1)
            except zlib.error as error:
                if self.encoding == "deflate" and not self._started:
                    self._z, self._started = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                raise DecodeError(f"could not decode the {self.encoding} body: {error}") from None
            self._started = True
            data = self._z.unconsumed_tail
            if out:
                yield out


def _decoded(raw: Iterable[bytes], encoding: str, room: list[int]) -> Iterator[bytes]:
    """Decode a raw stream; room[0] says how many more bytes the caller will take."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        yield from raw
        return
    if coding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater("deflate" if coding == "deflate" else "gzip")
        for chunk in raw:
            yield from inflater.decode(chunk, room[0])
        return
    raise UnsupportedEncoding(
        f"unsupported Content-Encoding {encoding!r} (asked for {ACCEPT_ENCODING})"
    )


def read_capped(
    raw: Iterable[bytes],
    *,
    encoding: str,
    cap: int,
    truncate: bool,
    deadline: Deadline,
    url: str,
    status: int,
) -> bytes:
    """Read and decode a body; over `cap` decoded bytes it is an error (or cut, if truncate).

    The deadline is checked as bytes arrive, so a server trickling a body cannot hold us.
    """
    chunks: list[bytes] = []
    size = 0
    room = [cap]
    for piece in _decoded(raw, encoding, room):
        size += len(piece)
        chunks.append(piece)
        if size > cap:
            if truncate:
                return b"".join(chunks)[:cap]
            raise ScrapeError(
                f"{url} is over the {cap}-byte cap: stopped reading at {size} bytes"
                + (f" ({encoding}-decoded)" if encoding not in ("", "identity") else ""),
                status=status,
            )
        room[0] = cap - size
        if deadline.passed():
            raise deadline.error(url, f"while reading the body ({size} bytes read)", status)
    return b"".join(chunks)
