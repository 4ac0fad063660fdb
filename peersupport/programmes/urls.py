from django.urls import path

from peersupport.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("ask-for-support/", views.self_referral, name="self_referral"),
    path("<uuid:public_id>/", views.programme_detail, name="detail"),
    path("<uuid:public_id>/groups/new/", views.group_new, name="group_new"),
    path("<uuid:public_id>/mentorships/new/", views.mentorship_new, name="mentorship_new"),
    path("refer/<uuid:student>/", views.referral_new, name="referral_new"),
    path("mentors/", views.mentor_list, name="mentors"),
    path("mentors/<uuid:public_id>/", views.mentor_detail, name="mentor_detail"),
    path("become-a-mentor/", views.mentor_apply, name="mentor_apply"),
    path("keep-apart/", views.keep_apart, name="keep_apart"),
    path("training-compliance/", views.training_compliance_view, name="training_compliance"),
    path(
        "training-compliance/export.csv",
        views.training_compliance_csv,
        name="training_compliance_csv",
    ),
    path("<uuid:public_id>/training/", views.programme_training, name="training"),
    path("groups/<uuid:public_id>/ground-rules/", views.agreement_edit, name="agreement_edit"),
    path(
        "ground-rules/<uuid:public_id>/agreed/<uuid:student>/",
        views.agreement_record,
        name="agreement_record",
    ),
    path("ground-rules/<uuid:public_id>/i-agree/", views.agreement_agree, name="agreement_agree"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral_detail"),
    path("mentorships/<uuid:public_id>/", views.mentorship_detail, name="mentorship_detail"),
    path(
        "mentorships/<uuid:public_id>/<slug:action>/",
        views.mentorship_change,
        name="mentorship_change",
    ),
]
