from django.urls import URLPattern, path

from peersupport.partners import views_directory

# The directory of outside services, agreements, partner-led training and the
# school's referral settings (coordinators and DSLs).
urlpatterns: list[URLPattern] = [
    path("", views_directory.organisation_list, name="organisations"),
    path("new/", views_directory.organisation_create, name="organisation_create"),
    path("settings/", views_directory.partner_settings, name="settings"),
    path("<uuid:public_id>/", views_directory.organisation_detail, name="organisation"),
    path("<uuid:public_id>/edit/", views_directory.organisation_edit, name="organisation_edit"),
    path(
        "<uuid:public_id>/agreements/",
        views_directory.agreement_record,
        name="agreement_record",
    ),
    path("<uuid:public_id>/services/", views_directory.service_add, name="service_add"),
    path("<uuid:public_id>/contacts/", views_directory.contact_add, name="contact_add"),
    path("<uuid:public_id>/training/", views_directory.training_record, name="training_record"),
    path("services/<uuid:public_id>/", views_directory.service_edit, name="service_edit"),
    path("contacts/<uuid:public_id>/", views_directory.contact_edit, name="contact_edit"),
]
