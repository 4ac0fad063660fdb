from django.urls import URLPattern, path

from peersupport.reports import views_impact

urlpatterns: list[URLPattern] = [
    path("impact/", views_impact.impact_list, name="impact_list"),
    path("impact/new/", views_impact.impact_new, name="impact_new"),
    path("impact/<uuid:public_id>/", views_impact.impact_report, name="impact_report"),
    path("impact/<uuid:public_id>/edit/", views_impact.impact_edit, name="impact_edit"),
    path("impact/<uuid:public_id>/issue/", views_impact.impact_issue, name="impact_issue"),
    path("impact/<uuid:public_id>/report.pdf", views_impact.impact_pdf, name="impact_pdf"),
    path("impact/<uuid:public_id>/figures.csv", views_impact.impact_csv, name="impact_csv"),
]
