from django.urls import path

from peersupport.training import views

app_name = "training"

urlpatterns = [
    path("", views.module_list, name="modules"),
    path("<uuid:public_id>/", views.module_detail, name="module"),
    path("new/", views.module_new, name="module_new"),
    path("<uuid:public_id>/edit/", views.module_edit, name="module_edit"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<uuid:public_id>/", views.event_detail, name="event"),
    path("events/<uuid:public_id>/invite/", views.event_invite_more, name="event_invite"),
    path("protocols/", views.protocol_list, name="protocols"),
    path("protocols/manage/", views.protocol_library_page, name="protocol_library"),
    path("protocols/<uuid:public_id>/", views.protocol_detail, name="protocol"),
    path("protocols/<uuid:public_id>/read/", views.protocol_mark_read, name="protocol_acknowledge"),
    path("protocols/<uuid:public_id>/manage/", views.protocol_manage, name="protocol_manage"),
]
