from django.urls import path

from peersupport.training import views

app_name = "training"

urlpatterns = [
    path("", views.module_list, name="modules"),
    path("<uuid:public_id>/", views.module_detail, name="module"),
]
