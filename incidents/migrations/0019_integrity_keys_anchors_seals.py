"""Integrity that survives database access: events sealed with the audit key (those already recorded
keep their plain SHA-256: `keyed` false), the anchors that hold each case's length, and the chain of
exports. On PostgreSQL the database itself refuses to change or delete an anchor or an export's seal,
as it does an event. `python manage.py anchor_audit` anchors the chains recorded before."""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("incidents_caseanchor", "incidents_exportseal")
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
NOT_APPEND_ONLY = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(APPEND_ONLY.format(table=table), params=None)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(NOT_APPEND_ONLY.format(table=table), params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0018_evidence_safe_copy'),
    ]

    operations = [
        # The events already recorded were not sealed with a key; those recorded from now on are.
        migrations.AddField(
            model_name='caseevent',
            name='keyed',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='keyed',
            field=models.BooleanField(default=True, help_text='Sealed with the audit key (HMAC-SHA256); events recorded before there was one hold a plain SHA-256.'),
        ),
        migrations.CreateModel(
            name='ExportSeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveBigIntegerField(unique=True)),
                ('at', models.DateTimeField()),
                ('previous_seal', models.CharField(blank=True, max_length=64)),
                ('seal', models.CharField(max_length=64)),
                ('record', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='seal', to='incidents.exportrecord')),
            ],
            options={
                'ordering': ['position'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='CaseAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveBigIntegerField(unique=True)),
                ('at', models.DateTimeField()),
                ('previous_seal', models.CharField(blank=True, max_length=64)),
                ('seal', models.CharField(max_length=64)),
                ('events', models.PositiveIntegerField(help_text="How many events the case's timeline then held.")),
                ('head_hash', models.CharField(help_text='The hash of its last event.', max_length=64)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='anchors', to='incidents.case')),
            ],
            options={
                'ordering': ['position'],
                'abstract': False,
                'indexes': [models.Index(fields=['case', '-position'], name='anchor_latest_of_case')],
            },
        ),
        migrations.RunPython(append_only, not_append_only),
    ]
