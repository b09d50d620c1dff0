"""The fetch log: one row per fetch attempt, its shared header sets, and reading it back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlmodel import Session, col, select

from storage.db import insert_or_ignore
from storage.models import CONFIRMING, LIVE_FETCH, Fetch, HeaderSet, live_fetch
from storage.repo import sha256


def _date_offset(started: datetime, date: str | None) -> int | None:
    """The server's Date as whole seconds after started_at, if it can be rebuilt exactly."""
    if date is None:
        return None
    try:
        served = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if served.tzinfo is None:
        return None
    base = int(_aware(started).timestamp())
    offset = int(served.timestamp()) - base
    return offset if _http_date(base + offset) == date else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _http_date(seconds: int) -> str:
    return formatdate(seconds, usegmt=True)


def intern_headers(*, session: Session, headers: dict[str, str]) -> int:
    """Return the id of this set of headers, stored once however many fetches carry it."""
    return _intern_payload(session, json.dumps(headers, sort_keys=True, ensure_ascii=False))


def _intern_payload(session: Session, payload: str) -> int:
    digest = sha256(payload.encode("utf-8"))
    found = session.connection().execute(_HEADER_SET_ID, {"sha256": digest}).scalar()
    if found is None:
        session.execute(insert_or_ignore(session, HeaderSet).values(sha256=digest, headers=payload))
        found = session.connection().execute(_HEADER_SET_ID, {"sha256": digest}).scalar_one()
    assert found is not None
    return int(found)


_HEADER_SET_ID = sa_select(col(HeaderSet.id)).where(col(HeaderSet.sha256) == bindparam("sha256"))

# Every column but the id, in one prebuilt INSERT: a fetch row written without the ORM's
# unit of work (the object is then attached to the session as if loaded, for later changes).
_FETCH_COLUMNS = tuple(c.key for c in Fetch.__table__.columns if c.key != "id")  # type: ignore[attr-defined]
_INSERT_FETCH = Fetch.__table__.insert()  # type: ignore[attr-defined]


def add_fetch(*, session: Session, fetch: Fetch, known_set: tuple[str, int] | None = None) -> Fetch:
    """Record one fetch attempt; its headers go to a shared header set.

    An unchanged fetch then costs a row of its facts (time, outcome, status, hashes) and a
    reference, not its headers again: the Date header, the only one that changes on every
    fetch, is kept as an offset from started_at when it can be rebuilt exactly. known_set is
    a header set already read from this database (FetchState.header_set: its JSON and id);
    headers with exactly that JSON take its id without looking the set up again.
    """
    if fetch.headers_id is None and fetch.headers not in (None, "", "{}"):
        headers = dict(json.loads(fetch.headers))
        offset = _date_offset(fetch.started_at, headers.get("date"))
        if offset is not None:
            del headers["date"]
            fetch.date_offset = offset
        payload = json.dumps(headers, sort_keys=True, ensure_ascii=False)
        if known_set is not None and known_set[0] == payload:
            fetch.headers_id = known_set[1]
        else:
            fetch.headers_id = _intern_payload(session, payload)
        fetch.headers = None
    compact_fetch(fetch)
    if fetch.id is not None or session.new or session.dirty or session.deleted:
        session.add(fetch)  # what is pending goes first, in the order it always did
        session.flush()
        return fetch
    values = {key: getattr(fetch, key) for key in _FETCH_COLUMNS}
    inserted = session.connection().execute(_INSERT_FETCH, values)
    key = inserted.inserted_primary_key
    assert key is not None
    fetch.id = int(key[0])
    make_transient_to_detached(fetch)
    session.add(fetch)
    return fetch


def compact_fetch(fetch: Fetch) -> None:
    """Put NULL where a fetch row would only repeat a value the readers below rebuild exactly."""
    answered = fetch.status is not None and fetch.size is not None
    if answered and fetch.final_url == fetch.url:
        fetch.final_url = None
    if fetch.provenance == "live":
        fetch.provenance = None
    if fetch.redirects == "[]":
        fetch.redirects = None
    if fetch.headers == "{}":
        fetch.headers = None
    if fetch.related == "{}":
        fetch.related = None
    if fetch.discovery == "{}":
        fetch.discovery = None


