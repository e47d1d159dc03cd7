from evaluation.views import pool, results, reviews

app_name = "evaluation"
# Each part keeps its routes beside its views; all of them live in the "evaluation" namespace.
urlpatterns = [*pool.urlpatterns, *reviews.urlpatterns, *results.urlpatterns]
