"""The bulk probe's one request, at a fraction of exchangelib's CPU: a small adapter around its FindItem.

`read_busy_blocks` (check.py) goes through exchangelib's QuerySet: right for one mailbox a human is looking
at, and costly at tens of probes a second (docs/benchmarks.md section 2 has the profile). This module sends
the **same** FindItem request (CalendarView of the mailbox's distinguished calendar, `IdOnly` plus start,
end, busy type, all-day and the time-zone fields exchangelib adds) through exchangelib's own service —
its SOAP envelope, impersonation header, retry policy, version handling and error mapping untouched —
and changes three things only, in a subclass (`BusyViewFindItem`):

- **The answer is parsed in one piece.** exchangelib parses `response.iter_content()`, whose default chunk
  size in `requests` is 1 byte: for an answer already read into memory that is one Python call per byte
  (about 1,700 per answer). The subclass parses `response.content`, the same bytes, with the same parser
  and the same errors (an answer that is not XML is exchangelib's `SOAPError`, a missing SOAP Body its
  `MalformedResponseError`). One more: an answer cut before its closing `</Envelope>` is a
  `MalformedResponseError` (a diagnosis, `server_error`), where exchangelib's recovering parser would
  read the items that arrived, with empty fields, as if the calendar had been read. And an ErrorServerBusy
  sent as the FindItem's ResponseMessage keeps its `BackOffMilliseconds` (exchangelib reads it only from a
  SOAP fault and otherwise waits 10 s of its own).
- **The request body is built once per run.** The first probe builds the FindItem body with exchangelib;
  later probes copy it and change only what differs between two probes: the mailbox address in
  `<t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>` and the CalendarView's
  `StartDate` / `EndDate`. Anything else that could differ (the server version) is part of the cache key.
- **No item objects.** A `<t:CalendarItem>` of the answer becomes the block the probe reports (start, end,
  busy type, all-day) straight from its four elements; an item that is not a plain one (all-day, a time
  not written `YYYY-MM-DDTHH:MM:SSZ`, an unknown busy type, another item type) goes through exchangelib's
  own model, so every block is what `read_busy_blocks` gives for it. Only those four fields are requested
  and read.

Qt-free; thread-safe (`PayloadCache` is shared by a run's workers).
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from typing import Any

from exchangelib import EWSDateTime
from exchangelib.errors import ErrorServerBusy, MalformedResponseError, SOAPError
from exchangelib.folders import Calendar, FolderCollection
from exchangelib.items import ID_ONLY
from exchangelib.properties import CalendarView
from exchangelib.services import FindItem
from exchangelib.util import MNS, SOAPNS, TNS, ParseError, to_xml

from ec_console.providers.exchange.check import CALENDAR_DAYS, UTC, block_of
from ec_console.texts import say_n

BUSY_FIELDS = ("start", "end", "legacy_free_busy_status", "is_all_day")
_FREE_BUSY = frozenset({"Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"})
_ITEM_TAG = f"{{{TNS}}}CalendarItem"
_START, _END = f"{{{TNS}}}Start", f"{{{TNS}}}End"
_STATUS, _ALL_DAY = f"{{{TNS}}}LegacyFreeBusyStatus", f"{{{TNS}}}IsAllDayEvent"
_EMAIL_PATH = (f"{{{MNS}}}ParentFolderIds/{{{TNS}}}DistinguishedFolderId/{{{TNS}}}Mailbox"
               f"/{{{TNS}}}EmailAddress")
_VIEW_TAG = f"{{{MNS}}}CalendarView"


class PayloadCache:
    """FindItem bodies built once per run, keyed by what shapes them (the server version as the account and
    the protocol know it, the shape, depth and page size)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[tuple[str, ...], Any] = {}
        self._queries: dict[str, Any] = {}
        self.built = 0      # bodies built by exchangelib (1 in a healthy run)
        self.copied = 0     # bodies copied from one of them

    def query(self, key: str, derive: Any) -> Any:
        """The view's FindItem arguments for this server version, derived once by exchangelib (`derive`)."""
        with self._lock:
            known = self._queries.get(key)
        if known is None:
            known = derive()
            with self._lock:
                known = self._queries.setdefault(key, known)
        return known

    def body(self, key: tuple[str, ...], build: Any, mailbox: str, start: EWSDateTime,
             end: EWSDateTime) -> Any:
        with self._lock:
            template = self._bodies.get(key)
        if template is None:
            payload = build()
            if _fill(copy.deepcopy(payload), mailbox, start, end) is None:
                return payload      # a body of another shape: never reused
            with self._lock:
                self._bodies.setdefault(key, copy.deepcopy(payload))
                self.built += 1
            return payload
        payload = _fill(copy.deepcopy(template), mailbox, start, end)
        with self._lock:
            self.copied += 1
        return payload


def _fill(payload: Any, mailbox: str, start: EWSDateTime, end: EWSDateTime) -> Any:
    """`payload` with this probe's mailbox and view dates, or None when it is not the shape expected."""
    email = payload.find(_EMAIL_PATH)
    view = payload.find(_VIEW_TAG)
    if email is None or view is None or view.get("StartDate") is None or view.get("EndDate") is None:
        return None
    email.text = mailbox
    view.set("StartDate", start.ewsformat())
    view.set("EndDate", end.ewsformat())
    return payload


