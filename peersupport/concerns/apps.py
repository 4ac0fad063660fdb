"""Concerns: worries raised by anyone, safeguarding records for DSLs, restorative
handling of conflicts, and the urgent-words safety net."""

from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "peersupport.concerns"
    label = "concerns"
    verbose_name = "Concerns and safeguarding"

    def ready(self) -> None:
        from peersupport.concerns.profile_links import safeguarding_file_link
        from peersupport.students.profile_links import profile_link_source_add

        # A DSL reading a student's profile gets a link to the student's safeguarding
        # file, when there is one (students cannot ask concerns itself).
        profile_link_source_add(safeguarding_file_link)

        # Free text stored by apps beside concerns (wellbeing's feedback and goals)
        # goes through the urgent-words check (they cannot call concerns itself).
        from peersupport.concerns.services import urgent_check
        from peersupport.students.free_text import free_text_checker_add

        free_text_checker_add(urgent_check)

        # The guards that keep a safeguarding record's links append-only.
        from peersupport.concerns import signals

        signals.connect()

        # A DSL's referral out may share a factual summary of the safeguarding file
        # (partners cannot ask concerns itself).
        from peersupport.concerns.sharing import SAFEGUARDING_SUMMARY
        from peersupport.students.sharing import share_item_add

        share_item_add(SAFEGUARDING_SUMMARY)
