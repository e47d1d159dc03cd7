"""Rows to CSV (streamed, UTF-8 with a BOM so that Excel reads the accents) and to XLSX
(XlsxWriter in constant-memory mode: rows go to disk as they come, the memory stays flat).

Every text cell goes through :func:`reporting.csv_export.neutralise`, the one formula guard of
the portal; numbers, amounts and dates are typed cells in XLSX and plain figures in CSV.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from portal.formats import BRUSSELS
from reporting.csv_export import neutralise

TEXT, MONEY, NUMBER, DATE, DATETIME = "text", "money", "number", "date", "datetime"
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translation
    accessor: Callable[[Any], Any]
    kind: str = TEXT
    width: int = 18


def yes_no(value: bool) -> str:
    """A yes-or-no cell, in words (a spreadsheet filters on them; TRUE/FALSE read as formulas)."""
    return _("yes") if value else _("no")


def local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment as Brussels wall-clock time, without a zone (what a spreadsheet shows)."""
    if moment is None:
        return None
    return moment.astimezone(BRUSSELS).replace(tzinfo=None)


def csv_cell(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == MONEY:
        return f"{Decimal(value):.2f}"
    if kind == NUMBER:
        return str(value)
    if kind == DATETIME:
        return local(value).strftime("%Y-%m-%d %H:%M")
    if kind == DATE:
        return value.isoformat()
    return neutralise(value)


def csv_stream(columns: list[Column], rows: Iterable) -> Iterator[str]:
    """The BOM and header, then one CSV line per row (for a StreamingHttpResponse)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(c.header)) for c in columns])
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(c.accessor(row), c.kind) for c in columns])
        yield buffer.getvalue()


def write_xlsx(target, *, title: str, columns: list[Column], rows: Iterable,
               total: int = 0, progress: Callable[[int], None] | None = None,
               every: int = 1000) -> int:
    """Write the rows into ``target`` (a path or a binary file) as one sheet; return the number
    of rows. ``progress(n)`` is called every ``every`` rows (a task's progress bar)."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    formats = cell_formats(workbook)
    count = write_sheet(workbook, title=title, columns=columns, rows=rows, formats=formats,
                        progress=progress, every=every)
    workbook.close()
    return count


def cell_formats(workbook) -> dict:
    """The formats of the typed cells (and of the header), once per workbook."""
    return {"header": workbook.add_format({"bold": True}),
            MONEY: workbook.add_format({"num_format": "#,##0.00"}),
            DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
            DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})}


def write_sheet(workbook, *, title: str, columns: list[Column], rows: Iterable, formats: dict,
                progress: Callable[[int], None] | None = None, every: int = 1000) -> int:
    """Add one sheet of ``rows`` under a bold, frozen header; return the number of rows."""
    sheet = workbook.add_worksheet(str(title)[:31])
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
        sheet.write_string(0, index, neutralise(str(column.header)), formats["header"])
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(columns):
            _write(sheet, count, index, column.accessor(row), column.kind, formats)
        if progress is not None and count % every == 0:
            progress(count)
    return count


def _write(sheet, row: int, col: int, value, kind: str, formats: dict) -> None:
    if value is None or value == "":
        return
    if kind == MONEY:
        sheet.write_number(row, col, float(value), formats[MONEY])
    elif kind == NUMBER:
        sheet.write_number(row, col, float(value))
    elif kind == DATETIME:
        sheet.write_datetime(row, col, local(value), formats[DATETIME])
    elif kind == DATE:
        sheet.write_datetime(row, col, datetime.datetime.combine(value, datetime.time()),
                             formats[DATE])
    else:
        sheet.write_string(row, col, neutralise(value))
