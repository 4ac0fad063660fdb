"""Reads about students that span rows: the import preview."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from peersupport.schools.models import School
from peersupport.students.importing import ParsedImport
from peersupport.students.models import Student

IMPORTED_FIELDS = (
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "date_of_birth",
    "year_group",
    "form",
    "gender",
    "ethnicity",
    "fsm",
    "pupil_premium",
    "eal",
    "sen_status",
    "sen_primary_need",
    "looked_after",
)

# Every column an import may change; an update writes them all in one statement.
UPDATED_FIELDS = (*IMPORTED_FIELDS, "on_roll", "date_left")


@dataclass
class ImportPlan:
    """What applying an import would do."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[int] = field(default_factory=list)
    parsed: ParsedImport | None = None

    @property
    def counts(self) -> dict[str, int]:
        errors = len(self.parsed.errors) + len(self.parsed.file_errors) if self.parsed else 0
        return {
            "creates": len(self.creates),
            "updates": len(self.updates),
            "unchanged": self.unchanged,
            "leavers": len(self.leavers),
            "errors": errors,
        }


def import_plan(*, school: School, parsed: ParsedImport, mark_leavers: bool) -> ImportPlan:
    """Compare the parsed rows with the school's students by UPN, in one query."""
    plan = ImportPlan(parsed=parsed)
    existing = {
        row["upn"]: row
        for row in Student.objects.filter(school=school).values(
            "id", "upn", "on_roll", "date_left", *IMPORTED_FIELDS
        )
    }
    seen: set[str] = set()
    for row in parsed.rows:
        upn = row["upn"]
        seen.add(upn)
        current = existing.get(upn)
        if current is None:
            plan.creates.append(row)
            continue
        changes = {
            name: value
            for name, value in row.items()
            if name != "upn" and current.get(name) != value
        }
        if not current["on_roll"]:
            # A student who left and is back on the MIS list has rejoined.
            changes.update({"on_roll": True, "date_left": None})
        if changes:
            merged = {name: current[name] for name in UPDATED_FIELDS}
            merged.update(changes)
            plan.updates.append((current["id"], merged))
        else:
            plan.unchanged += 1
    if mark_leavers:
        plan.leavers = [
            row["id"] for upn, row in existing.items() if upn not in seen and row["on_roll"]
        ]
    return plan


def leaving_date() -> datetime.date:
    return datetime.date.today()


def students_filtered(queryset: Any, filters: dict[str, Any]) -> Any:
    """Apply the student list's search and filters to a queryset from access."""
    from django.db.models import Q

    query = (filters.get("q") or "").strip()
    if query:
        words = query.split()
        for word in words:
            queryset = queryset.filter(
                Q(legal_forename__icontains=word)
                | Q(legal_surname__icontains=word)
                | Q(preferred_forename__icontains=word)
                | Q(preferred_surname__icontains=word)
                | Q(upn__iexact=word)
            )
    if filters.get("year") not in (None, ""):
        queryset = queryset.filter(year_group=filters["year"])
    if filters.get("form"):
        queryset = queryset.filter(form__iexact=filters["form"])
    if filters.get("need"):
        queryset = queryset.filter(sen_primary_need=filters["need"])
    if filters.get("sen_status"):
        queryset = queryset.filter(sen_status=filters["sen_status"])
    if filters.get("pupil_premium"):
        queryset = queryset.filter(pupil_premium=filters["pupil_premium"] == "yes")
    if filters.get("eal"):
        queryset = queryset.filter(eal=filters["eal"] == "yes")
    if not filters.get("include_leavers"):
        queryset = queryset.filter(on_roll=True)
    return queryset.order_by("legal_surname", "legal_forename", "id")


def forms_of(queryset: Any) -> list[str]:
    return list(
        queryset.filter(on_roll=True)
        .exclude(form="")
        .order_by("form")
        .values_list("form", flat=True)
        .distinct()
    )


def leavers_named(*, school: School, plan: ImportPlan, limit: int = 50) -> list[Student]:
    """The students an import would mark as left, for the coordinator to check."""
    return list(
        Student.objects.filter(school=school, id__in=plan.leavers[:limit]).order_by(
            "year_group", "legal_surname", "legal_forename"
        )
    )
