import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Repeat NTDs kept by when they went out, so that consecutive SCARt exports add their reminders up; an owner
    key indexed once (no LIKE index)."""

    dependencies = [("scoring", "0010_attribution_changes")]

    operations = [
        migrations.CreateModel(
            name="NoticeReminder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sent_at", models.DateTimeField(verbose_name="sent")),
                (
                    "notice",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminder_sends",
                        to="scoring.notice",
                    ),
                ),
            ],
            options={"verbose_name": "reminder", "verbose_name_plural": "reminders", "ordering": ["sent_at"]},
        ),
        migrations.AddConstraint(
            model_name="noticereminder",
            constraint=models.UniqueConstraint(fields=("notice", "sent_at"), name="one_reminder_per_send"),
        ),
        migrations.AlterField(
            model_name="noticeowner",
            name="owner_key",
            field=models.CharField(max_length=200, verbose_name="owner key"),
        ),
        migrations.AddIndex(
            model_name="noticeowner",
            index=models.Index(fields=["owner_key"], name="noticeowner_owner_key"),
        ),
    ]
