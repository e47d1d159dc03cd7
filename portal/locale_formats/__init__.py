
# The month names of dates ("6 December 2026"), as Django writes them: listed here so that the
# portal's own catalogues carry them and win over Django's, which capitalise them where the
# language does not (Italian, Romanian, Portuguese, Bulgarian write "6 dicembre 2026").
from django.utils.translation import gettext_noop  # noqa: E402

MONTHS = (
    gettext_noop("January"), gettext_noop("February"), gettext_noop("March"),
    gettext_noop("April"), gettext_noop("May"), gettext_noop("June"), gettext_noop("July"),
    gettext_noop("August"), gettext_noop("September"), gettext_noop("October"),
    gettext_noop("November"), gettext_noop("December"),
)
