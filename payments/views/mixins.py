"""What the payments views share: the beneficiary's own application and agreement."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from applications.models import Application
from payments.models import GrantAgreement
from payments.selectors.agreements import agreement_of_beneficiary
from payments.selectors.beneficiary import agreement_of, beneficiary_application

OWN = "payments.view_own_agreement"


class BeneficiaryMixin(LoginRequiredMixin):
    """The logged-in user's own application ``pk`` and its agreement: 404 for anyone else."""

    def get_application(self) -> Application:
        application = beneficiary_application(self.request.user, self.kwargs["pk"])
        if application is None or not self.request.user.has_perm(OWN, application):
            raise Http404
        return application

    def get_agreement(self, application: Application | None = None) -> GrantAgreement:
        """The agreement of ``application`` when the caller has loaded it already, else of the
        user's own application ``pk`` (with its signatures); 404 when there is none."""
        if application is not None:
            agreement = agreement_of(application)
        else:
            agreement = agreement_of_beneficiary(self.request.user, self.kwargs["pk"])
        if agreement is None or not self.request.user.has_perm(OWN, agreement):
            raise Http404
        return agreement
