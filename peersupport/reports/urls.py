from django.urls import path

from peersupport.reports import views

app_name = "reports"

urlpatterns = [
    path("access-log/", views.audit_log, name="audit_log"),
]
