import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0009_hashcheck_weeks"),
        ("portal", "0004_hoster_aliases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NoticeOwner",
            fields=[
                (
                    "notice",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="abuse_owner",
                        serialize=False,
                        to="scoring.notice",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="abuse owner")),
                ("owner_key", models.CharField(db_index=True, max_length=200, verbose_name="owner key")),
            ],
            options={
                "verbose_name": "abuse owner of a notice",
                "verbose_name_plural": "abuse owners of notices",
            },
        ),
        migrations.CreateModel(
            name="AttributionChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="when")),
                (
                    "attribution",
                    models.CharField(
                        choices=[
                            ("explicit", "Hoster named in the notice"),
                            ("asn", "Declared AS number"),
                            ("prefix", "Declared IP prefix"),
                            ("dispute", "Set by the supervisor (a dispute or the unattributed queue)"),
                            ("none", "Unattributed"),
                        ],
                        max_length=10,
                        verbose_name="attribution",
                    ),
                ),
                ("reason", models.CharField(max_length=200, verbose_name="reason")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "new_hoster",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="portal.hoster",
                        verbose_name="new hoster",
                    ),
                ),
                (
                    "notice",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attribution_changes",
                        to="scoring.notice",
                    ),
                ),
                (
                    "old_hoster",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="portal.hoster",
                        verbose_name="previous hoster",
                    ),
                ),
            ],
            options={
                "verbose_name": "attribution change",
                "verbose_name_plural": "attribution changes",
                "ordering": ["at", "id"],
            },
        ),
        migrations.AlterField(
            model_name="notice",
            name="attribution",
            field=models.CharField(
                choices=[
                    ("explicit", "Hoster named in the notice"),
                    ("asn", "Declared AS number"),
                    ("prefix", "Declared IP prefix"),
                    ("dispute", "Set by the supervisor (a dispute or the unattributed queue)"),
                    ("none", "Unattributed"),
                ],
                default="none",
                max_length=10,
                verbose_name="attribution",
            ),
        ),
    ]
