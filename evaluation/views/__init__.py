"""Views of the evaluation app, one module per part (pool, reviews, results), each with its own
``urlpatterns`` list that ``evaluation/urls.py`` joins."""
