"""What a list a page at a time needs besides Django's Paginator."""

from django.utils.http import urlencode


def query_before_page(**parameters: str) -> str:
    """The list's other parameters for the Previous and Next links (templates/portal/
    _pagination.html): "unread=1&kind=x&", the empty ones left out; "" when none."""
    kept = {name: value for name, value in parameters.items() if value}
    return urlencode(kept) + "&" if kept else ""
