from django.urls import path

from peersupport.matching import views

app_name = "matching"

urlpatterns = [
    path("programmes/<uuid:public_id>/", views.programme_runs, name="programme"),
    path("runs/<uuid:public_id>/", views.run_detail, name="run"),
    path("runs/<uuid:public_id>/run/", views.run_solve, name="solve"),
    path("runs/<uuid:public_id>/weights/", views.run_settings, name="settings"),
    path("runs/<uuid:public_id>/decide/", views.run_pin, name="pin"),
    path("runs/<uuid:public_id>/undo/<uuid:pin>/", views.run_unpin, name="unpin"),
    path("runs/<uuid:public_id>/swap/", views.run_swap, name="swap"),
    path("runs/<uuid:public_id>/publish/", views.run_publish, name="publish"),
    path("runs/<uuid:public_id>/set-aside/", views.run_discard, name="discard"),
    path("results/<uuid:public_id>/", views.solve_detail, name="solve_detail"),
    path("preferences/<uuid:student>/", views.preferences, name="preferences"),
    path("programmes/<uuid:public_id>/groups/", views.programme_groups, name="groups"),
    path("groups/<uuid:public_id>/", views.formation_detail, name="formation"),
    path("groups/<uuid:public_id>/create/", views.formation_create, name="formation_create"),
    path("groups/<uuid:public_id>/set-aside/", views.formation_discard, name="formation_discard"),
]
