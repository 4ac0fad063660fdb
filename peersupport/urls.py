"""Root URLs. Every view is listed in the authorization matrix test."""

from django.urls import include, path

from peersupport.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("", include("peersupport.accounts.urls")),
    path("tasks/", include("peersupport.tasks.urls")),
    path("students/", include("peersupport.students.urls")),
    path("training/", include("peersupport.training.urls")),
    path("programmes/", include("peersupport.programmes.urls")),
    path("sessions/", include("peersupport.meetings.urls")),
    path("matching/", include("peersupport.matching.urls")),
    path("concerns/", include("peersupport.concerns.urls")),
    path("wellbeing/", include("peersupport.wellbeing.urls")),
    path("partners/", include("peersupport.partners.urls")),
    path("reports/", include("peersupport.reports.urls")),
]
