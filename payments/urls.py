from payments.views import agreements, beneficiary, finance

app_name = "payments"
# Each part keeps its routes beside its views; all of them live in the "payments" namespace.
urlpatterns = [*agreements.urlpatterns, *beneficiary.urlpatterns, *finance.urlpatterns]
