from django.urls import URLPattern, path

from peersupport.partners import views_signposting as views

# The help page for everyone signed in, and its management for coordinators and DSLs.
urlpatterns: list[URLPattern] = [
    path("help/", views.help_page, name="help"),
    path("help/manage/", views.manage, name="signposting_manage"),
    path("help/manage/<uuid:public_id>/", views.edit, name="signposting_edit"),
    path("help/manage/<uuid:public_id>/checked/", views.checked, name="signposting_checked"),
    path("help/manage/<uuid:public_id>/remove/", views.remove, name="signposting_remove"),
]
