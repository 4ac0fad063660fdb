from django.urls import URLPattern, path

from peersupport.reports import (
    urls_dashboard,
    urls_impact,
    urls_representation,
    urls_trust,
    views,
)

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("access-log/", views.audit_log, name="audit_log"),
    *urls_dashboard.urlpatterns,
    *urls_representation.urlpatterns,
    *urls_impact.urlpatterns,
    *urls_trust.urlpatterns,
]
