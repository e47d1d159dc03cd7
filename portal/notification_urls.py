from django.urls import path

from portal import notification_views as views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/", views.notification_open, name="open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/preferences/", views.notification_preferences, name="preferences"),
    path("notifications/unsubscribe/<str:token>/", views.notification_unsubscribe_view,
         name="unsubscribe"),
]
