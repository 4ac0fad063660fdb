from django.urls import URLPattern, path

from peersupport.wellbeing import views_student as views

# A student's (or peer mentor's) own pages.
urlpatterns: list[URLPattern] = [
    path(
        "my/questionnaires/<uuid:public_id>/",
        views.questionnaire_page,
        name="questionnaire",
    ),
    path("my/goals/", views.goals_page, name="goals"),
    path("my/goals/<uuid:public_id>/rate/", views.goal_rate, name="goal_rate"),
    path("my/feedback/thanks/", views.feedback_thanks, name="feedback_thanks"),
    path("my/feedback/<uuid:public_id>/", views.feedback_page, name="feedback"),
]
