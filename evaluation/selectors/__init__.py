"""Selectors of the evaluation app, one module per part (pool, reviews, results)."""
