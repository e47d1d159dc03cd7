"""Every page of an area shows that area's tabs: the per-call tabs on each page a manager opens for
a call (the Eligibility page and an application's eligibility result included), the Finance tabs on
each Finance page (the bank detail changes included). Rendered on the demo data."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse, reverse_lazy

from accounts.models import User
from applications.models import EligibilityResult
from calls.models import OpenCall
from evaluation import demo as evaluation_demo
from evaluation.models import AssignmentRun
from payments import demo
from payments.models import GrantAgreement, PaymentBatch, ProgressReport

TABS = re.compile(r'<ul class="nav nav-tabs[^"]*"[^>]*>(.*?)</ul>', re.S)


def _has_tabs(page: str, first: str, last: str) -> bool:
    """A row of tabs on the page, from its first tab to its last."""
    return any(f'href="{first}"' in tabs and f'href="{last}"' in tabs
               for tabs in TABS.findall(page))


@pytest.fixture
def demo_calls(db):
    """The evaluation demo's call (DREAM, in evaluation) and the payments demo's (Silicon Europe,
    results published, agreements and reports)."""
    for command in ("seed_demo", "seed_demo_evaluation", "seed_demo_payments"):
        call_command(command, stdout=StringIO())
    return (OpenCall.objects.get(reference=evaluation_demo.CALL),
            OpenCall.objects.get(reference=demo.CALL))


def _tab_pages(call: OpenCall) -> list[str]:
    return [reverse(name, args=[call.pk]) for name in (
        "applications:manage_call_eligibility", "evaluation:manage_pool",
        "evaluation:manage_assignment", "evaluation:manage_reviews", "evaluation:manage_ranking",
        "payments:manage_agreements", "payments:manage_reports", "calls:manage_questions",
        "payments:call_ledger")]


def _missing_tabs(client, urls: list[str], first: str, last: str) -> list[str]:
    missing = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if not _has_tabs(response.content.decode(), first, last):
            missing.append(url)
    return missing


def _call_tabs(call: OpenCall) -> tuple[str, str]:
    return (reverse("applications:manage_call_eligibility", args=[call.pk]),
            reverse("payments:call_ledger", args=[call.pk]))


FINANCE_TABS = (reverse_lazy("payments:finance"), reverse_lazy("payments:finance_bank_changes"))


def test_every_page_of_a_call_shows_the_call_tabs(client, demo_calls):
    dream, silicon = demo_calls
    run = AssignmentRun.objects.get(call=dream)
    assigned = dream.applications.filter(assignments__isnull=False).first()
    client.force_login(User.objects.get(email=evaluation_demo.MANAGER))
    missing = _missing_tabs(client, [
        *_tab_pages(dream), reverse("evaluation:manage_run", args=[run.pk]),
        reverse("evaluation:manage_application_assignments", args=[assigned.pk])],
        *_call_tabs(dream))

    result = EligibilityResult.objects.filter(version__application__call=silicon).first()
    report = ProgressReport.objects.get(agreement__application__call=silicon)
    signed = GrantAgreement.objects.get(
        application__call=silicon, status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    client.force_login(User.objects.get(email=demo.MANAGER))
    missing += _missing_tabs(client, [
        *_tab_pages(silicon),
        reverse("applications:manage_eligibility_result", args=[result.pk]),
        reverse("payments:manage_report", args=[report.pk]),
        reverse("payments:countersign", args=[signed.pk])], *_call_tabs(silicon))
    assert missing == []


def test_every_finance_page_shows_the_finance_tabs(client, demo_calls):
    _dream, silicon = demo_calls
    batch = PaymentBatch.objects.get()
    client.force_login(User.objects.get(email=demo.FINANCE))
    missing = _missing_tabs(client, [
        reverse("payments:finance"), reverse("payments:batches"),
        reverse("payments:batch", args=[batch.pk]), reverse("payments:eurocluster_ledger"),
        reverse("payments:finance_bank_changes"),
        reverse("payments:call_ledger", args=[silicon.pk])], *FINANCE_TABS)
    assert missing == []


def test_the_tab_of_the_page_is_the_active_one(client, demo_calls):
    _dream, silicon = demo_calls
    client.force_login(User.objects.get(email=demo.MANAGER))
    eligibility = reverse("applications:manage_call_eligibility", args=[silicon.pk])
    page = client.get(eligibility)
    assert f'class="nav-link active" href="{eligibility}"' in page.content.decode()
    client.force_login(User.objects.get(email=demo.FINANCE))
    page = client.get(reverse("payments:finance_bank_changes"))
    bank = reverse("payments:finance_bank_changes")
    assert f'class="nav-link active" href="{bank}"' in page.content.decode()
