from django.urls import URLPattern, path

from peersupport.partners import views_research

urlpatterns: list[URLPattern] = [
    path("research/", views_research.research_export_page, name="research"),
]
