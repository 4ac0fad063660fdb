from django.urls import URLPattern, path

from peersupport.reports import views_dashboard

urlpatterns: list[URLPattern] = [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/figures.csv", views_dashboard.dashboard_csv, name="dashboard_csv"),
]
