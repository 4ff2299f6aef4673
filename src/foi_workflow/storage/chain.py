"""The tamper-evident history: each case event and each issued notice chained by hash.

    event_link(prev, case_no, row)    the chain value of a case event (prev: the one before, "" first)
    notice_link(prev, case_no, row)   the chain value of a notice (prev: the agency's notice numbered
                                      one lower in the same year, "" for number 1)

A link is SHA-256 over the previous link and the canonical text of the entry: every column that
says what happened (for an event: case, seq, kind, legal date, actor, data, basis, when and by
whom it was recorded, back-dated, request id; for a notice: agency, year, number, 文号, case, step,
kind, template and its version, the rendered context, the HTML hash, issue date). Changing any of
them, deleting an entry or inserting one breaks every later link; `services.verify` recomputes
the chains and names the first entry where a chain breaks. The case row keeps the last link of
its history (`cases.chain_head`), so deleting the newest event is found too.

A hash chain proves that history was not edited by someone who did not also recompute every
later link; against that, the PostgreSQL migrations forbid UPDATE and DELETE of case events to
every role but the superuser (migration 0016), and the scheduled verification publishes a digest
of all heads (a later rewrite no longer matches it). Pure functions: no I/O here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Mapping

from ..localtime import as_local

#: bump when the canonical text changes (older links stay valid under their version)
VERSION = "c1"


def _canon(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # SQLite gives back the naive Beijing wall time it stored, PostgreSQL an aware time
        return as_local(value).replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _link(prev: str, fields: list[Any]) -> str:
    text = json.dumps([VERSION, prev or "", *[_canon(v) for v in fields]], ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _data(value: Any) -> Any:
    """An event's data or a notice's context as stored (dict; SQLite raw rows give JSON text)."""
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return value if value is not None else {}


def event_link(prev: str, case_no: str, row: Mapping[str, Any] | Any) -> str:
    get = row.get if isinstance(row, Mapping) else (lambda k: getattr(row, k))
    return _link(prev, [case_no, get("seq"), get("kind"), get("on"), get("actor"), _data(get("data")),
                        get("basis"), get("recorded_at"), get("operator") or "", bool(get("backdated")),
                        get("request_id")])


def notice_link(prev: str, case_no: str, agency_code: str, row: Mapping[str, Any] | Any) -> str:
    get = row.get if isinstance(row, Mapping) else (lambda k: getattr(row, k))
    return _link(prev, [agency_code, get("year"), get("number"), get("doc_no"), case_no, get("event_seq"),
                        get("kind"), get("template"), get("template_version"), _data(get("context")),
                        get("html_sha256"), get("issued_on")])
