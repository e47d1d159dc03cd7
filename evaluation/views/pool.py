"""Views of the evaluation app: pool."""

urlpatterns: list = []