def final_url(fetch: Fetch) -> str | None:
    """Return the URL a fetch's answer came from (None when no answer came)."""
    if fetch.final_url is not None or fetch.status is None:
        return fetch.final_url
    return fetch.url


def provenance(fetch: Fetch) -> str:
    """Return where a fetch came from: "live", or "archive" (a Wayback Machine capture)."""
    return fetch.provenance or "live"


def redirects(fetch: Fetch) -> list[str]:
    """Return the addresses a fetch was redirected from, in order."""
    return list(json.loads(fetch.redirects or "[]"))


def related(fetch: Fetch) -> dict[str, str]:
    """Return the related bodies a fetch brought: URL to raw body SHA-256."""
    return dict(json.loads(fetch.related or "{}"))


def discovery(fetch: Fetch) -> dict[str, Any]:
    """Return how a discovered file was found ({} for a document fetched at its address)."""
    return dict(json.loads(fetch.discovery or "{}"))


def fetch_headers(*, session: Session, fetch: Fetch) -> dict[str, str]:
    """Return the response headers a fetch recorded, as they were served."""
    headers: dict[str, str] = dict(json.loads(fetch.headers or "{}"))
    if fetch.headers_id is not None:
        shared = session.get(HeaderSet, fetch.headers_id)
        if shared is not None:
            headers.update(json.loads(shared.headers))
    if fetch.date_offset is not None:
        base = int(_aware(fetch.started_at).timestamp())
        headers["date"] = _http_date(base + fetch.date_offset)
    return dict(sorted(headers.items()))


