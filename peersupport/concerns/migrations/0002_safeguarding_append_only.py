"""Refuse changes to safeguarding entries in the database itself, below the ORM.

UPDATE is refused on both SQLite and PostgreSQL, DELETE on PostgreSQL. The one door:
while a transaction has opened it (peersupport.schools.fields.
rewriting_encrypted_values, used by rotate_field_key), an UPDATE that changes
nothing but the encrypted text passes, because re-encrypting under a new key stores
the same words. PostgreSQL reads the transaction-local setting
peersupport.rewriting_encrypted_values; SQLite reads the mark 1380930625 in
user_version. Both names must match REWRITING_SETTING and REWRITING_MARK there.

As for audit events, TRUNCATE and SQLite's DELETE stay possible because Django's
test-database flush uses them; the ORM refuses both paths anyway.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER safeguarding_entry_no_update BEFORE UPDATE ON concerns_safeguardingentry
       WHEN NOT (
         (SELECT user_version FROM pragma_user_version) = 1380930625
         AND NEW.id IS OLD.id
         AND NEW.public_id IS OLD.public_id
         AND NEW.school_id IS OLD.school_id
         AND NEW.concern_id IS OLD.concern_id
         AND NEW.kind IS OLD.kind
         AND NEW.outcome IS OLD.outcome
         AND NEW.corrects_id IS OLD.corrects_id
         AND NEW.written_by_id IS OLD.written_by_id
         AND NEW.written_at IS OLD.written_at
       )
       BEGIN SELECT RAISE(ABORT, 'safeguarding entries are append-only: add a correction'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS safeguarding_entry_no_update;",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION safeguarding_entry_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE'
            AND current_setting('peersupport.rewriting_encrypted_values', true) = 'on'
            AND (to_jsonb(NEW) - 'text') = (to_jsonb(OLD) - 'text') THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'safeguarding entries are append-only: add a correction';
       END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER safeguarding_entry_append_only
       BEFORE UPDATE OR DELETE ON concerns_safeguardingentry
       FOR EACH ROW EXECUTE FUNCTION safeguarding_entry_refuse_change();""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS safeguarding_entry_append_only ON concerns_safeguardingentry;",
    "DROP FUNCTION IF EXISTS safeguarding_entry_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
