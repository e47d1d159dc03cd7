"""Selectors of the evaluation app, one module per part (pool, assignment, reviews, results).
They read and never write, and never import a service."""
