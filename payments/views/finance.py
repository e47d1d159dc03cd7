"""Views of the payments app: finance."""

urlpatterns: list = []
