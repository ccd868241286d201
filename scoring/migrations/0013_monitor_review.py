import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_hoster_aliases"),
        ("scoring", "0012_methodology"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="monitorperiod",
            name="methodology",
            field=models.JSONField(
                blank=True,
                encoder=django.core.serializers.json.DjangoJSONEncoder,
                null=True,
                verbose_name="methodology",
            ),
        ),
        migrations.AddField(
            model_name="monitorperiod",
            name="scoring_model",
            field=models.CharField(blank=True, default="", max_length=40, verbose_name="scoring model"),
        ),
        migrations.CreateModel(
            name="MonitorReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.SlugField(
                        help_text="Part of the address, e.g. 2025-h1.", max_length=40, unique=True, verbose_name="code"
                    ),
                ),
                ("title", models.CharField(max_length=120, verbose_name="title")),
                ("date_from", models.DateField(verbose_name="first day")),
                ("date_to", models.DateField(verbose_name="last day")),
                ("scoring_model", models.CharField(max_length=40, verbose_name="scoring model")),
                ("norm_hours", models.FloatField(verbose_name="removal norm in hours")),
                (
                    "state",
                    models.CharField(
                        choices=[("draft", "Draft"), ("in_review", "In review"), ("published", "Published")],
                        default="draft",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("review_days", models.PositiveSmallIntegerField(default=14, verbose_name="days for the review")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("opened_at", models.DateTimeField(blank=True, null=True, verbose_name="review opened")),
                ("closes_at", models.DateTimeField(blank=True, null=True, verbose_name="review closes")),
                ("extensions", models.PositiveSmallIntegerField(default=0, verbose_name="extensions")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "opened_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "period",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="review",
                        to="scoring.monitorperiod",
                    ),
                ),
            ],
            options={
                "verbose_name": "monitor review",
                "verbose_name_plural": "monitor reviews",
                "ordering": ["-date_from", "-id"],
            },
        ),
        migrations.CreateModel(
            name="MonitorReviewHoster",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("notified_at", models.DateTimeField(blank=True, null=True, verbose_name="told")),
                ("first_seen_at", models.DateTimeField(blank=True, null=True, verbose_name="first seen")),
                (
                    "first_seen_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "hoster",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="monitor_reviews", to="portal.hoster"
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="hosters", to="scoring.monitorreview"
                    ),
                ),
            ],
            options={"ordering": ["hoster__name", "id"]},
        ),
        migrations.AddConstraint(
            model_name="monitorreview",
            constraint=models.CheckConstraint(
                condition=models.Q(("date_from__lte", models.F("date_to"))), name="monitor_review_in_order"
            ),
        ),
        migrations.AddConstraint(
            model_name="monitorreviewhoster",
            constraint=models.UniqueConstraint(fields=("review", "hoster"), name="one_review_row_per_hoster"),
        ),
    ]
