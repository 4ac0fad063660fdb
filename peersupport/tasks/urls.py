from django.urls import path

from peersupport.tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="mine"),
    path("<uuid:public_id>/done/", views.task_mark_done, name="done"),
]
