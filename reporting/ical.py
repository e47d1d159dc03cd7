"""iCalendar (RFC 5545) writing, by hand and without Django: text escaping (3.3.11), line folding
at 75 octets (3.1), UTC times with "Z" (3.3.5). Plain data in, the calendar text out."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

CRLF = "\r\n"
MAX_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime.datetime
    stamp: datetime.datetime
    summary: str
    description: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, every line break as ``\\n``."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc(moment: datetime.datetime) -> str:
    """A DATE-TIME in UTC ("form #2"): 20270115T160000Z. Refuses a naive time."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in a calendar")
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, each continuation starting with a
    space; never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        # A continuation line's leading space counts in its 75 octets.
        limit = MAX_OCTETS if not parts else MAX_OCTETS - 1
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


def calendar(*, events: Iterable[Event], prodid: str, name: str) -> str:
    """A VCALENDAR (METHOD:PUBLISH) of ``events``; every line folded, ended by CRLF."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{utc(event.stamp)}",
                  f"DTSTART:{utc(event.start)}", f"SUMMARY:{escape_text(event.summary)}"]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
