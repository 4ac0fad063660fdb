from django.urls import URLPattern

app_name = "concerns"

# Helpers add their views' paths under these headings, with
# `from peersupport.concerns import views` and `from django.urls import path`.
urlpatterns: list[URLPattern] = [
    # raising a concern
    # safeguarding
    # conflicts
    # urgent words
]
