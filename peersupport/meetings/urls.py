from django.urls import path

from peersupport.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("mine/", views.my_page_view, name="mine"),
    path("fit-check/<uuid:public_id>/", views.fit_check, name="fit_check"),
    path("<uuid:public_id>/register/", views.register, name="register"),
    path("<uuid:public_id>/register/<uuid:student>/", views.register_mark, name="register_mark"),
]
