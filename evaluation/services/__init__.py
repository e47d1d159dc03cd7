"""Every write of the evaluation app, one module per part:

- ``transitions``: the one transition service of each state machine;
- ``pool``: evaluator invitations, profiles and the call's declaration;
- ``assignment``: manual add, remove and swap (and what the runs share with them);
- ``assignment_runs``: assignment runs and fills (the solver on the database);
- ``reviews``: conflict-of-interest declarations, reviews and scores, consensus;
- ``ranking``: the ranking, its approval and publication, the reserve list moving up;
- ``reexamination``: placing applications re-examined after a redress into the ranking;
- ``redress``: redress requests and their decisions.

Reads are in ``evaluation.selectors``, the scoring maths in ``evaluation.scoring``, the ranking
rules in ``evaluation.ranking`` and the solver in ``evaluation.assignment`` (pure modules).
"""
