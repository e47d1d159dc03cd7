"""Working days for due dates (no Django here): Monday to Friday; public holidays are not
known to the portal and count as working days."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
# The last second of a day: a due date is met by an answer sent at any time of that day.
END_OF_DAY = time(23, 59, 59)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    Asked on a Monday, 5 working days later is the next Monday; asked on a Friday, Saturday or
    Sunday, it is the Friday of the week after.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def end_of_day(day: date, zone: ZoneInfo = BRUSSELS) -> datetime:
    """The last second of ``day`` in ``zone`` (Brussels time by default), as an aware moment."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


def default_due_date(asked_at: datetime, days: int, zone: ZoneInfo = BRUSSELS) -> date:
    """The day an answer is due by default: ``days`` working days after the day (in ``zone``)
    of ``asked_at``."""
    return add_working_days(asked_at.astimezone(zone).date(), days)
