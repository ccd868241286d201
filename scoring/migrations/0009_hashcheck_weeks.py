import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0008_removal_time_disputes"),
        ("portal", "0004_hoster_aliases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HashCheckWeek",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField(verbose_name="week (its Monday)")),
                ("checks", models.PositiveBigIntegerField(verbose_name="checks")),
                ("hits", models.PositiveBigIntegerField(verbose_name="hits")),
                (
                    "batch",
                    models.UUIDField(
                        db_index=True, help_text="The import that stored these figures.", verbose_name="import"
                    ),
                ),
                ("imported_at", models.DateTimeField(verbose_name="imported")),
                (
                    "hoster",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hash_check_weeks",
                        to="portal.hoster",
                    ),
                ),
                (
                    "imported_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "hash-check week",
                "verbose_name_plural": "hash-check weeks",
                "ordering": ["hoster", "week"],
                "indexes": [models.Index(fields=["week"], name="hash_check_week")],
                "constraints": [
                    models.UniqueConstraint(fields=("hoster", "week"), name="unique_hash_check_week"),
                    models.CheckConstraint(
                        condition=models.Q(("hits__lte", models.F("checks"))), name="hash_check_hits_lte_checks"
                    ),
                ],
            },
        ),
    ]
