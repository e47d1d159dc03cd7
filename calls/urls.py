from django.urls import path

from calls import views, views_manage

app_name = "calls"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("calls/<slug:slug>/", views.CallDetailView.as_view(), name="detail"),
    path("calls/<slug:slug>/documents/<int:pk>/", views.call_document_download, name="document"),
    path("calls/<slug:slug>/questions/", views.QuestionAskView.as_view(), name="question_ask"),
    path("calls/<slug:slug>/follow/", views.FollowView.as_view(), name="follow"),
    path("calls/<slug:slug>/unfollow/", views.FollowView.as_view(follow=False), name="unfollow"),
    # Call alerts: no account needed (accounts.middleware.OPEN_VIEWS).
    path("alerts/", views.AlertSubscribeView.as_view(), name="alerts"),
    path("alerts/confirm/<str:token>/", views.AlertConfirmView.as_view(), name="alerts_confirm"),
    path("alerts/unsubscribe/<str:token>/", views.AlertUnsubscribeView.as_view(),
         name="alerts_unsubscribe"),
    # The managers' questions pages.
    path("manage/calls/<int:pk>/questions/", views_manage.CallQuestionsView.as_view(),
         name="manage_questions"),
    path("manage/questions/<int:pk>/", views_manage.QuestionView.as_view(),
         name="manage_question"),
    path("manage/questions/<int:pk>/publish/", views_manage.QuestionPublishView.as_view(),
         name="manage_question_publish"),
]
