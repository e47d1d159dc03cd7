"""Views of the evaluation app: reviews."""

urlpatterns: list = []
