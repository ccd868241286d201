from django.db import migrations, models

import scoring.measurement.models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_notice_reminders"), ("portal", "0004_hoster_aliases")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="corrected_removed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="corrected removal"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="kind",
            field=models.CharField(
                choices=[("attribution", "Attribution"), ("removal_time", "Removal time")],
                default="attribution",
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="dispute",
            name="claimed_removed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed removal"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="corrected_removed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="corrected removal"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="evidence_url",
            field=models.URLField(blank=True, max_length=2000, verbose_name="evidence URL"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="evidence_file",
            field=models.FileField(
                blank=True,
                max_length=200,
                upload_to=scoring.measurement.models.dispute_evidence_upload_to,
                verbose_name="evidence file",
            ),
        ),
        migrations.AddField(
            model_name="dispute",
            name="evidence_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="evidence file name"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="evidence_type",
            field=models.CharField(blank=True, max_length=10, verbose_name="detected type"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="evidence_size",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="size in bytes"),
        ),
        migrations.AddField(
            model_name="dispute",
            name="evidence_sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="SHA-256"),
        ),
        migrations.AlterField(
            model_name="dispute",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("reattributed", "Attributed to another hoster"),
                    ("excluded", "Excluded from the metrics"),
                    ("corrected", "Removal time corrected"),
                ],
                max_length=12,
                verbose_name="outcome",
            ),
        ),
        migrations.AddConstraint(
            model_name="dispute",
            constraint=models.CheckConstraint(
                condition=models.Q(kind="attribution")
                | (
                    models.Q(claimed_removed_at__isnull=False)
                    & (
                        (~models.Q(evidence_sha256="") & models.Q(evidence_url=""))
                        | (models.Q(evidence_sha256="") & ~models.Q(evidence_url=""))
                    )
                ),
                name="removal_time_dispute_claims_a_time_with_evidence",
            ),
        ),
    ]
