from django.urls import URLPattern, path

from peersupport.reports import views_representation as views

urlpatterns: list[URLPattern] = [
    path("representation/", views.representation, name="representation"),
    path("representation/export.csv", views.representation_csv, name="representation_csv"),
    path(
        "representation/targets/add/",
        views.outreach_target_add,
        name="representation_target_add",
    ),
    path(
        "representation/targets/remove/",
        views.outreach_target_remove,
        name="representation_target_remove",
    ),
]