class BusyViewFindItem(FindItem):
    """exchangelib's FindItem for the probe's calendar view: answer parsed whole, body reused, blocks not
    items (see the module doc)."""

    def __init__(self, *args: Any, cache: PayloadCache | None = None, mailbox: str = "",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache = cache
        self._mailbox = mailbox

    @classmethod
    def _get_soap_parts(cls, response: Any) -> Any:
        # exchangelib's own, with `response.content` (the whole answer, already read: FindItem does not
        # stream) in place of `response.iter_content()` (1-byte chunks).
        content = response.content or b""
        try:
            root = to_xml(content)
        except ParseError as exc:
            raise SOAPError(f"Bad SOAP response: {exc}") from exc
        header = root.find(f"{{{SOAPNS}}}Header")
        body = root.find(f"{{{SOAPNS}}}Body")
        if body is None:
            raise MalformedResponseError("No Body element in SOAP response")
        if not content.rstrip().endswith(b"Envelope>"):
            # exchangelib's parser recovers from a cut answer and reads the items it got, with empty fields;
            # a probe must not call a calendar read that never arrived whole.
            raise MalformedResponseError(say_n("the answer stopped after {n} byte, before its end",
                                               "the answer stopped after {n} bytes, before its end",
                                               len(content)))
        return header, body

    def get_payload(self, folders: Any, additional_fields: Any, restriction: Any, order_fields: Any,
                    query_string: Any, shape: Any, depth: Any, calendar_view: Any, page_size: Any,
                    offset: int = 0) -> Any:
        def build() -> Any:
            return super(BusyViewFindItem, self).get_payload(
                folders, additional_fields, restriction, order_fields, query_string, shape, depth,
                calendar_view, page_size, offset)

        reusable = (self._cache is not None and self._mailbox and calendar_view is not None and offset == 0
                    and restriction is None and order_fields is None and query_string is None)
        if not reusable:
            return build()
        key = (repr(self.account.version), repr(self.protocol.version), str(shape), str(depth),
               str(page_size), str(calendar_view.max_items))
        assert self._cache is not None
        return self._cache.body(key, build, self._mailbox, calendar_view.start, calendar_view.end)

    @staticmethod
    def _get_exception(code: Any, text: Any, msg_xml: Any = None, rule_errors: Any = None) -> Any:
        # exchangelib reads BackOffMilliseconds only from a SOAP fault; Exchange also sends ErrorServerBusy as
        # the FindItemResponseMessage with the wait in its MessageXml. Read it there too: without it
        # exchangelib makes up its own wait (10 s).
        exc = FindItem._get_exception(code, text, msg_xml, rule_errors)
        if isinstance(exc, ErrorServerBusy) and msg_xml is not None:
            for value in msg_xml.findall(f"{{{TNS}}}Value"):
                if value.get("Name") == "BackOffMilliseconds":
                    try:
                        exc.back_off = int((value.text or "").strip()) / 1000.0
                    except ValueError:
                        pass
        return exc

    def _elem_to_obj(self, elem: Any) -> dict[str, Any]:
        block = _plain_block(elem)
        if block is not None:
            return block
        item = super()._elem_to_obj(elem)      # exchangelib's own model, for anything not plain
        return block_of(item)


def _plain_block(elem: Any) -> dict[str, Any] | None:
    """The block of a plain `<t:CalendarItem>` (not all-day, UTC times, a known busy type), else None."""
    if elem.tag != _ITEM_TAG:
        return None
    all_day = elem.findtext(_ALL_DAY)
    status = elem.findtext(_STATUS)
    if all_day != "false" or status not in _FREE_BUSY:
        return None
    start, end = _utc_text(elem.findtext(_START)), _utc_text(elem.findtext(_END))
    if start is None or end is None:
        return None
    return {"start": start, "end": end, "busy_type": status, "all_day": False}


def _utc_text(text: str | None) -> str | None:
    """`text` when it is a UTC time to the second as EWS writes it (`2026-12-03T10:00:00Z`), else None (any
    other form is left to exchangelib's model, which reads it its own way)."""
    if not text or len(text) != 20 or text[-1] != "Z" or text[10] != "T":
        return None
    try:
        dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return text


def busy_blocks(calendar: Calendar, cache: PayloadCache, days: int = CALENDAR_DAYS) -> list[dict[str, Any]]:
    """What `check.read_busy_blocks(calendar, days)` returns, by the same FindItem request (module doc)."""
    account = calendar.account
    start = EWSDateTime.now(tz=UTC)
    end = start + dt.timedelta(days=days)
    query = cache.query(repr(account.version), lambda: _query(calendar, start, end))
    service = BusyViewFindItem(account=account, page_size=query.page_size, cache=cache,
                               mailbox=account.primary_smtp_address)
    blocks = []
    for block in service.call(
        folders=[calendar], additional_fields=query.additional_fields, restriction=None,
        order_fields=None, shape=ID_ONLY, query_string=None, depth=query.depth,
        calendar_view=CalendarView(start=start, end=end), max_items=None, offset=0,
    ):
        if isinstance(block, Exception):
            raise block
        blocks.append(block)
    blocks.sort(key=lambda b: (b["start"], b["end"]))
    return blocks


class _Query:
    """The FindItem arguments exchangelib's QuerySet derives for the view (the same for every mailbox of a
    server version): the fields (with the time-zone fields it adds), the traversal, the page size."""

    def __init__(self, additional_fields: Any, depth: Any, page_size: Any) -> None:
        self.additional_fields = additional_fields
        self.depth = depth
        self.page_size = page_size


def _query(calendar: Calendar, start: EWSDateTime, end: EWSDateTime) -> _Query:
    view = calendar.view(start=start, end=end).only(*BUSY_FIELDS)   # exchangelib's own choice of fields
    if view.calendar_view.max_items is not None:  # pragma: no cover - `view()` was given no max_items
        raise AssertionError("a calendar view without max_items was expected")
    folders = FolderCollection(account=calendar.account, folders=[calendar])
    return _Query(frozenset(view._additional_fields()), folders._get_default_item_traversal_depth(),
                  view.page_size)