def list_fetches(*, session: Session, document_id: str, limit: int | None = None) -> list[Fetch]:
    """Return a document's fetch log, newest first."""
    query = (
        select(Fetch)
        .where(Fetch.document_id == document_id)
        .order_by(col(Fetch.started_at).desc(), col(Fetch.id).desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def get_fetch(*, session: Session, id: int) -> Fetch | None:
    """Return one fetch row."""
    return session.get(Fetch, id)


# The fetch-log reads of every check are built once (their SQL is compiled and cached once):
# plain rows, not ORM objects, since they are only read.
_LOG_ORDER = (col(Fetch.started_at).desc(), col(Fetch.id).desc())
_WITH_HEADERS = (
    sa_select(col(Fetch.url), col(Fetch.outcome), col(Fetch.headers), col(HeaderSet.headers))
    .select_from(Fetch)
    .outerjoin(HeaderSet, col(HeaderSet.id) == col(Fetch.headers_id))
)
_CONFIRMED_AT_URL = (
    _WITH_HEADERS.where(
        col(Fetch.document_id) == bindparam("document_id"),
        col(Fetch.url) == bindparam("url"),
        LIVE_FETCH,
        col(Fetch.outcome).in_(("new_version", "unchanged")),
    )
    .order_by(*_LOG_ORDER)
    .limit(1)
)
_LAST_URL = (
    sa_select(col(Fetch.url))
    .where(
        col(Fetch.document_id) == bindparam("document_id"),
        LIVE_FETCH,
        col(Fetch.outcome).in_(CONFIRMING),
    )
    .order_by(*_LOG_ORDER)
    .limit(1)
)


def _validators(own: str | None, shared: str | None) -> tuple[str | None, str | None]:
    """ETag and Last-Modified from a fetch's own headers and its shared header set."""
    headers: dict[str, str] = dict(json.loads(own or "{}"))
    if shared is not None:
        headers.update(json.loads(shared))
    return headers.get("etag"), headers.get("last-modified")


def validators_for(
    *, session: Session, document_id: str, url: str
) -> tuple[str | None, str | None]:
    """Return the ETag and Last-Modified of the last fetch of this URL that confirmed a version.

    In the fetch log's order (started_at, id), which the (document_id, started_at) index
    serves without sorting the document's whole log.
    """
    params = {"document_id": document_id, "url": url}
    row = session.connection().execute(_CONFIRMED_AT_URL, params).first()
    if row is None:
        return None, None
    return _validators(row[2], row[3])


@dataclass(frozen=True)
class FetchState:
    """What checking a document needs from its fetch log before fetching it again."""

    etag: str | None
    last_modified: str | None
    last_url: str | None  # the URL it was last fetched from successfully
    previous_outcome: str  # of the newest fetch ("" when it was never fetched)
    # The newest fetch's header set (its stored JSON and id), for add_fetch's known_set.
    header_set: tuple[str, int] | None = None


def fetch_state(*, session: Session, document_id: str, url: str) -> FetchState:
    """Return validators, last good URL and last outcome: one query when the last fetch was good.

    The newest fetch, and the last fetch of this URL that confirmed a version (its validators,
    when the newest is not that one: after an answer 304, say), come in one statement.
    """
    params = {"document_id": document_id, "url": url}
    newest = session.connection().execute(_STATE, params).first()
    if newest is None:
        return FetchState(None, None, None, "")
    newest_url, outcome, own, shared, shared_id, confirmed_own, confirmed_shared = newest
    if newest_url == url and outcome in ("new_version", "unchanged"):
        etag, modified = _validators(own, shared)
    else:  # what validators_for reads
        etag, modified = _validators(confirmed_own, confirmed_shared)
    good = (
        newest_url if outcome in CONFIRMING else last_url(session=session, document_id=document_id)
    )
    header_set = (shared, int(shared_id)) if shared is not None and shared_id is not None else None
    return FetchState(etag, modified, good, outcome, header_set)


# fetch_state's one statement: the newest live fetch with its header set, and (joined by the
# id of _CONFIRMED_AT_URL's row, found on an alias) the headers of the last fetch of the URL
# that confirmed a version; no such fetch gives NULLs, as validators_for gives (None, None).
_Confirmed = aliased(Fetch)
_ConfirmedSet = aliased(HeaderSet)
_Earlier = aliased(Fetch)
_CONFIRMED_ID = (
    sa_select(col(_Earlier.id))
    .where(
        col(_Earlier.document_id) == bindparam("document_id"),
        col(_Earlier.url) == bindparam("url"),
        live_fetch(_Earlier),
        col(_Earlier.outcome).in_(("new_version", "unchanged")),
    )
    .order_by(col(_Earlier.started_at).desc(), col(_Earlier.id).desc())
    .limit(1)
    .correlate(None)
    .scalar_subquery()
)
_STATE = (
    sa_select(
        col(Fetch.url),
        col(Fetch.outcome),
        col(Fetch.headers),
        col(HeaderSet.headers),
        col(Fetch.headers_id),
        col(_Confirmed.headers),
        col(_ConfirmedSet.headers),
    )
    .select_from(Fetch)
    .outerjoin(HeaderSet, col(HeaderSet.id) == col(Fetch.headers_id))
    .outerjoin(_Confirmed, col(_Confirmed.id) == _CONFIRMED_ID)
    .outerjoin(_ConfirmedSet, col(_ConfirmedSet.id) == col(_Confirmed.headers_id))
    .where(col(Fetch.document_id) == bindparam("document_id"), LIVE_FETCH)
    .order_by(*_LOG_ORDER)
    .limit(1)
)


def last_url(*, session: Session, document_id: str) -> str | None:
    """Return the URL the document was last successfully fetched from."""
    found = session.connection().execute(_LAST_URL, {"document_id": document_id}).scalar()
    return None if found is None else str(found)


def confirming_fetches(
    *, session: Session, version_id: int, when: datetime
) -> tuple[Fetch | None, Fetch | None]:
    """Return the last fetch that confirmed a version at or before a moment, and the first after."""
    base = select(Fetch).where(Fetch.version_id == version_id, col(Fetch.outcome).in_(CONFIRMING))
    before = session.exec(
        base.where(Fetch.started_at <= when).order_by(col(Fetch.started_at).desc()).limit(1)
    ).first()
    after = session.exec(
        base.where(Fetch.started_at > when).order_by(col(Fetch.started_at)).limit(1)
    ).first()
    return before, after
