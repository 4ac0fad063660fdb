"""Wellbeing and impact: validated measures, goals, session feedback, "You said, we
did", and honest outcome statistics."""

from django.apps import AppConfig


class WellbeingConfig(AppConfig):
    name = "peersupport.wellbeing"
    label = "wellbeing"
    verbose_name = "Wellbeing and impact"

    def ready(self) -> None:
        from peersupport.meetings.daily_steps import daily_step_add
        from peersupport.meetings.my_page_parts import my_page_part_source_add
        from peersupport.students.free_text import free_text_reader_add
        from peersupport.wellbeing import free_text
        from peersupport.wellbeing.daily import measures_daily
        from peersupport.wellbeing.my_page_part import wellbeing_part

        # The daily job (run_daily, in meetings) makes measures due and opens their
        # tasks: no cron line of its own.
        daily_step_add(measures_daily)
        # The DSL reviewing an urgent flag on feedback or a goal reads the words.
        free_text_reader_add(free_text.FEEDBACK_SOURCE, free_text.feedback_comment_read)
        free_text_reader_add(free_text.GOAL_SOURCE, free_text.goal_text_read)
        # A student's own page shows what wellbeing is waiting for from them
        # (meetings cannot ask wellbeing itself).
        my_page_part_source_add(wellbeing_part)

        from peersupport.students.profile_links import profile_link_source_add
        from peersupport.wellbeing.profile_links import student_measures_link

        # Staff who may read a student's measures get a link to them on the profile.
        profile_link_source_add(student_measures_link)

        from peersupport.students.sharing import share_item_add
        from peersupport.wellbeing.sharing import WELLBEING_SCORES

        # A referral out may share the student's measure totals (partners cannot
        # ask wellbeing itself).
        share_item_add(WELLBEING_SCORES)

        from peersupport.students.sharing import research_source_add
        from peersupport.wellbeing.research import wellbeing_research_columns

        # A research export carries each student's baseline and latest scores.
        research_source_add(wellbeing_research_columns)
