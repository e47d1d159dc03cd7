"""The ranking of a call and the reserve list: pure logic, plain data in and out, no Django.

Total
    The weighted total of an application is Σ criterion.weight × consensus score, rounded to the
    cent (0.01, half up): the figure shown is the figure that ranks.

Thresholds
    An application is rejected when any criterion's score is below that criterion's threshold,
    or when its total is below the call's overall threshold. A score or total exactly AT the
    threshold passes. The note says which threshold failed, with the figures.

Order of merit (the documented tie-breaks)
    Passing applications are ranked 1, 2, … by total, highest first. Equal totals are decided,
    in this order, by:

    1. the higher score on the criteria in their position order (the first criterion first,
       then the second, …);
    2. the earlier last submission (``submitted_at``);
    3. the lower application number (id), which is unique, so the order is always total.

    The note of each application whose tie was broken says with which application (by its
    acronym), and how: for the submission times, in Brussels time to the precision that told
    them apart (seconds, else milliseconds, else microseconds).

Selection within the budget (strict rank order)
    Walking in rank order, an application is selected while its amount fits in what is left of
    the call's budget and its voucher type still has vouchers (``number_of_vouchers``; None is
    no limit). The first application that does not fit stops the selection: it and every later
    passing application form the reserve list, numbered 1, 2, … in rank order. There is no
    skipping to a smaller, lower-ranked application that would still fit: the ranking is the
    order of merit, and equal treatment means no applicant is funded ahead of a better-ranked
    one because they asked for less. Money is exact Decimal cents.

    A voucher type whose vouchers are all given is different: an application of that type goes
    to the reserve list (in its rank order) but does not stop the walk for the other voucher
    types, whose quotas are separate (e.g. 25 green vouchers and 25 demonstration projects).

    Candidates may carry a fixed outcome, for placing an application re-examined after a
    redress into a published ranking without disturbing anyone else:

    - ``fixed="selected"``: one already funded. It keeps its grant and uses its share of the
      budget and of the vouchers first; the others are walked as above on what is left.
    - ``fixed="reserve"``: one waiting on the reserve list. It is never selected by the walk
      (moving up is :func:`promote`'s job) and keeps its place in the order of merit. When the
      walk reaches it, it stops the walk as one that did not fit would (nobody ranked below a
      waiting reserve is funded ahead of it), unless the vouchers of its type are all given:
      then it waits and the walk goes on for the other types. The reserve list is numbered
      again, 1, 2, …, in rank order, fixed reserves and new ones together.
    - ``fixed="left"``: one that withdrew or declined. It keeps its rank in the order of merit
      and holds no money and no voucher; its outcome is ``"left"`` (the caller keeps its own).

Moving up from the reserve list (:func:`promote`: the best reserve that fits)
    When money frees (a selected applicant withdraws or declines), the reserve list is walked in
    order and each reserve whose amount fits in the free budget, with a voucher of its type
    left, moves up. Here a reserve that does not fit is skipped for a later, smaller one that
    does: the issue asks for "the best reserve that fits the freed budget", and the order of
    merit was already applied when the list was made. This is the one difference with the
    original selection, which is strict.

Words for people are marked with ``gettext_noop`` (makemessages finds them) and kept as a
template with parameters: the caller translates ``note.template`` and fills it in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
# Times in notes are Brussels time, as everywhere on the portal.
BRUSSELS = ZoneInfo("Europe/Brussels")

SELECTED = "selected"
RESERVE = "reserve"
REJECTED = "rejected"
LEFT = "left"


def gettext_noop(message: str) -> str:
    """Marks a message for translation (found by makemessages); translated where shown."""
    return message


CRITERION_BELOW = gettext_noop(
    "“%(criterion)s” scored %(score)s, below its threshold of %(threshold)s.")
TOTAL_BELOW = gettext_noop(
    "The total %(total)s is below the overall threshold of %(threshold)s.")
TIE_AHEAD = gettext_noop(
    "Same total (%(total)s) as %(other)s, ranked ahead of it: %(reason)s.")
TIE_BEHIND = gettext_noop(
    "Same total (%(total)s) as %(other)s, ranked behind it: %(reason)s.")
BY_CRITERION = gettext_noop("higher score on “%(criterion)s” (%(high)s against %(low)s)")
BY_SUBMISSION = gettext_noop("submitted earlier (%(early)s against %(late)s, Brussels time)")
BY_ID = gettext_noop("lower application number (%(low)s against %(high)s)")
BY_ID_NAMED = gettext_noop(
    "lower application number (no. %(low)s for %(low_name)s against no. %(high)s for "
    "%(high_name)s)")
NO_BUDGET = gettext_noop(
    "Reserve: EUR %(amount)s asked, EUR %(left)s of the budget left when its turn came.")
NO_VOUCHER = gettext_noop(
    "Reserve: the %(limit)s voucher(s) of its voucher type were all given when its turn came.")
AFTER_STOP = gettext_noop(
    "Reserve: the selection stopped at a better-ranked application that did not fit.")
FIXED_SELECTED = gettext_noop("Selected earlier; keeps its grant.")
WAITING = gettext_noop(
    "Reserve: a better-ranked application is waiting on the reserve list.")


@dataclass(frozen=True)
class Moment:
    """A moment in Brussels time and the decimals of a second shown with it (0, 3 or 6): a
    parameter of a note, written "2026-03-01 13:00:00.250" here and as the pages write moments
    where the note is shown (``translate``'s ``moment``)."""

    at: datetime
    digits: int = 0

    def __str__(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M:%S") + fraction(self)


def fraction(moment: Moment) -> str:
    """The decimals of a second shown with ``moment``: "", ".250" or ".000007"."""
    return f".{moment.at.microsecond:06d}"[:1 + moment.digits] if moment.digits else ""


@dataclass(frozen=True)
class Note:
    """A sentence for a person: a template (translate it) and its parameters."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % dict(self.params)


@dataclass(frozen=True)
class CriterionRule:
    id: int
    name: str
    weight: Decimal
    threshold: Decimal
    position: int = 0


@dataclass(frozen=True)
class Rules:
    budget: Decimal
    overall_threshold: Decimal
    criteria: Sequence[CriterionRule]
    # voucher type id -> number of vouchers (None: no limit); a type not listed has no limit.
    voucher_limits: Mapping[int | None, int | None] = field(default_factory=dict)

    def ordered_criteria(self) -> list[CriterionRule]:
        return sorted(self.criteria, key=lambda c: (c.position, c.id))


@dataclass(frozen=True)
class Candidate:
    application_id: int
    voucher_type_id: int | None
    amount: Decimal
    scores: Mapping[int, Decimal]  # criterion id -> consensus score
    submitted_at: datetime | None = None
    label: str = ""  # how notes name it: the acronym; "#<id>" when empty
    fixed: str | None = None  # SELECTED (funded), RESERVE (waiting) or LEFT; see the docstring

    @property
    def name(self) -> str:
        return self.label or f"#{self.application_id}"


@dataclass
class Entry:
    application_id: int
    voucher_type_id: int | None
    amount: Decimal
    total: Decimal
    outcome: str
    rank: int | None = None
    reserve_position: int | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def note(self) -> str:
        """The notes in English (the caller translates ``notes`` for people)."""
        return " ".join(str(n) for n in self.notes)


@dataclass(frozen=True)
class Held:
    """An application in the live state of a published ranking (for :func:`promote`)."""

    application_id: int
    voucher_type_id: int | None
    amount: Decimal


def number(value: Decimal) -> str:
    """A score or total as people write it: 4, 3.5, 12.25."""
    text = format(Decimal(value).quantize(CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT):,.2f}"


def weighted_total(rules: Rules, candidate: Candidate) -> Decimal:
    missing = [c.name for c in rules.criteria if c.id not in candidate.scores]
    if missing:
        raise ValueError(f"application {candidate.application_id} has no score for {missing}")
    total = sum((c.weight * Decimal(candidate.scores[c.id]) for c in rules.criteria), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def threshold_failures(rules: Rules, candidate: Candidate, total: Decimal) -> list[Note]:
    failures = [
        Note(CRITERION_BELOW, {"criterion": c.name, "score": number(candidate.scores[c.id]),
                               "threshold": number(c.threshold)})
        for c in rules.ordered_criteria() if Decimal(candidate.scores[c.id]) < c.threshold
    ]
    if total < rules.overall_threshold:
        failures.append(Note(TOTAL_BELOW, {"total": number(total),
                                           "threshold": number(rules.overall_threshold)}))
    return failures


def _merit_key(rules: Rules, candidate: Candidate, total: Decimal) -> tuple:
    # Without a submission time (never in practice) an application comes after those with one.
    submitted = candidate.submitted_at.timestamp() if candidate.submitted_at else float("inf")
    return (
        -total,
        *(-Decimal(candidate.scores[c.id]) for c in rules.ordered_criteria()),
        submitted,
        candidate.application_id,
    )


def _tie_reason(rules: Rules, ahead: Candidate, behind: Candidate) -> Note:
    for c in rules.ordered_criteria():
        high, low = Decimal(ahead.scores[c.id]), Decimal(behind.scores[c.id])
        if high != low:
            return Note(BY_CRITERION, {"criterion": c.name, "high": number(high),
                                       "low": number(low)})
    if ahead.submitted_at != behind.submitted_at and ahead.submitted_at and behind.submitted_at:
        early, late = moments(ahead.submitted_at, behind.submitted_at)
        return Note(BY_SUBMISSION, {"early": early, "late": late})
    if ahead.label and behind.label:
        return Note(BY_ID_NAMED, {"low": str(ahead.application_id), "low_name": ahead.label,
                                  "high": str(behind.application_id),
                                  "high_name": behind.label})
    return Note(BY_ID, {"low": f"#{ahead.application_id}", "high": f"#{behind.application_id}"})


def moments(first: datetime, second: datetime) -> tuple[Moment, Moment]:
    """Two moments in Brussels time, to the precision that tells them apart: the second, else
    the millisecond, else the microsecond (two submissions in the same second are ordered by
    what the clock recorded, and the note shows it)."""
    first, second = first.astimezone(BRUSSELS), second.astimezone(BRUSSELS)
    for digits in (0, 3, 6):
        pair = (Moment(first, digits), Moment(second, digits))
        if str(pair[0]) != str(pair[1]):
            return pair
    return pair


def _tie_note(template: str, total: Decimal, other: Candidate, reason: Note) -> Note:
    # The reason is a nested note: ``translate`` translates it too.
    return Note(template, {"total": number(total), "other": other.name, "reason": reason})


def rank(rules: Rules, candidates: Iterable[Candidate]) -> list[Entry]:
    """Rank ``candidates`` under ``rules``; entries come in rank order, the rejected last (by
    total, then application id). See the module docstring for every rule."""
    candidates = list(candidates)
    totals = {c.application_id: weighted_total(rules, c) for c in candidates}
    entries: dict[int, Entry] = {}
    passing: list[Candidate] = []
    for candidate in candidates:
        total = totals[candidate.application_id]
        failures = threshold_failures(rules, candidate, total)
        entry = Entry(application_id=candidate.application_id,
                      voucher_type_id=candidate.voucher_type_id,
                      amount=Decimal(candidate.amount).quantize(CENT), total=total,
                      outcome=REJECTED, notes=failures)
        entries[candidate.application_id] = entry
        if candidate.fixed == SELECTED:
            entry.outcome = SELECTED
            entry.notes = [Note(FIXED_SELECTED)]
            passing.append(candidate)
        elif candidate.fixed in (RESERVE, LEFT):
            entry.outcome = candidate.fixed
            entry.notes = []
            passing.append(candidate)
        elif not failures:
            passing.append(candidate)
    passing.sort(key=lambda c: _merit_key(rules, c, totals[c.application_id]))
    for position, candidate in enumerate(passing, start=1):
        entries[candidate.application_id].rank = position
    for ahead, behind in zip(passing, passing[1:], strict=False):
        total = totals[ahead.application_id]
        if total != totals[behind.application_id]:
            continue
        reason = _tie_reason(rules, ahead, behind)
        entries[ahead.application_id].notes.append(_tie_note(TIE_AHEAD, total, behind, reason))
        entries[behind.application_id].notes.append(_tie_note(TIE_BEHIND, total, ahead, reason))

    # The budget: fixed selections first, then the strict walk in rank order.
    left = Decimal(rules.budget).quantize(CENT)
    given: Counter = Counter()
    for candidate in passing:
        if candidate.fixed == SELECTED:
            left -= entries[candidate.application_id].amount
            given[candidate.voucher_type_id] += 1
    stopped: Note | None = None  # why the walk stopped, said to every later one
    reserve = 0
    for candidate in passing:
        entry = entries[candidate.application_id]
        if candidate.fixed in (SELECTED, LEFT):
            continue
        limit = rules.voucher_limits.get(candidate.voucher_type_id)
        if candidate.fixed == RESERVE:
            if not stopped and not (limit is not None
                                    and given[candidate.voucher_type_id] >= limit):
                stopped = Note(WAITING)
            reserve += 1
            entry.reserve_position = reserve
            continue
        if not stopped:
            if limit is not None and given[candidate.voucher_type_id] >= limit:
                # Its type is used up: it waits, and the walk goes on for the other types.
                entry.notes.insert(0, Note(NO_VOUCHER, {"limit": str(limit)}))
            elif entry.amount > left:
                entry.notes.insert(0, Note(NO_BUDGET, {"amount": money(entry.amount),
                                                       "left": money(max(left, Decimal(0)))}))
                stopped = Note(AFTER_STOP)
            else:
                entry.outcome = SELECTED
                left -= entry.amount
                given[candidate.voucher_type_id] += 1
                continue
        else:
            entry.notes.insert(0, stopped)
        reserve += 1
        entry.outcome = RESERVE
        entry.reserve_position = reserve

    rejected = sorted((e for e in entries.values() if e.rank is None),
                      key=lambda e: (-e.total, e.application_id))
    return [entries[c.application_id] for c in passing] + rejected


def promote(*, budget: Decimal, voucher_limits: Mapping[int | None, int | None],
            selected: Iterable[Held], reserve: Sequence[Held]) -> list[int]:
    """The reserves that move up, in order: ``selected`` are the live selections (withdrawn and
    declined ones left out), ``reserve`` the live reserve list in its order. Each reserve that
    fits the free budget and has a voucher of its type left moves up; one that does not fit is
    skipped for a later one that does (see the module docstring)."""
    selected = list(selected)
    left = Decimal(budget).quantize(CENT) - sum((Decimal(s.amount) for s in selected), Decimal(0))
    given = Counter(s.voucher_type_id for s in selected)
    moved: list[int] = []
    for held in reserve:
        amount = Decimal(held.amount).quantize(CENT)
        limit = voucher_limits.get(held.voucher_type_id)
        if amount > left or (limit is not None and given[held.voucher_type_id] >= limit):
            continue
        moved.append(held.application_id)
        left -= amount
        given[held.voucher_type_id] += 1
    return moved


def translate(note: Note, gettext, moment=str) -> str:
    """``note`` in words through ``gettext`` (nested notes, such as a tie's reason, too), its
    moments written by ``moment``."""

    def word(value):
        if isinstance(value, Note):
            return translate(value, gettext, moment)
        return moment(value) if isinstance(value, Moment) else value

    return gettext(note.template) % {name: word(value) for name, value in note.params.items()}


def words(entry: Entry, gettext=lambda message: message, moment=str) -> str:
    return " ".join(translate(note, gettext, moment) for note in entry.notes)
