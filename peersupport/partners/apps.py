"""Outside services: partner organisations, referrals out, partner accounts,
partner-led training, signposting and research exports."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "peersupport.partners"
    label = "partners"
    verbose_name = "Outside services"

    def ready(self) -> None:
        # Referrals out (helper: referrals): the attendance share item, the daily
        # chase of unanswered referrals, and the profile link.
        from peersupport.meetings.daily_steps import daily_step_add
        from peersupport.partners.profile_links import referrals_out_link
        from peersupport.partners.reminders import referrals_daily
        from peersupport.partners.selectors import ATTENDANCE_ITEM
        from peersupport.students.profile_links import profile_link_source_add
        from peersupport.students.sharing import share_item_add

        share_item_add(ATTENDANCE_ITEM)
        daily_step_add(referrals_daily)
        profile_link_source_add(referrals_out_link)

        # The directory (helper: directory): the daily step that puts agreements due
        # for review on the coordinators' task lists.
        from peersupport.meetings.daily_steps import daily_step_add as directory_step_add
        from peersupport.partners.daily import agreements_daily

        directory_step_add(agreements_daily)
