from django.urls import URLPattern, URLResolver

from peersupport.wellbeing import urls_staff, urls_student

app_name = "wellbeing"

# The students' and mentors' pages (questionnaires, goals, feedback) and the staff's
# (trajectories, outcomes, feedback trends, "You said, we did", scores entry).
urlpatterns: list[URLPattern | URLResolver] = [
    *urls_student.urlpatterns,
    *urls_staff.urlpatterns,
]
