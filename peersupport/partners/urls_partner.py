from django.urls import URLPattern, path

from peersupport.partners import views_partner as views

# A partner user's own pages.
urlpatterns: list[URLPattern] = [
    path("partner/", views.partner_home, name="partner_home"),
    path("partner/referrals/<uuid:public_id>/", views.partner_referral, name="partner_referral"),
    path(
        "partner/referrals/<uuid:public_id>/status/",
        views.partner_referral_status,
        name="partner_referral_status",
    ),
    path(
        "partner/referrals/<uuid:public_id>/note/",
        views.partner_referral_note,
        name="partner_referral_note",
    ),
]
