"""The Previous and Next links of a list a page at a time keep the list's filters."""

from django.test import RequestFactory

from portal.pagination import filters_query, query_without_page


def test_the_filters_are_encoded_and_empty_ones_are_left_out():
    assert filters_query(unread="1", kind="calls.alert") == "unread=1&kind=calls.alert"
    assert filters_query(outcome="", rule="") == ""
    assert filters_query(rule="a b&c") == "rule=a+b%26c"


def test_the_requests_filters_are_kept_but_its_page():
    request = RequestFactory().get("/activities/", {"kind": "training", "page": "3",
                                                    "year": ["2026", "2027"]})
    assert query_without_page(request) == "kind=training&year=2026&year=2027"
    assert query_without_page(RequestFactory().get("/activities/?page=2")) == ""
