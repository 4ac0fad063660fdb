from django.urls import path

from peersupport.accounts import views

app_name = "accounts"

urlpatterns = [
    path("school/switch/", views.school_switch, name="school_switch"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<uuid:public_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<uuid:public_id>/disable/", views.staff_disable, name="staff_disable"),
    path("staff/<uuid:public_id>/enable/", views.staff_enable, name="staff_enable"),
    path("staff/<uuid:public_id>/unlock/", views.staff_unlock, name="staff_unlock"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
