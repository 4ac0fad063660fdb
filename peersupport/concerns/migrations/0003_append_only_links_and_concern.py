"""Refuse, in the database itself, changes to the rest of a safeguarding record:
the students and staff an entry links, and a safeguarding concern's first account
with the students it names.

Link tables of a safeguarding entry (students, staff involved): UPDATE is refused
on SQLite and PostgreSQL, DELETE on PostgreSQL. The students linked to a concern:
the same, for rows of a safeguarding concern only (other concerns keep theirs
editable). Adding a link later is refused by the ORM (concerns/signals.py): the
database cannot tell the entry's own transaction from a later one.

A safeguarding concern (concerns_concern rows with kind 'safeguarding'): UPDATE is
refused unless every column of its first account stays as it was (id, public_id,
school, kind, who raised it and as what, the anonymity and "about themself" flags,
characteristic, source, group, mentorship, created_at and the text); the workflow
columns (urgent, status, acknowledged, escalated, closed) stay updatable. No UPDATE
may turn a concern into a safeguarding one or a safeguarding one into anything
else. DELETE is refused on PostgreSQL.

The one door is 0002's: while a transaction has opened it
(peersupport.schools.fields.rewriting_encrypted_values, used by rotate_field_key),
the encrypted text may change, and nothing else of the first account, because
re-encrypting under a new key stores the same words. PostgreSQL reads the
transaction-local setting peersupport.rewriting_encrypted_values; SQLite reads the
mark 1380930625 in user_version. Both must match REWRITING_SETTING and
REWRITING_MARK there.

As in 0002, TRUNCATE and SQLite's DELETE stay possible because Django's
test-database flush uses them (PostgreSQL's flush truncates, so no DELETE trigger
fires; SQLite's deletes); the ORM refuses both paths anyway. Beware: on SQLite,
a later migration that remakes one of these tables (most AlterField and some
AddField operations) drops its triggers with the old table, so such a migration
must create them again; the tests in test_safeguarding_append_only.py then fail
until it does.
"""

from django.db import migrations

# Every refusal below says: "safeguarding records are append-only: add a correction
# entry" (the tests look for "append-only").

