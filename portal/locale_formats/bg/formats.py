"""Bulgarian: "6 декември 2026 г., 13:06" and "1 050 000,00" (Django's own has an English-like
"Дек. 6, 2026" and a 12-hour clock, and no grouping)."""

DATE_FORMAT = "j F Y г."
DATETIME_FORMAT = "j F Y г., H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
