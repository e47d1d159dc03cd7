"""Business figures for ``/metrics``, counted from the database at every scrape: exact whichever
process submitted or paid, and nothing to keep in step (see ``portal.metrics``)."""

from collections.abc import Iterable

from django.db.models import Count, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from applications.models import Application, ApplicationVersion
from payments.models import Payment
from portal.metrics import register_collector


@register_collector
def business_figures() -> Iterable[Metric]:
    """Submitted versions, applications by status, payments (count and euros) by status: three
    queries a scrape."""
    submissions = CounterMetricFamily(
        "portal_submissions", "Versions submitted, every call (a re-submission counts again).")
    submissions.add_metric([], ApplicationVersion.objects.count())
    applications = GaugeMetricFamily("portal_applications", "Applications by status.",
                                      labels=["status"])
    by_status = dict(Application.objects.values_list("status").annotate(n=Count("pk")))
    for status in Application.Status:
        applications.add_metric([status.value], by_status.get(status.value, 0))
    payments = GaugeMetricFamily("portal_payments", "Payments by status.", labels=["status"])
    euros = GaugeMetricFamily("portal_payments_amount_euros", "Sum of the payments by status.",
                              labels=["status"])
    rows = {row["status"]: row for row in
            Payment.objects.values("status").annotate(n=Count("pk"), amount=Sum("amount"))}
    for status in Payment.Status:
        row = rows.get(status.value, {"n": 0, "amount": 0})
        payments.add_metric([status.value], row["n"])
        euros.add_metric([status.value], float(row["amount"] or 0))
    return [submissions, applications, payments, euros]
