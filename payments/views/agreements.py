"""Views of the payments app: agreements."""

urlpatterns: list = []
