from django.urls import path

from peersupport.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("ask-for-support/", views.self_referral, name="self_referral"),
    path("<uuid:public_id>/", views.programme_detail, name="detail"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral_detail"),
    path("mentorships/<uuid:public_id>/", views.mentorship_detail, name="mentorship_detail"),
    path(
        "mentorships/<uuid:public_id>/<slug:action>/",
        views.mentorship_change,
        name="mentorship_change",
    ),
]
