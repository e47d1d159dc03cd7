"""Audit entries written before the chain existed: each gets its subject's Eurocluster (for the
managers' audit page), then all are sealed into the hash chain, oldest first.

Reporting holds this migration because it reads every app's tables (the historical models have
no ``scope_eurocluster_id``, so the path to the Eurocluster is spelled out per model, mirroring
those properties). Subjects deleted since, and enterprises, people and expert profiles, belong to
no one Eurocluster: those entries stay without one (superusers see them).
"""

from collections import defaultdict

from django.db import migrations

from portal.audit_chain import seal_pending

EUROCLUSTER_PATHS = {
    "euroclusters.eurocluster": "id",
    "euroclusters.partner": "eurocluster_id",
    "euroclusters.membership": "eurocluster_id",
    "euroclusters.kpitarget": "eurocluster_id",
    "calls.opencall": "eurocluster_id",
    "calls.vouchertype": "call__eurocluster_id",
    "calls.criterion": "call__eurocluster_id",
    "calls.requireddocument": "call__eurocluster_id",
    "calls.calldocument": "call__eurocluster_id",
    "calls.tranchestep": "call__eurocluster_id",
    "applications.application": "call__eurocluster_id",
    "applications.applicationversion": "application__call__eurocluster_id",
    "applications.eligibilityresult": "version__application__call__eurocluster_id",
    "activities.activity": "eurocluster_id",
    "activities.participant": "activity__eurocluster_id",
    "activities.participantimport": "activity__eurocluster_id",
    "evaluation.callevaluator": "call__eurocluster_id",
    "evaluation.assignmentrun": "call__eurocluster_id",
    "evaluation.assignment": "application__call__eurocluster_id",
    "evaluation.review": "assignment__application__call__eurocluster_id",
    "evaluation.consensus": "application__call__eurocluster_id",
    "evaluation.ranking": "call__eurocluster_id",
    "evaluation.redressrequest": "application__call__eurocluster_id",
    "payments.grantagreement": "application__call__eurocluster_id",
    "payments.tranche": "agreement__application__call__eurocluster_id",
    "payments.progressreport": "agreement__application__call__eurocluster_id",
    "payments.paymentbatch": "eurocluster_id",
    "payments.payment": "batch__eurocluster_id",
    "reporting.publicationwithholding": "agreement__application__call__eurocluster_id",
    "reporting.kpivalue": "target__eurocluster_id",
}


def scope_and_seal(apps, schema_editor):
    AuditEntry = apps.get_model("portal", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    unscoped = defaultdict(set)
    for content_type_id, object_id in (AuditEntry.objects.filter(eurocluster_id__isnull=True)
                                       .values_list("content_type_id", "object_id")):
        unscoped[content_type_id].add(object_id)
    for content_type in ContentType.objects.filter(pk__in=unscoped):
        path = EUROCLUSTER_PATHS.get(f"{content_type.app_label}.{content_type.model}")
        if path is None:
            continue
        model = apps.get_model(content_type.app_label, content_type.model)
        by_eurocluster = defaultdict(list)
        for pk, eurocluster_id in (model.objects.filter(pk__in=unscoped[content_type.pk])
                                   .values_list("pk", path)):
            if eurocluster_id is not None:
                by_eurocluster[eurocluster_id].append(pk)
        for eurocluster_id, pks in by_eurocluster.items():
            AuditEntry.objects.filter(content_type_id=content_type.pk, object_id__in=pks,
                                      eurocluster_id__isnull=True, seq__isnull=True
                                      ).update(eurocluster_id=eurocluster_id)
    while seal_pending(AuditEntry, using=schema_editor.connection, limit=5000) == 5000:
        pass


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0002_audit_chain"),
        ("reporting", "0003_export"),
        ("accounts", "0001_initial"),
        ("euroclusters", "0004_eurocluster_dates_kpi_measure"),
        ("calls", "0005_vouchertype_internationalisation"),
        ("applications", "0005_organisation_is_natural_person"),
        ("activities", "0001_initial"),
        ("evaluation", "0001_initial"),
        ("payments", "0003_progressreport_new_products"),
    ]

    operations = [migrations.RunPython(scope_and_seal, migrations.RunPython.noop)]
