from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("account/privacy/", views.my_data, name="my_data"),
    path("account/privacy/export/", views.export, name="export"),
    path("account/privacy/delete/", views.erase, name="erase"),
    path("language/", views.set_language, name="language"),
    path("jsi18n/<str:language>/", views.javascript_catalog, name="javascript_catalog"),
]
