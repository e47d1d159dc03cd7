"""The portal's English formats (FORMAT_MODULE_PATH): day month year and a 24-hour clock, as the
calls are published, instead of Django's American defaults ("Dec. 5, 2026, 1:12 p.m."). A new
interface language adds its own folder beside this one; what it leaves out falls back to
Django's."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
