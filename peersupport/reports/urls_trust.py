from django.urls import URLPattern, path

from peersupport.reports import views_trust

urlpatterns: list[URLPattern] = [
    path("trust/", views_trust.trust, name="trust"),
    path("trust/figures.csv", views_trust.trust_csv, name="trust_csv"),
]
