"""What a list a page at a time needs besides Django's Paginator: the list's filters for the
Previous and Next links of templates/portal/_pagination.html (and for its downloads)."""

from django.http import HttpRequest
from django.utils.http import urlencode


def filters_query(**parameters: str) -> str:
    """The given filters, URL-encoded: "unread=1&kind=x", the empty ones left out; "" when none."""
    return urlencode({name: value for name, value in parameters.items() if value})


def query_without_page(request: HttpRequest) -> str:
    """The request's query string without its page number: the filters as the person set them."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
