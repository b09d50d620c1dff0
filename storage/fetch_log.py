"""The fetch log: one row per fetch attempt, its shared header sets, and reading it back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection

from storage.db import core_connection, insert_or_ignore, writer_connection
from storage.repo import sha256
from storage.tables import CONFIRMING, LIVE_FETCH, fetches, header_sets, live_fetch

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlmodel import Session

    from storage.db import Db
    from storage.models import Fetch

    # A fetch as the ORM loads it (writers) or as a Core row (readers): the same attributes.
    AnyFetch: TypeAlias = Fetch | Row[Any]
    # A fetch to record: an ORM object, or a plain FetchRecord (written through Core).
    NewFetch: TypeAlias = "Fetch | FetchRecord"


@dataclass
class FetchRecord:
    """A fetch row to write through Core: the fields of storage.models.Fetch, without the ORM.

    The unchanged path of a check writes its fetch with this, so that a run where nothing
    changed never loads the ORM, SQLModel or pydantic.
    """

    document_id: str
    started_at: datetime
    url: str
    outcome: str
    id: int | None = None
    final_url: str | None = None
    redirects: str | None = None
    status: int | None = None
    headers: str | None = None
    body_sha256: str | None = None
    size: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    version_id: int | None = None
    related: str | None = None
    discovery: str | None = None
    provenance: str | None = None
    archive_url: str | None = None
    archive_digest: str | None = None
    headers_id: int | None = None
    date_offset: int | None = None


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


def intern_headers(*, session: Db, headers: dict[str, str]) -> int:
    """Return the id of this set of headers, stored once however many fetches carry it."""
    return _intern_payload(session, json.dumps(headers, sort_keys=True, ensure_ascii=False))


def _intern_payload(session: Db, payload: str) -> int:
    digest = sha256(payload.encode("utf-8"))
    connection = core_connection(session)
    found = connection.execute(_HEADER_SET_ID, {"sha256": digest}).scalar()
    if found is None:  # a new set: its id comes back from the insert
        connection = writer_connection(session)  # what an ORM session holds goes first
        values = {"sha256": digest, "headers": payload}
        insert = insert_or_ignore(connection, header_sets).values(**values)
        found = connection.execute(insert.returning(header_sets.c.id)).scalar()
        if found is None:  # a concurrent run stored the same set meanwhile
            found = connection.execute(_HEADER_SET_ID, {"sha256": digest}).scalar_one()
    return int(found)


_HEADER_SET_ID = sa_select(header_sets.c.id).where(header_sets.c.sha256 == bindparam("sha256"))

# Every column but the id, in one prebuilt INSERT: a fetch row written without the ORM's
# unit of work (the object is then attached to the session as if loaded, for later changes).
_FETCH_COLUMNS = tuple(c.key for c in fetches.columns if c.key != "id")
_INSERT_FETCH = fetches.insert()


def add_fetch(
    *, session: Db, fetch: NewFetch, known_set: tuple[str, int] | None = None
) -> NewFetch:
    """Record one fetch attempt; its headers go to a shared header set.

    An unchanged fetch then costs a row of its facts (time, outcome, status, hashes) and a
    reference, not its headers again: the Date header, the only one that changes on every
    fetch, is kept as an offset from started_at when it can be rebuilt exactly. known_set is
    a header set already read from this database (FetchState.header_set: its JSON and id);
    headers with exactly that JSON take its id without looking the set up again.

    On a Core connection (a FetchRecord, the run's unchanged path) the row is inserted there
    and then; on an ORM session it joins the session as if loaded, for later changes.
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
    if isinstance(session, Connection):
        assert fetch.id is None, "a fetch is inserted once"
        fetch.id = _insert(session, fetch)
        return fetch
    from sqlalchemy.orm import make_transient_to_detached

    if fetch.id is not None or session.new or session.dirty or session.deleted:
        session.add(fetch)  # what is pending goes first, in the order it always did
        session.flush()
        return fetch
    fetch.id = _insert(session.connection(), fetch)
    make_transient_to_detached(fetch)
    session.add(fetch)
    return fetch


def _insert(connection: Connection, fetch: NewFetch) -> int:
    """Insert a fetch row with one prebuilt statement; return its id."""
    values = {key: getattr(fetch, key) for key in _FETCH_COLUMNS}
    key = connection.execute(_INSERT_FETCH, values).inserted_primary_key
    assert key is not None
    return int(key[0])


_SET_VERSION = (
    fetches.update()
    .where(fetches.c.id == bindparam("fetch_id"))
    .values(version_id=bindparam("b_version_id"))
)


def set_version(*, session: Db, fetch_id: int, version_id: int) -> None:
    """Point a recorded fetch at the version it brought."""
    params = {"fetch_id": fetch_id, "b_version_id": version_id}
    core_connection(session).execute(_SET_VERSION, params)


def compact_fetch(fetch: NewFetch) -> None:
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


def final_url(fetch: AnyFetch) -> str | None:
    """Return the URL a fetch's answer came from (None when no answer came)."""
    if fetch.final_url is not None or fetch.status is None:
        return fetch.final_url
    return fetch.url


def provenance(fetch: AnyFetch) -> str:
    """Return where a fetch came from: "live", or "archive" (a Wayback Machine capture)."""
    return fetch.provenance or "live"


def redirects(fetch: AnyFetch) -> list[str]:
    """Return the addresses a fetch was redirected from, in order."""
    return list(json.loads(fetch.redirects or "[]"))


def related(fetch: AnyFetch) -> dict[str, str]:
    """Return the related bodies a fetch brought: URL to raw body SHA-256."""
    return dict(json.loads(fetch.related or "{}"))


def discovery(fetch: AnyFetch) -> dict[str, Any]:
    """Return how a discovered file was found ({} for a document fetched at its address)."""
    return dict(json.loads(fetch.discovery or "{}"))


_HEADER_SET = sa_select(header_sets.c.headers).where(header_sets.c.id == bindparam("id"))


def fetch_headers(*, session: Db, fetch: AnyFetch) -> dict[str, str]:
    """Return the response headers a fetch recorded, as they were served."""
    headers: dict[str, str] = dict(json.loads(fetch.headers or "{}"))
    if fetch.headers_id is not None:
        shared = session.execute(_HEADER_SET, {"id": fetch.headers_id}).scalar()
        if shared is not None:
            headers.update(json.loads(shared))
    if fetch.date_offset is not None:
        base = int(_aware(fetch.started_at).timestamp())
        headers["date"] = _http_date(base + fetch.date_offset)
    return dict(sorted(headers.items()))


def list_fetches(*, session: Db, document_id: str, limit: int | None = None) -> list[Row[Any]]:
    """Return a document's fetch log (read-only rows), newest first."""
    query = sa_select(fetches).where(fetches.c.document_id == document_id).order_by(*_LOG_ORDER)
    if limit:
        query = query.limit(limit)
    return list(session.execute(query))


def get_fetch(*, session: Session, id: int) -> Fetch | None:
    """Return one fetch, as an ORM object (for a writer that changes it)."""
    from storage.models import Fetch

    return session.get(Fetch, id)


def fetch_row(*, session: Db, id: int) -> Row[Any] | None:
    """Return one fetch, as a read-only row."""
    return session.execute(sa_select(fetches).where(fetches.c.id == id)).first()


# The fetch-log reads of every check are built once (their SQL is compiled and cached once):
# plain rows, not ORM objects, since they are only read.
_LOG_ORDER = (fetches.c.started_at.desc(), fetches.c.id.desc())
_WITH_HEADERS = (
    sa_select(fetches.c.url, fetches.c.outcome, fetches.c.headers, header_sets.c.headers)
    .select_from(fetches)
    .outerjoin(header_sets, header_sets.c.id == fetches.c.headers_id)
)
_CONFIRMED_AT_URL = (
    _WITH_HEADERS.where(
        fetches.c.document_id == bindparam("document_id"),
        fetches.c.url == bindparam("url"),
        LIVE_FETCH,
        fetches.c.outcome.in_(("new_version", "unchanged")),
    )
    .order_by(*_LOG_ORDER)
    .limit(1)
)
_LAST_URL = (
    sa_select(fetches.c.url)
    .where(
        fetches.c.document_id == bindparam("document_id"),
        LIVE_FETCH,
        fetches.c.outcome.in_(CONFIRMING),
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


def validators_for(*, session: Db, document_id: str, url: str) -> tuple[str | None, str | None]:
    """Return the ETag and Last-Modified of the last fetch of this URL that confirmed a version.

    In the fetch log's order (started_at, id), which the (document_id, started_at) index
    serves without sorting the document's whole log.
    """
    params = {"document_id": document_id, "url": url}
    row = core_connection(session).execute(_CONFIRMED_AT_URL, params).first()
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


def fetch_state(*, session: Db, document_id: str, url: str) -> FetchState:
    """Return validators, last good URL and last outcome: one query when the last fetch was good.

    The newest fetch, and the last fetch of this URL that confirmed a version (its validators,
    when the newest is not that one: after an answer 304, say), come in one statement.
    """
    params = {"document_id": document_id, "url": url}
    newest = core_connection(session).execute(_STATE, params).first()
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
_Confirmed = fetches.alias()
_ConfirmedSet = header_sets.alias()
_Earlier = fetches.alias()
_CONFIRMED_ID = (
    sa_select(_Earlier.c.id)
    .where(
        _Earlier.c.document_id == bindparam("document_id"),
        _Earlier.c.url == bindparam("url"),
        live_fetch(_Earlier),
        _Earlier.c.outcome.in_(("new_version", "unchanged")),
    )
    .order_by(_Earlier.c.started_at.desc(), _Earlier.c.id.desc())
    .limit(1)
    .correlate(None)
    .scalar_subquery()
)
_STATE = (
    sa_select(
        fetches.c.url,
        fetches.c.outcome,
        fetches.c.headers,
        header_sets.c.headers,
        fetches.c.headers_id,
        _Confirmed.c.headers,
        _ConfirmedSet.c.headers,
    )
    .select_from(fetches)
    .outerjoin(header_sets, header_sets.c.id == fetches.c.headers_id)
    .outerjoin(_Confirmed, _Confirmed.c.id == _CONFIRMED_ID)
    .outerjoin(_ConfirmedSet, _ConfirmedSet.c.id == _Confirmed.c.headers_id)
    .where(fetches.c.document_id == bindparam("document_id"), LIVE_FETCH)
    .order_by(*_LOG_ORDER)
    .limit(1)
)


def last_url(*, session: Db, document_id: str) -> str | None:
    """Return the URL the document was last successfully fetched from."""
    found = core_connection(session).execute(_LAST_URL, {"document_id": document_id}).scalar()
    return None if found is None else str(found)


def confirming_fetches(
    *, session: Db, version_id: int, when: datetime
) -> tuple[Row[Any] | None, Row[Any] | None]:
    """Return the last fetch that confirmed a version at or before a moment, and the first after."""
    base = sa_select(fetches).where(
        fetches.c.version_id == version_id, fetches.c.outcome.in_(CONFIRMING)
    )
    started = fetches.c.started_at
    before = session.execute(base.where(started <= when).order_by(started.desc()).limit(1)).first()
    after = session.execute(base.where(started > when).order_by(started).limit(1)).first()
    return before, after
