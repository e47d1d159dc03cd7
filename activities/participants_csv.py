"""Reading a CSV file of participants: every data row accepted or refused with its reason.

Pure: no models, no database (only gettext from Django). The caller gives the countries it
accepts and the identity keys already taken; the identifiers module normalises the numbers, so a
row is known under the same identity key as an enterprise entered by hand or funded through a
call.

The file: UTF-8 (a byte-order mark is allowed), comma- or semicolon-separated, a header row naming
the columns ``name``, ``country`` and ``registration_number`` (in any order, other columns
ignored). At most ``MAX_BYTES`` bytes and ``MAX_ROWS`` data rows.
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from django.utils.translation import gettext as _

from applications.identifiers import InvalidIdentifier, identity_key, normalise_identifier

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("name", "country", "registration_number")
# Header spellings people type for the same column.
ALIASES = {"registration number": "registration_number", "registration_no": "registration_number",
           "vat": "registration_number", "vat number": "registration_number",
           "vat_number": "registration_number", "organisation": "name",
           "organization": "name", "legal name": "name", "legal_name": "name"}


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    country: str
    registration_number: str
    identity_key: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _header_key(cell: str) -> str:
    key = " ".join(cell.strip().lower().split())
    return ALIASES.get(key, key.replace(" ", "_"))


def decode(data: bytes) -> str:
    """The file's text, or UnreadableFile when it is empty, too large or not UTF-8 text."""
    if not data:
        raise UnreadableFile(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            _("The file has %(size)s bytes; the limit is %(limit)s bytes (1 MB). Split it into "
              "smaller files.") % {"size": f"{len(data):,}", "limit": f"{MAX_BYTES:,}"})
    if b"\x00" in data:
        raise UnreadableFile(_("This is not a CSV text file. Save the sheet as “CSV UTF-8” "
                               "and upload that."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_("The file is not in UTF-8. Save it as “CSV UTF-8” and upload "
                               "it again.")) from None


def delimiter_of(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read(data: bytes, *, countries: Mapping[str, str],
         taken: Mapping[str, str]) -> list[Row]:
    """Every data row of the file, accepted or refused, with its line number.

    ``countries`` maps an accepted spelling (lower case: the ISO code, the English name) to the
    ISO code; ``taken`` maps the identity keys already participants to their names. Blank rows
    are skipped. Raises UnreadableFile for a file that cannot be read as a whole (empty, too
    large, not UTF-8 text, no header naming the three columns, too many rows).
    """
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""),
                        delimiter=delimiter_of(text.split("\n", 1)[0]))
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile(_("The file is empty.")) from None
    except csv.Error as error:
        raise UnreadableFile(_("Line 1 cannot be read as CSV (%(error)s).")
                             % {"error": error}) from None
    keys = [_header_key(cell) for cell in header]
    missing = [column for column in COLUMNS if column not in keys]
    if missing:
        raise UnreadableFile(
            _("The first line must name the columns name, country and registration_number; "
              "missing: %(missing)s.") % {"missing": ", ".join(missing)})
    index = {column: keys.index(column) for column in COLUMNS}
    rows: list[Row] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise UnreadableFile(_("Line %(line)d cannot be read as CSV (%(error)s).")
                                 % {"line": line, "error": error}) from None
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise UnreadableFile(_("The file has more than %(rows)s rows. Split it into "
                                   "smaller files.") % {"rows": f"{MAX_ROWS:,}"})
        values = {column: (cells[i].strip() if i < len(cells) else "")
                  for column, i in index.items()}
        rows.append(check_row(line, values, countries=countries, taken=taken, seen=seen))
    return rows


def check_row(line: int, values: Mapping[str, str], *, countries: Mapping[str, str],
              taken: Mapping[str, str], seen: dict[str, int]) -> Row:
    """One row accepted (with its normalised number and identity key) or refused (with why).
    ``seen`` (identity key -> line) collects the accepted rows, to find the duplicates."""
    name = " ".join(values["name"].split())
    country_text, number = values["country"], values["registration_number"]
    row = Row(line=line, name=name, country=country_text, registration_number=number)
    if not name:
        return replace(row, error=_("The name is missing."))
    country = countries.get(" ".join(country_text.lower().split()))
    if country is None:
        if not country_text:
            return replace(row, error=_("The country is missing."))
        return replace(row, error=_("“%(country)s” is not a country: give its two-letter code "
                                    "(e.g. BE) or its English name.")
                       % {"country": country_text})
    row = replace(row, country=country)
    try:
        number = normalise_identifier(number, country)
    except InvalidIdentifier as error:
        return replace(row, error=str(error))
    key = identity_key(number, country)
    row = replace(row, registration_number=number, identity_key=key)
    if key in seen:
        return replace(row, error=_("The same enterprise as line %(line)d (registration "
                                    "number %(number)s).") % {"line": seen[key],
                                                              "number": number})
    if key in taken:
        return replace(row, error=_("Already a participant of this activity (as “%(name)s”).")
                       % {"name": taken[key]})
    seen[key] = line
    return row
