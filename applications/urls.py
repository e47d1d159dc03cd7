from django.urls import path

from applications import views, views_clarifications, views_manage

app_name = "applications"
urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("enterprise/", views.OrganisationView.as_view(), name="organisation"),
    path("calls/<slug:slug>/apply/", views.ApplicationStartView.as_view(), name="start"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="detail"),
    path("applications/<int:pk>/edit/", views.ApplicationEditView.as_view(), name="edit"),
    path("applications/<int:pk>/autosave/", views.ApplicationAutosaveView.as_view(),
         name="autosave"),
    path("applications/<int:pk>/documents/", views.AttachmentUploadView.as_view(),
         name="upload"),
    path("applications/<int:pk>/documents/<int:attachment_id>/",
         views.AttachmentDownloadView.as_view(), name="attachment"),
    path("applications/<int:pk>/documents/<int:attachment_id>/remove/",
         views.AttachmentRemoveView.as_view(), name="attachment_remove"),
    path("applications/<int:pk>/submit/", views.ApplicationSubmitView.as_view(), name="submit"),
    path("applications/<int:pk>/versions/<int:number>/", views.ReceiptView.as_view(),
         name="receipt"),
    path("applications/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("applications/<int:pk>/clarifications/<int:request_id>/answer/",
         views_clarifications.ClarificationAnswerView.as_view(), name="clarification_answer"),
    path("applications/<int:pk>/clarifications/files/<int:attachment_id>/",
         views_clarifications.ClarificationFileView.as_view(), name="clarification_file"),
    # The cluster manager's area.
    # The manager area's home, /manage/, is the dashboard (reporting); the calls table is here.
    path("manage/calls/", views_manage.ManagedCallsView.as_view(), name="manage_calls"),
    path("manage/calls/<int:pk>/eligibility/", views_manage.CallEligibilityView.as_view(),
         name="manage_call_eligibility"),
    path("manage/calls/<int:pk>/eligibility/release/",
         views_manage.EligibilityReleaseView.as_view(), name="manage_eligibility_release"),
    path("manage/eligibility/<int:pk>/", views_manage.EligibilityResultView.as_view(),
         name="manage_eligibility_result"),
    path("manage/applications/<int:pk>/clarifications/ask/",
         views_clarifications.ClarificationAskView.as_view(), name="manage_clarification_ask"),
    path("manage/clarifications/<int:pk>/share/",
         views_clarifications.ClarificationShareView.as_view(),
         name="manage_clarification_share"),
    path("manage/clarifications/<int:pk>/close/",
         views_clarifications.ClarificationCloseView.as_view(),
         name="manage_clarification_close"),
]
