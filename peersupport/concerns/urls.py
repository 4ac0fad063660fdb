from django.urls import URLPattern, path

from peersupport.concerns import views

app_name = "concerns"

# Helpers add their views' paths under these headings, with
# `from peersupport.concerns import views` and `from django.urls import path`.
urlpatterns: list[URLPattern] = [
    # raising a concern
    path("raise/", views.concern_raise_view, name="raise"),
    path("raise/thanks/<uuid:public_id>/", views.concern_thanks, name="thanks"),
    path("", views.concern_list, name="list"),
    path("<uuid:public_id>/", views.concern_detail, name="detail"),
    path("<uuid:public_id>/close/", views.concern_close_view, name="close"),
    # safeguarding
    path("safeguarding/", views.safeguarding_list, name="safeguarding_list"),
    path(
        "safeguarding/<uuid:public_id>/",
        views.safeguarding_detail,
        name="safeguarding_detail",
    ),
    path(
        "safeguarding/<uuid:public_id>/acknowledge/",
        views.safeguarding_acknowledge,
        name="safeguarding_acknowledge",
    ),
    path(
        "safeguarding/<uuid:public_id>/entries/",
        views.safeguarding_entry_add,
        name="safeguarding_entry_add",
    ),
    path(
        "safeguarding/students/<uuid:public_id>/",
        views.safeguarding_student,
        name="safeguarding_student",
    ),
    path(
        "safeguarding/students/<uuid:public_id>/transfer/",
        views.safeguarding_transfer,
        name="safeguarding_transfer",
    ),
    path(
        "safeguarding/students/<uuid:public_id>/file.pdf",
        views.safeguarding_export,
        name="safeguarding_export",
    ),
    path(
        "safeguarding/transfers/<uuid:public_id>/receipt/",
        views.safeguarding_transfer_receipt,
        name="safeguarding_transfer_receipt",
    ),
    # conflicts
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/open/<uuid:public_id>/", views.conflict_open, name="conflict_open"),
    path("conflicts/<uuid:public_id>/", views.conflict_detail, name="conflict_detail"),
    path("conflicts/<uuid:public_id>/accounts/", views.conflict_account, name="conflict_account"),
    path("conflicts/<uuid:public_id>/steps/", views.conflict_step, name="conflict_step"),
    path(
        "conflicts/<uuid:public_id>/keep-apart/",
        views.conflict_keep_apart,
        name="conflict_keep_apart",
    ),
    path(
        "conflicts/<uuid:public_id>/lift-keep-apart/",
        views.conflict_lift_keep_apart,
        name="conflict_lift_keep_apart",
    ),
    # settings
    path("settings/", views.concern_settings, name="settings"),
    # urgent words
    path("urgent/", views.urgent_flags, name="urgent_flags"),
    path("urgent/<uuid:public_id>/", views.urgent_flag, name="urgent_flag"),
    path("urgent/phrases/", views.urgent_phrases, name="urgent_phrases"),
    path(
        "urgent/phrases/<uuid:public_id>/toggle/",
        views.urgent_phrase_toggle,
        name="urgent_phrase_toggle",
    ),
]
