"""Italian: "6 dicembre 2026, 13:06" (Django's own puts the weekday first: too long beside a
deadline). Numbers stay Django's Italian ones (1.050.000,00)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
