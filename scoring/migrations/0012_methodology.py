from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0011_scart_speed")]

    # Null is the legacy methodology: ratings and certificates kept before methodologies were recorded.
    operations = [
        migrations.AddField(
            model_name="rating",
            name="methodology",
            field=models.JSONField(blank=True, encoder=DjangoJSONEncoder, null=True, verbose_name="methodology"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="methodology",
            field=models.JSONField(blank=True, encoder=DjangoJSONEncoder, null=True, verbose_name="methodology"),
        ),
    ]
