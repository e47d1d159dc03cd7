"""One way to write money, scores and moments on every page (and in the texts services compose).

The portal formats through Django's number and date formatting, so the separators and month names
come from the active language's format module (``portal/locale_formats/<lang>/formats.py``, then
Django's own): another interface language changes them without touching a template.

- money: ``eur(Decimal("20000"))`` -> "EUR 20,000.00", always two decimals, grouped;
- scores: ``score(Decimal("3.50"))`` -> "3.5", ``score(4)`` -> "4.0": as many decimals as the
  call's score step has (one for the default half points; none for whole points), more only when a
  weighted value needs them (at most two, rounded half up);
- moments: ``brussels(moment)`` -> "5 December 2026, 13:06", in Brussels time whatever the active
  time zone; ``date_only=True`` -> "5 December 2026"; ``seconds=True`` -> "... 13:06:05" (where a
  second decides, as for a deadline). Pages add "(Brussels time)" once beside it; the
  ``brussels`` template filter does.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats, timezone

BRUSSELS = ZoneInfo("Europe/Brussels")
CURRENCY = "EUR"
DEFAULT_SCORE_STEP = Decimal("0.5")
MAX_SCORE_DECIMALS = 2


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def amount(value) -> str:
    """A sum of money without its currency: "20,000.00"; "" for no value."""
    number = _decimal(value)
    if number is None:
        return ""
    return _number(number, 2)


def eur(value) -> str:
    """A sum in euros: "EUR 20,000.00"; "" for no value."""
    text = amount(value)
    return f"{CURRENCY} {text}" if text else ""


def _number(number: Decimal, places: int) -> str:
    # Rounded half up as people do by hand (Django's formatting alone would round half to even).
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=places, force_grouping=True)


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def score(value, step=None) -> str:
    """A score or weighted total: "3.5", "4.0", "12.75"; "" for no value."""
    number = _decimal(value)
    if number is None:
        return ""
    step = _decimal(step) or DEFAULT_SCORE_STEP
    places = min(max(_decimals(step), _decimals(number)), MAX_SCORE_DECIMALS)
    return _number(number, places)


def brussels(moment: datetime | date | None, *, date_only: bool = False,
             seconds: bool = False) -> str:
    """A moment as people in Brussels read it: "5 December 2026, 13:06"; "" for no value."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        if timezone.is_aware(moment):
            moment = moment.astimezone(BRUSSELS)
    elif not date_only:  # a date has no time of day to show
        date_only = True
    if date_only:
        return dateformat.format(moment, formats.get_format("DATE_FORMAT"))
    if seconds:
        pattern = f"{formats.get_format('DATE_FORMAT')}, H:i:s"
        return dateformat.format(moment, pattern)
    return dateformat.format(moment, formats.get_format("DATETIME_FORMAT"))
