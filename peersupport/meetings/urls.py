from django.urls import path

from peersupport.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("programmes/<uuid:public_id>/participants/", views.participants, name="participants"),
    path("mine/", views.my_page_view, name="mine"),
    path("fit-check/<uuid:public_id>/", views.fit_check, name="fit_check"),
    path("<uuid:public_id>/register/", views.register, name="register"),
    path("<uuid:public_id>/<slug:action>/", views.session_change, name="session_change"),
    path("groups/<uuid:public_id>/", views.group_page, name="group"),
    path("groups/<uuid:public_id>/members/", views.group_member_add, name="group_member_add"),
    path("schedule/<uuid:public_id>/", views.series_new, name="series_new"),
    path("contacts/<uuid:public_id>/", views.contact_new, name="contact_new"),
    path("<uuid:public_id>/register/<uuid:student>/", views.register_mark, name="register_mark"),
    path(
        "supervision/programmes/<uuid:public_id>/",
        views.supervision_list,
        name="supervision_list",
    ),
    path(
        "supervision/programmes/<uuid:public_id>/new/",
        views.supervision_new,
        name="supervision_new",
    ),
    path(
        "supervision/programmes/<uuid:public_id>/cadence/",
        views.supervision_cadence,
        name="supervision_cadence",
    ),
    path("supervision/<uuid:public_id>/", views.supervision_detail, name="supervision_detail"),
]