SQLITE = [
    """CREATE TRIGGER safeguarding_entry_students_no_update
       BEFORE UPDATE ON concerns_safeguardingentry_students
       BEGIN
         SELECT RAISE(ABORT, 'safeguarding records are append-only: add a correction entry');
       END;""",
    """CREATE TRIGGER safeguarding_entry_staff_no_update
       BEFORE UPDATE ON concerns_safeguardingentry_staff_involved
       BEGIN
         SELECT RAISE(ABORT, 'safeguarding records are append-only: add a correction entry');
       END;""",
    """CREATE TRIGGER safeguarding_concern_students_no_update
       BEFORE UPDATE ON concerns_concern_students
       WHEN EXISTS (
         SELECT 1 FROM concerns_concern
         WHERE id IN (OLD.concern_id, NEW.concern_id) AND kind = 'safeguarding'
       )
       BEGIN
         SELECT RAISE(ABORT, 'safeguarding records are append-only: add a correction entry');
       END;""",
    """CREATE TRIGGER safeguarding_concern_no_update BEFORE UPDATE ON concerns_concern
       WHEN (OLD.kind = 'safeguarding' OR NEW.kind = 'safeguarding') AND NOT (
         NEW.id IS OLD.id
         AND NEW.public_id IS OLD.public_id
         AND NEW.school_id IS OLD.school_id
         AND NEW.kind IS OLD.kind
         AND NEW.raised_by_id IS OLD.raised_by_id
         AND NEW.raised_as IS OLD.raised_as
         AND NEW.anonymous_to_students IS OLD.anonymous_to_students
         AND NEW.fully_anonymous IS OLD.fully_anonymous
         AND NEW.about_themself IS OLD.about_themself
         AND NEW.characteristic IS OLD.characteristic
         AND NEW.source IS OLD.source
         AND NEW.group_id IS OLD.group_id
         AND NEW.mentorship_id IS OLD.mentorship_id
         AND NEW.created_at IS OLD.created_at
         AND (
           NEW.text IS OLD.text
           OR (SELECT user_version FROM pragma_user_version) = 1380930625
         )
       )
       BEGIN
         SELECT RAISE(ABORT, 'safeguarding records are append-only: add a correction entry');
       END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS safeguarding_concern_no_update;",
    "DROP TRIGGER IF EXISTS safeguarding_concern_students_no_update;",
    "DROP TRIGGER IF EXISTS safeguarding_entry_staff_no_update;",
    "DROP TRIGGER IF EXISTS safeguarding_entry_students_no_update;",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION safeguarding_link_refuse_change() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'safeguarding records are append-only: add a correction entry';
       END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER safeguarding_entry_students_append_only
       BEFORE UPDATE OR DELETE ON concerns_safeguardingentry_students
       FOR EACH ROW EXECUTE FUNCTION safeguarding_link_refuse_change();""",
    """CREATE TRIGGER safeguarding_entry_staff_append_only
       BEFORE UPDATE OR DELETE ON concerns_safeguardingentry_staff_involved
       FOR EACH ROW EXECUTE FUNCTION safeguarding_link_refuse_change();""",
    """CREATE OR REPLACE FUNCTION safeguarding_concern_link_refuse_change()
       RETURNS trigger AS $$
       DECLARE
         concern_ids bigint[] := ARRAY[OLD.concern_id];
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           concern_ids := concern_ids || NEW.concern_id;
         END IF;
         IF EXISTS (
           SELECT 1 FROM concerns_concern
           WHERE id = ANY(concern_ids) AND kind = 'safeguarding'
         ) THEN
           RAISE EXCEPTION 'safeguarding records are append-only: add a correction entry';
         END IF;
         IF TG_OP = 'DELETE' THEN
           RETURN OLD;
         END IF;
         RETURN NEW;
       END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER safeguarding_concern_students_append_only
       BEFORE UPDATE OR DELETE ON concerns_concern_students
       FOR EACH ROW EXECUTE FUNCTION safeguarding_concern_link_refuse_change();""",
    """CREATE OR REPLACE FUNCTION safeguarding_concern_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE'
            AND ROW(
              NEW.id, NEW.public_id, NEW.school_id, NEW.kind, NEW.raised_by_id,
              NEW.raised_as, NEW.anonymous_to_students, NEW.fully_anonymous,
              NEW.about_themself, NEW.characteristic, NEW.source, NEW.group_id,
              NEW.mentorship_id, NEW.created_at
            ) IS NOT DISTINCT FROM ROW(
              OLD.id, OLD.public_id, OLD.school_id, OLD.kind, OLD.raised_by_id,
              OLD.raised_as, OLD.anonymous_to_students, OLD.fully_anonymous,
              OLD.about_themself, OLD.characteristic, OLD.source, OLD.group_id,
              OLD.mentorship_id, OLD.created_at
            )
            AND (
              NEW.text IS NOT DISTINCT FROM OLD.text
              OR current_setting('peersupport.rewriting_encrypted_values', true) = 'on'
            ) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'safeguarding records are append-only: add a correction entry';
       END;
       $$ LANGUAGE plpgsql;""",
    # The WHEN clauses keep every other concern's updates free of the function call.
    """CREATE TRIGGER safeguarding_concern_no_update
       BEFORE UPDATE ON concerns_concern
       FOR EACH ROW
       WHEN (OLD.kind = 'safeguarding' OR NEW.kind = 'safeguarding')
       EXECUTE FUNCTION safeguarding_concern_refuse_change();""",
    """CREATE TRIGGER safeguarding_concern_no_delete
       BEFORE DELETE ON concerns_concern
       FOR EACH ROW
       WHEN (OLD.kind = 'safeguarding')
       EXECUTE FUNCTION safeguarding_concern_refuse_change();""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS safeguarding_concern_no_delete ON concerns_concern;",
    "DROP TRIGGER IF EXISTS safeguarding_concern_no_update ON concerns_concern;",
    "DROP FUNCTION IF EXISTS safeguarding_concern_refuse_change();",
    "DROP TRIGGER IF EXISTS safeguarding_concern_students_append_only ON concerns_concern_students;",
    "DROP FUNCTION IF EXISTS safeguarding_concern_link_refuse_change();",
    "DROP TRIGGER IF EXISTS safeguarding_entry_staff_append_only"
    " ON concerns_safeguardingentry_staff_involved;",
    "DROP TRIGGER IF EXISTS safeguarding_entry_students_append_only"
    " ON concerns_safeguardingentry_students;",
    "DROP FUNCTION IF EXISTS safeguarding_link_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("concerns", "0002_safeguarding_append_only")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
