from django.urls import path

from peersupport.students import views

app_name = "students"

urlpatterns = [
    path("", views.student_list, name="list"),
    path("import/", views.import_upload, name="import"),
    path("import/<uuid:public_id>/", views.import_preview, name="import_preview"),
    path("<uuid:public_id>/", views.student_detail, name="detail"),
    path("<uuid:public_id>/consent/", views.consent_add, name="consent_add"),
    path("consent/<uuid:public_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
