"""Views of the payments app: beneficiary."""

urlpatterns: list = []
