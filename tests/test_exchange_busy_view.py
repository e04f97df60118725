"""The bulk probe's FindItem adapter (`providers.exchange.busy_view`) reads answers as exchangelib does.

Its own parts — the answer parsed in one piece and calendar items read without exchangelib's model — are
compared here with exchangelib's own code on the same bytes; the request and the verdicts through the
sandbox are in tests/test_exchange_probe.py.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from exchangelib.errors import ErrorServerBusy, MalformedResponseError, SOAPError
from exchangelib.items import CalendarItem
from exchangelib.services import FindItem
from lxml import etree
from urllib3 import HTTPResponse

from ec_console.providers.exchange.busy_view import BusyViewFindItem, _plain_block
from ec_console.providers.exchange.check import block_of

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"


def answer(body: str, header: str = '<t:ServerVersionInfo MajorVersion="15" MinorVersion="1" '
                                     'MajorBuildNumber="2507" MinorBuildNumber="6"/>') -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}" xmlns:m="{M}" xmlns:t="{T}">'
            f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>").encode()


def find_item_answer(items: str, *, klass: str = "Success", code: str = "NoError", extra: str = "") -> bytes:
    root = (f'<m:RootFolder TotalItemsInView="1" IncludesLastItemInRange="true"><t:Items>{items}</t:Items>'
            "</m:RootFolder>") if klass == "Success" else ""
    return answer("<m:FindItemResponse><m:ResponseMessages>"
                  f'<m:FindItemResponseMessage ResponseClass="{klass}">'
                  f"{extra}<m:ResponseCode>{code}</m:ResponseCode>{root}</m:FindItemResponseMessage>"
                  "</m:ResponseMessages></m:FindItemResponse>")


def calendar_item(start: str, end: str, status: str | None = "Busy", all_day: str | None = "false") -> str:
    parts = [f'<t:ItemId Id="AAMkADitem" ChangeKey="DwAAAB"/><t:Start>{start}</t:Start><t:End>{end}</t:End>']
    if all_day is not None:
        parts.append(f"<t:IsAllDayEvent>{all_day}</t:IsAllDayEvent>")
    if status is not None:
        parts.append(f"<t:LegacyFreeBusyStatus>{status}</t:LegacyFreeBusyStatus>")
    return f"<t:CalendarItem>{''.join(parts)}</t:CalendarItem>"


class _Trickle(io.RawIOBase):
    """A socket that hands over at most `size` bytes per read, as a slow network does."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size = data, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        piece, self._data = self._data[:self._size], self._data[self._size:]
        buffer[:len(piece)] = piece
        return len(piece)


def http_answer(data: bytes, *, status: int = 200, piece: int = 7) -> requests.Response:
    """A `requests` answer whose body arrives in pieces of `piece` bytes."""
    response = requests.Response()
    response.status_code = status
    response.raw = HTTPResponse(body=_Trickle(data, piece), preload_content=False, status=status,
                                headers={"Content-Type": "text/xml; charset=utf-8"})
    return response


def exchangelibs_parts(data: bytes) -> tuple[bytes | None, bytes]:
    header, body = FindItem._get_soap_parts(http_answer(data))
    return (etree.tostring(header) if header is not None else None), etree.tostring(body)


def our_parts(data: bytes, piece: int = 7) -> tuple[bytes | None, bytes]:
    response = http_answer(data, piece=piece)
    _ = response.content                      # what `requests` does before exchangelib sees the answer
    header, body = BusyViewFindItem._get_soap_parts(response)
    return (etree.tostring(header) if header is not None else None), etree.tostring(body)


# --- the answer, parsed in one piece ------------------------------------------------------------------------


@pytest.mark.parametrize("piece", [1, 7, 4096])
def test_an_answer_arriving_in_pieces_parses_as_exchangelib_parses_it(piece: int) -> None:
    # a two-byte character ("ü") and an attribute straddle the piece boundaries somewhere
    items = "".join(calendar_item(f"2026-12-0{d}T09:00:00Z", f"2026-12-0{d}T10:00:00Z") for d in range(1, 8))
    data = find_item_answer(items, extra="<m:MessageText>Müller's calendar</m:MessageText>")
    ours = our_parts(data, piece)
    assert ours == exchangelibs_parts(data)
    assert b"M&#252;ller" in ours[1] and ours[1].count(b"CalendarItem>") == 14


