"""``manage.py seed_demo_evaluation``: the evaluation demo of ``evaluation.demo``, idempotent.

Runs after ``seed_demo`` (which makes the accounts and submits the proposals of the closed call
DREAM-OC1-2026) and does, through the portal's own services and as the person who would do it:

1. the eligibility checks still pending (a worker normally runs them) and the release of the
   results, by the call's manager;
2. the invitations (``evaluator_invite``, by the manager), the answers (``evaluator_accept``, by
   each expert), the experts' profiles and their acceptance of the call's declaration;
3. one assignment run of the solver (``assignment_run_start`` then ``assignment_run_execute``);
   the call moves to evaluation and the proposals to "under evaluation";
4. the experts' work of ``evaluation.demo.WORK``: conflict-of-interest declarations, draft and
   submitted reviews;
5. the manager's clarification requests of ``evaluation.demo.CLARIFICATIONS`` and the
   applicants' answers (with a PDF), one shared with the evaluators.

Every step is taken only when its result is missing, so a second run changes nothing (and says
so). E-mails (invitations, new assignments, eligibility results) are kept in memory.
"""

from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.urls import reverse

from applications import demo_data
from applications.clarifications import (
    clarification_answer,
    clarification_ask,
    clarification_share,
)
from applications.demo_steps import DemoStepRefused, release_eligibility
from applications.models import Application, ClarificationRequest
from calls.models import OpenCall
from evaluation import demo
from evaluation.models import Assignment, AssignmentRun, CallEvaluator, EvaluatorProfile, Review
from evaluation.services.assignment_runs import assignment_run_execute, assignment_run_start
from evaluation.services.pool import evaluator_accept, evaluator_invite, profile_save
from evaluation.services.reviews import assignment_declare, call_declaration_accept, review_save
from portal.demo import SITE, DemoCommand, seed_quietly


def _plain(value):
    # CountryField gives Country objects; the tables have their codes.
    return value.code if hasattr(value, "code") else value


class EvaluationSeeder:
    """Brings the call to the stage of ``evaluation.demo``; counts each step it took."""

    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        call = OpenCall.objects.select_related("eurocluster").filter(reference=demo.CALL).first()
        if call is None:
            raise CommandError(f"The call {demo.CALL} does not exist: run manage.py seed_demo "
                               "first.")
        self.call = call
        User = get_user_model()
        self.manager = User.objects.filter(email=demo.MANAGER).first()
        if self.manager is None:
            raise CommandError(f"{demo.MANAGER} does not exist: run manage.py seed_demo first.")
        self.names = dict(demo_data.EVALUATORS)

    def run(self) -> None:
        self.check_eligibility()
        for email, spec in demo.EVALUATORS.items():
            self.seed_evaluator(email, spec)
        self.assign()
        for item in demo.WORK:
            self.work(item)
        for item in demo.CLARIFICATIONS:
            self.clarify(item)

    # --- eligibility ---------------------------------------------------------------------------

    def check_eligibility(self) -> None:
        if self.call.eligibility_released_at is not None:
            return
        try:
            self.done["eligibility checked"] += release_eligibility(call=self.call,
                                                                    by=self.manager)
        except DemoStepRefused as refused:
            raise CommandError(str(refused)) from refused
        self.done["eligibility released"] += 1
        self.call.refresh_from_db()

    # --- the pool ------------------------------------------------------------------------------

    def seed_evaluator(self, email: str, spec: dict) -> None:
        entry = (CallEvaluator.objects.select_related("user")
                 .filter(call=self.call, user__email__iexact=email).first())
        if entry is None:
            entry = evaluator_invite(call=self.call, email=email, by=self.manager,
                                     name=self.names.get(email, ""))
            self.done["invited"] += 1
        user = entry.user
        if spec["answer"] == "accepted" and entry.status == CallEvaluator.Status.INVITED:
            # The account of seed_demo has the demo password; one made by the invitation gets it.
            password = None if user.has_usable_password() else demo_data.DEMO_PASSWORD
            entry = evaluator_accept(call_evaluator=entry, user=user,
                                     full_name=self.names.get(email, ""), password=password)
            self.done["invitation accepted"] += 1
        profile = EvaluatorProfile.objects.filter(user=user).first()
        wanted = spec["profile"]
        if profile is None or any(_plain(getattr(profile, name)) != value
                                  for name, value in wanted.items()):
            profile_save(user=user, data=wanted)
            self.done["profile saved"] += 1
        if (spec["declaration"] and entry.status == CallEvaluator.Status.ACCEPTED
                and entry.declaration_accepted_at is None):
            call_declaration_accept(call_evaluator=entry, by=user)
            self.done["call declaration accepted"] += 1

    # --- assignment ----------------------------------------------------------------------------

    def assign(self) -> None:
        if AssignmentRun.objects.filter(call=self.call, status=AssignmentRun.Status.DONE).exists():
            return
        run = assignment_run_start(call=self.call, by=self.manager)
        run = assignment_run_execute(run_id=run.pk)
        if run.status != AssignmentRun.Status.DONE:
            raise CommandError(f"The assignment run of {demo.CALL} failed: {run.error}")
        self.done["assignment run"] += 1
        self.call.refresh_from_db()

    # --- the experts' work ---------------------------------------------------------------------

    def work(self, item: dict) -> None:
        email, acronym = item["evaluator"], item["acronym"]
        assignment = (Assignment.objects.select_related("evaluator__user", "application")
                      .filter(evaluator__call=self.call, evaluator__user__email__iexact=email,
                              application__acronym=acronym).first())
        if assignment is None or assignment.status not in Assignment.LIVE:
            raise CommandError(
                f"{email} is not assigned to {acronym}: the assignment run placed the experts "
                "otherwise than evaluation.demo.WORK expects.")
        user = assignment.evaluator.user
        if item.get("declare") and assignment.status == Assignment.Status.ASSIGNED:
            assignment = assignment_declare(assignment=assignment, by=user, conflict=False)
            self.done["no conflict declared"] += 1
        review = item.get("review")
        if review is None or assignment.status == Assignment.Status.SUBMITTED:
            return
        if review == "draft" and Review.objects.filter(assignment=assignment).exists():
            return  # a draft made before, and maybe changed since in the demo: leave it
        review_save(assignment=assignment, by=user, data=self.review_data(item),
                    submit=review == "submit")
        self.done["review submitted" if review == "submit" else "review drafted"] += 1

    # --- clarification requests ----------------------------------------------------------------

    def clarify(self, item: dict) -> None:
        application = (self.call.applications.select_related("organisation__user")
                       .get(acronym=item["acronym"]))
        if ClarificationRequest.objects.filter(application=application).exists():
            return  # asked by an earlier run, and maybe answered or closed since: leave it
        request = clarification_ask(application=application, by=self.manager,
                                    question=item["question"],
                                    criterion=self.call.criteria.get(name=item["criterion"]))
        self.done["clarification asked"] += 1
        if item["answer"]:
            name, title = item["file"]
            clarification_answer(
                request=request, by=application.organisation.user, text=item["answer"],
                files=[SimpleUploadedFile(name, demo_data.demo_pdf(title),
                                          content_type="application/pdf")])
            self.done["clarification answered"] += 1
        if item.get("share"):
            clarification_share(request=request, by=self.manager, shared=True)
            self.done["clarification shared"] += 1

    def review_data(self, item: dict) -> dict:
        criteria = {c.name: c.pk for c in self.call.criteria.all()}
        scores = {}
        for name, (score, comment) in item["scores"].items():
            if name not in criteria:
                raise CommandError(f"{demo.CALL} has no criterion “{name}”.")
            scores[criteria[name]] = {"score": None if score is None else Decimal(score),
                                      "comment": comment}
        return {"scores": scores, "overall_comment": item.get("overall", "")}


