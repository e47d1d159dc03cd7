"""CSV for spreadsheets: cells that a spreadsheet would read as a formula are neutralised."""

import csv
import io
from collections.abc import Iterable, Iterator

# A cell beginning with one of these is a formula to Excel, LibreOffice or Google Sheets
# (OWASP "CSV injection"); a leading single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header and each row as one CSV line (for a streaming response), every cell safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _chain(header, rows):
        writer.writerow([neutralise(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header, rows):
    yield header
    yield from rows
