from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from evaluation.views.reviews import remember_evaluator

        # The menu shows "Evaluations" from a session flag set at login: no query per page.
        user_logged_in.connect(remember_evaluator, dispatch_uid="evaluation_remember_evaluator")
