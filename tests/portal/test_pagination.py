"""The Previous and Next links of a list a page at a time keep the list's filters."""

from portal.pagination import query_before_page


def test_the_filters_come_before_the_page_and_empty_ones_are_left_out():
    assert query_before_page(unread="1", kind="calls.alert") == "unread=1&kind=calls.alert&"
    assert query_before_page(outcome="", rule="") == ""
    assert query_before_page(rule="a b&c") == "rule=a+b%26c&"
