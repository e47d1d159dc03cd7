"""What the clarification tests share: a submitted application of a manager's Eurocluster."""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Application, ApplicationVersion, Declaration
from applications.services import application_submit
from calls.models import Criterion, OpenCall
from tests.factories import MINIMAL_PDF, CriterionFactory, OpenCallFactory, complete_application


@dataclass
class Submitted:
    call: OpenCall
    application: Application
    version: ApplicationVersion
    criterion: Criterion

    @property
    def applicant(self):
        return self.application.organisation.user


def submitted(eurocluster, **call) -> Submitted:
    """An application submitted (version 1, with its hash and receipt) to an open call of
    ``eurocluster`` that evaluates one criterion, "Impact"."""
    call = OpenCallFactory(eurocluster=eurocluster, **call)
    criterion = CriterionFactory(call=call, name="Impact")
    application = complete_application(call=call)
    version = application_submit(application=application, by=application.created_by,
                                 declarations=Declaration.values)
    return Submitted(call=call, application=Application.objects.get(pk=application.pk),
                     version=version, criterion=criterion)


def pdf(name: str = "figures.pdf", content: bytes = MINIMAL_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
