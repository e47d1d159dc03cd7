"""The scoring maths of reviews and consensus: pure functions, plain data in and out, no database.

Scores
    A score of a criterion goes from 0 to the criterion's ``max_score`` in the call's ``step``
    (0.5 by default): 3.5 is a score, 3.25 and 5.5 (of 5) are not.

Data of a form
    Reviews and consensus take the same plain data: ``{"scores": {criterion id: {"score":
    Decimal | None, "comment": str}}, "overall_comment": str}`` (criterion ids as int or str).

Completeness
    A draft may leave scores and comments empty, but every score given must be valid. A
    submission (or a final consensus) needs every criterion scored, every criterion's comment at
    least ``min_chars`` long, and an overall comment. Errors are keyed by form field:
    ``score_<criterion id>``, ``comment_<criterion id>``, ``overall_comment``.

Disagreement
    The scores of one criterion disagree when the highest and the lowest differ by MORE than the
    call's threshold: exactly the threshold is still agreement; one score alone never disagrees.

Consensus prefill
    A criterion's consensus starts from the mean of the submitted scores, rounded to the nearest
    step (halves away from zero: 3.25 → 3.5) and never above the criterion's maximum.

Weighted total
    Σ weight × score, to the cent (``CENTS``).

Criteria are anything with ``pk``, ``name`` and ``max_score`` (a ``calls.models.Criterion`` or a
plain object): they are read, never queried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

CENTS = Decimal("0.01")
# A consensus needs at least this many submitted reviews.
MIN_REVIEWS_FOR_CONSENSUS = 2


class Scale(Protocol):
    """What the maths reads of a criterion."""

    pk: int
    name: str
    max_score: Decimal


def number(value: Decimal) -> str:
    """3.50 → "3.5", 5.00 → "5", 10 → "10": a score as a person writes it."""
    return format(Decimal(value).normalize(), "f")


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded to the nearest multiple of ``step`` (halves away from zero), e.g.
    3.25 → 3.5 and 3.2 → 3.0 for a step of 0.5."""
    multiples = (Decimal(value) / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return (multiples * step).quantize(step)


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """The arithmetic mean, exact in Decimal; None for no values."""
    values = [Decimal(v) for v in values]
    if not values:
        return None
    return sum(values, Decimal("0")) / len(values)


def score_error(value: Decimal, *, max_score: Decimal, step: Decimal) -> str | None:
    """Why ``value`` is not a valid score from 0 to ``max_score`` in steps of ``step``, or None."""
    value = Decimal(value)
    if value < 0 or value > max_score:
        return _("Give a score from 0 to %(max)s.") % {"max": number(max_score)}
    if value % step != 0:
        return _("Scores go in steps of %(step)s.") % {"step": number(step)}
    return None


def score_choices(*, max_score: Decimal, step: Decimal) -> list[Decimal]:
    """Every valid score of a criterion, from 0 to ``max_score`` in steps of ``step``."""
    count = int(Decimal(max_score) // step)
    return [(step * n).quantize(step) for n in range(count + 1)]


def spread_exceeds(values: Iterable[Decimal], threshold: Decimal) -> bool:
    """Scores of one criterion disagree when the highest and lowest differ by more than
    ``threshold`` (exactly the threshold is still agreement)."""
    values = [Decimal(v) for v in values]
    return len(values) >= 2 and max(values) - min(values) > Decimal(threshold)


def weighted_total(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ weight × score over ``(weight, score)`` pairs."""
    return sum((Decimal(w) * Decimal(s) for w, s in pairs), Decimal("0"))


def scores_by_criterion(score_sets: Iterable[Iterable[tuple[int, Decimal | None]]]
                        ) -> dict[int, list[Decimal]]:
    """Criterion id → the scores given to it, from each review's ``(criterion id, score)``
    pairs; an empty score (a draft's) is left out."""
    found: dict[int, list[Decimal]] = {}
    for pairs in score_sets:
        for criterion_id, score in pairs:
            if score is not None:
                found.setdefault(criterion_id, []).append(score)
    return found


def total(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The weighted total of a review or a consensus, to the cent (the context's rounding, half
    to even)."""
    return weighted_total(pairs).quantize(CENTS)


def prefill(values: Iterable[Decimal], *, step: Decimal, max_score: Decimal) -> Decimal | None:
    """A consensus score proposed from the reviews' ``values``: their mean rounded to the step,
    at most ``max_score``; None when no review scored the criterion."""
    average = mean(values)
    if average is None:
        return None
    return min(round_to_step(average, step), Decimal(max_score))


def entry(data: Mapping[str, Any], criterion_id: int) -> tuple[Decimal | None, str]:
    """(score or None, stripped comment) of one criterion in the form's ``data``."""
    scores = data.get("scores") or {}
    given = scores.get(criterion_id) or scores.get(str(criterion_id)) or {}
    value = given.get("score")
    return (None if value in (None, "") else Decimal(str(value)),
            (given.get("comment") or "").strip())


def score_errors(*, criteria: Iterable[Scale], data: Mapping[str, Any], step: Decimal,
                 min_chars: int, complete: bool) -> dict[str, str]:
    """Field errors of ``data``: invalid scores always; with ``complete`` (a submission, a final
    consensus), also every missing score, short comment and a missing overall comment."""
    errors: dict[str, str] = {}
    scores = data.get("scores") or {}
    for criterion in criteria:
        given = scores.get(criterion.pk) or scores.get(str(criterion.pk)) or {}
        value, comment = given.get("score"), (given.get("comment") or "").strip()
        if value is None or value == "":
            if complete:
                errors[f"score_{criterion.pk}"] = _("Score “%(name)s”.") % {"name": criterion.name}
        else:
            try:
                problem = score_error(Decimal(str(value)), max_score=criterion.max_score,
                                      step=step)
            except ArithmeticError:
                problem = _("Give a number.")
            if problem:
                errors[f"score_{criterion.pk}"] = problem
        if complete and len(comment) < min_chars:
            errors[f"comment_{criterion.pk}"] = _(
                "Write at least %(n)d characters on “%(name)s” (%(have)d so far)."
            ) % {"n": min_chars, "name": criterion.name, "have": len(comment)}
    if complete and not (data.get("overall_comment") or "").strip():
        errors["overall_comment"] = _("Write an overall comment.")
    return errors


def consensus_count_blockers(*, live: int, submitted: int) -> list[str]:
    """Why a consensus must wait, from the counts of live assignments and submitted reviews:
    every live evaluator's review, and at least ``MIN_REVIEWS_FOR_CONSENSUS`` of them."""
    reasons = []
    if submitted < live:
        reasons.append(_("%(done)d of %(live)d evaluators have submitted their review; the "
                         "consensus waits for all of them.") % {"done": submitted, "live": live})
    if submitted < MIN_REVIEWS_FOR_CONSENSUS:
        reasons.append(_("A consensus needs at least %(n)d submitted reviews; there are "
                         "%(done)d.") % {"n": MIN_REVIEWS_FOR_CONSENSUS, "done": submitted})
    return reasons
