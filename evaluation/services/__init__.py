"""Every write of the evaluation app, one module per part:

- ``transitions``: the one transition service of each state machine;
- ``pool``: evaluator invitations, profiles and the call's declaration;
- ``assignment``: assignment runs (the solver on the database), manual add, remove and swap;
- ``reviews``: conflict-of-interest declarations, reviews and scores, consensus;
- ``ranking``: the ranking, its approval and publication, the reserve list moving up;
- ``redress``: redress requests and their decisions.
"""
