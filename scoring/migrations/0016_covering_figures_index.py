"""The notices' (hoster, report time) index covers what the figures read: they never visit the wide rows."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_hoster_aliases'),
        ('scoring', '0015_notice_key_byte_order'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='notice',
            name='notice_hoster_reported',
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['hoster', 'reported_at'], include=('removed_at', 'corrected_removed_at', 'excluded'), name='notice_hoster_reported'),
        ),
    ]
