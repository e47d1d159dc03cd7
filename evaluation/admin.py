"""A read-only window on evaluation for the managers of each Eurocluster.

Evaluation changes only through its services and the manager area (``/manage/``); the admin
shows the pool, assignments, reviews, rankings and redress requests, scoped per Eurocluster.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin import ReadOnlyInline, ReadOnlyMixin
from euroclusters.admin_scope import ScopedAdmin
from evaluation.models import (
    Assignment,
    AssignmentRun,
    CallEvaluator,
    Consensus,
    ConsensusScore,
    Ranking,
    RankingEntry,
    RedressRequest,
    Review,
    Score,
)
from portal.formats import eur, score


class ReadOnlyAdmin(ReadOnlyMixin, ScopedAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(CallEvaluator)
class CallEvaluatorAdmin(ReadOnlyAdmin):
    scope_path = "call__eurocluster"
    list_display = ["user", "call", "status", "declaration_accepted_at", "is_rapporteur"]
    list_select_related = ["user", "call"]
    list_filter = ["status"]
    search_fields = ["user__email", "call__reference"]
    exclude = ["token"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "token"]


@admin.register(AssignmentRun)
class AssignmentRunAdmin(ReadOnlyAdmin):
    scope_path = "call__eurocluster"
    list_display = ["call", "status", "progress", "created_at", "finished_at"]
    list_select_related = ["call"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    scope_path = "application__call__eurocluster"
    list_display = ["application", "evaluator", "status", "source", "affinity", "declared_at"]
    list_select_related = ["application", "evaluator__user"]
    list_filter = ["status", "source"]


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ["criterion", "score", "comment"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    scope_path = "assignment__application__call__eurocluster"
    list_display = ["assignment", "status", "review_total", "submitted_at"]
    list_select_related = ["assignment__application__call", "assignment__evaluator__user"]
    inlines = [ScoreInline]

    @admin.display(description=_("weighted total"), ordering="total")
    def review_total(self, obj: Review) -> str:
        return score(obj.total, obj.assignment.application.call.score_step)


class ConsensusScoreInline(ReadOnlyInline):
    model = ConsensusScore
    fields = ["criterion", "score", "comment"]


@admin.register(Consensus)
class ConsensusAdmin(ReadOnlyAdmin):
    scope_path = "application__call__eurocluster"
    list_display = ["application", "status", "consensus_total", "recorded_at"]
    list_select_related = ["application__call"]
    inlines = [ConsensusScoreInline]

    @admin.display(description=_("weighted total"), ordering="total")
    def consensus_total(self, obj: Consensus) -> str:
        return score(obj.total, obj.application.call.score_step)


class RankingEntryInline(ReadOnlyInline):
    model = RankingEntry
    fields = ["rank", "application", "entry_total", "entry_amount", "outcome", "reserve_position",
              "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__call")

    @admin.display(description=_("weighted total"))
    def entry_total(self, obj: RankingEntry) -> str:
        return score(obj.total, obj.application.call.score_step)

    @admin.display(description=_("amount"))
    def entry_amount(self, obj: RankingEntry) -> str:
        return eur(obj.amount)


@admin.register(Ranking)
class RankingAdmin(ReadOnlyAdmin):
    scope_path = "call__eurocluster"
    list_display = ["call", "status", "approved_at", "published_at"]
    list_select_related = ["call"]
    inlines = [RankingEntryInline]


@admin.register(RedressRequest)
class RedressRequestAdmin(ReadOnlyAdmin):
    scope_path = "application__call__eurocluster"
    list_display = ["application", "status", "filed_at", "decided_at"]
    list_select_related = ["application"]
    list_filter = ["status"]
