from django.urls import URLPattern, path

from peersupport.partners import views_referrals as views

# Staff pages for referrals out (coordinators and DSLs).
urlpatterns: list[URLPattern] = [
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/new/<uuid:student>/", views.referral_new, name="referral_new"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral"),
    path("referrals/<uuid:public_id>/edit/", views.referral_edit, name="referral_edit"),
    path("referrals/<uuid:public_id>/consent/", views.referral_consent, name="referral_consent"),
    path("referrals/<uuid:public_id>/override/", views.referral_override, name="referral_override"),
    path("referrals/<uuid:public_id>/send/", views.referral_send, name="referral_send"),
    path("referrals/<uuid:public_id>/status/", views.referral_status, name="referral_status"),
    path("referrals/<uuid:public_id>/note/", views.referral_note, name="referral_note"),
]
