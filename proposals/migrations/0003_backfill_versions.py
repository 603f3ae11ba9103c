"""Proposals made before versions existed get version 1 (their text) and their creator
as co-author; they stay in discussion (the default of the new state field)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Version = apps.get_model("proposals", "Version")
    CoAuthor = apps.get_model("proposals", "CoAuthor")
    for proposal in Proposal.objects.filter(versions__isnull=True):
        Version.objects.create(
            proposal=proposal, number=1, text=proposal.text, author_id=proposal.created_by_id
        )
        if proposal.created_by_id is not None:
            CoAuthor.objects.get_or_create(
                proposal=proposal,
                user_id=proposal.created_by_id,
                defaults={"status": "accepted", "invited_by_id": proposal.created_by_id},
            )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_versions_and_discussion")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
