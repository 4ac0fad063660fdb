from django.urls import URLPattern, path

from peersupport.wellbeing import views_staff

urlpatterns: list[URLPattern] = [
    path(
        "students/<uuid:public_id>/measures/",
        views_staff.student_measures,
        name="staff_student_measures",
    ),
    path(
        "students/<uuid:public_id>/scores/",
        views_staff.scores_enter,
        name="staff_scores_enter",
    ),
    path(
        "programmes/<uuid:public_id>/outcomes/",
        views_staff.programme_outcomes_view,
        name="staff_outcomes",
    ),
    path(
        "programmes/<uuid:public_id>/outcomes.csv",
        views_staff.programme_outcomes_csv,
        name="staff_outcomes_csv",
    ),
    path(
        "programmes/<uuid:public_id>/feedback/",
        views_staff.feedback_trends_view,
        name="staff_feedback_trends",
    ),
    path("you-said-we-did/", views_staff.you_said_we_did, name="staff_you_said_we_did"),
]
