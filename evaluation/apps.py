from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        # The views import models, which Django loads only once the app registry is ready.
        from evaluation import hooks  # noqa: PLC0415 -- models not ready
        from evaluation.views.reviews import remember_evaluator  # noqa: PLC0415 -- models not ready

        # The menu shows "Evaluations" from a session flag set at login: no query per page.
        user_logged_in.connect(remember_evaluator, dispatch_uid="evaluation_remember_evaluator")
        # The evaluator's role and the applicant's next steps of the results.
        hooks.register()