class Command(DemoCommand):
    help = ("Take the demo call DREAM-OC1-2026 into evaluation: eligibility released, experts "
            "invited, an assignment run, part of the reviews. Run after seed_demo; safe to run "
            "again: it changes nothing the second time.")

    refused_what = "the evaluation demo"

    def seed(self) -> None:
        seeder = EvaluationSeeder()
        kept = seed_quietly(seeder.run)
        if seeder.done:
            self.stdout.write(self.style.SUCCESS(
                "Evaluation demo loaded: " + ", ".join(
                    f"{step} ×{count}" for step, count in seeder.done.items())))
        else:
            self.stdout.write(self.style.SUCCESS(
                "Nothing to change: the evaluation demo is already in place."))
        if kept:
            self.stdout.write(f"{kept} e-mail(s) (invitations, assignments, eligibility "
                              "results, clarifications) kept in memory, not sent.")
        self.report(seeder.call)

    def report(self, call: OpenCall) -> None:
        statuses = Counter(call.applications.values_list("status", flat=True))
        labels = dict(Application.Status.choices)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(
            f"{call.reference} ({call.get_status_display().lower()}): "
            + ", ".join(f"{count} {labels[status].lower()}"
                        for status, count in sorted(statuses.items()))))
        rows = []
        entries = (CallEvaluator.objects.filter(call=call).select_related("user")
                   .prefetch_related("assignments__review").order_by("pk"))
        for entry in entries:
            if entry.status != CallEvaluator.Status.ACCEPTED:
                rows.append((entry.user.email, entry.get_status_display().lower(), "", ""))
                continue
            declaration = "accepted" if entry.declaration_accepted_at else "not yet"
            live = [a for a in entry.assignments.all() if a.status in Assignment.LIVE]
            to_declare = sum(a.status == Assignment.Status.ASSIGNED for a in live)
            submitted = sum(a.status == Assignment.Status.SUBMITTED for a in live)
            drafts = sum(a.status == Assignment.Status.ACTIVE
                         and getattr(a, "review", None) is not None for a in live)
            rows.append((entry.user.email, declaration,
                         str(len(live)), f"{submitted} submitted, {drafts} draft(s), "
                                         f"{to_declare} to declare"))
        self.table(("Evaluator", "Call declaration", "Proposals", "Reviews"), rows)
        self.stdout.write("")
        self.stdout.write(f"Evaluators: {SITE}{reverse('evaluation:queue')}    The manager "
                          f"({demo.MANAGER}): "
                          f"{SITE}{reverse('evaluation:manage_reviews', args=[call.pk])}")
        self.stdout.write(f"Password for every account: {demo_data.DEMO_PASSWORD}")