def test_a_fault_with_back_off_is_read_from_the_whole_answer() -> None:
    fault = answer(
        "<s:Fault><faultcode>a:ErrorServerBusy</faultcode><faultstring>The server cannot service this "
        "request right now. Try again later.</faultstring><detail>"
        '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy'
        '</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">'
        "The server cannot service this request right now.</e:Message>"
        '<t:MessageXml><t:Value Name="BackOffMilliseconds">2750</t:Value></t:MessageXml></detail></s:Fault>',
        header="")
    _, body = BusyViewFindItem._get_soap_parts(_read(http_answer(fault, status=500, piece=5)))
    with pytest.raises(ErrorServerBusy) as raised:
        BusyViewFindItem._raise_soap_errors(fault=body.find(f"{{{SOAP}}}Fault"))
    assert raised.value.back_off == 2.75


def _read(response: requests.Response) -> requests.Response:
    _ = response.content
    return response


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", SOAPError),                                                        # nothing at all
        (b"<html><body>Service Unavailable</body></html>", MalformedResponseError),  # a proxy's page
    ],
    ids=["empty", "html"],
)
def test_a_broken_answer_is_exchangelibs_error_for_it(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        exchangelibs_parts(data)
    with pytest.raises(error):
        our_parts(data)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.97])
def test_a_cut_answer_is_malformed_not_a_calendar_read(keep: float) -> None:
    data = find_item_answer(calendar_item("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"))
    cut = data[:int(len(data) * keep)]
    with pytest.raises(MalformedResponseError, match="stopped after|No Body"):
        our_parts(cut)
    assert our_parts(data + b"\r\n")[1] == exchangelibs_parts(data)[1]   # trailing white space is whole


# --- calendar items without exchangelib's model ------------------------------------------------------------


def _element(xml: str) -> Any:
    return etree.fromstring(f'<x xmlns:t="{T}">{xml}</x>')[0]


@pytest.mark.parametrize(
    "item",
    [
        calendar_item("2026-12-01T09:00:00Z", "2026-12-01T09:45:00Z"),
        calendar_item("2026-12-01T09:00:00Z", "2026-12-01T09:45:30Z", status="Tentative"),
        calendar_item("2026-12-31T23:30:00Z", "2027-01-01T00:15:00Z", status="OOF"),
        calendar_item("2026-12-02T08:00:00Z", "2026-12-02T08:30:00Z", status="WorkingElsewhere"),
        calendar_item("2026-12-02T08:00:00Z", "2026-12-02T08:30:00Z", status="Free"),
    ],
)
def test_a_plain_item_gives_the_block_exchangelibs_model_gives(item: str) -> None:
    elem = _element(item)
    block = _plain_block(elem)
    assert block is not None
    assert block == block_of(CalendarItem.from_xml(elem=elem, account=None))


@pytest.mark.parametrize(
    "item",
    [
        calendar_item("2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", all_day="true"),    # all-day: model
        calendar_item("2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"),          # not UTC
        calendar_item("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", status=None),       # default busy type
        calendar_item("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", status="Elsewhere"),  # unknown type
        calendar_item("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", all_day=None),      # no all-day flag
        calendar_item("yesterday", "2026-12-01T10:00:00Z"),                               # not a time
        calendar_item("2026-12-01T09:00:00.000Z", "2026-12-01T09:45:30.5Z"),              # fractions
        calendar_item("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z").replace("CalendarItem", "Message"),
    ],
    ids=["all-day", "offset", "no-status", "unknown-status", "no-all-day", "not-a-time", "fractions",
         "other-item"],
)
def test_an_item_that_is_not_plain_is_left_to_exchangelibs_model(item: str) -> None:
    assert _plain_block(_element(item)) is None
