from django.urls import URLPattern

from peersupport.partners import (
    urls_directory,
    urls_partner,
    urls_referrals,
    urls_research,
    urls_signposting,
)

app_name = "partners"

# Staff pages (directory, agreements, referrals out, research exports), the partner
# user's own pages, and signposting for everyone.
urlpatterns: list[URLPattern] = [
    *urls_directory.urlpatterns,
    *urls_referrals.urlpatterns,
    *urls_partner.urlpatterns,
    *urls_signposting.urlpatterns,
    *urls_research.urlpatterns,
]
