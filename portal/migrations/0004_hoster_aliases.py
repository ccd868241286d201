from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_hosteridentitychange")]

    operations = [
        migrations.AddField(
            model_name="hoster",
            name="aliases",
            field=models.JSONField(blank=True, default=list, verbose_name="aliases"),
        ),
        migrations.AddField(
            model_name="hosteridentitychange",
            name="aliases",
            field=models.JSONField(blank=True, null=True, verbose_name="requested aliases"),
        ),
        migrations.AddField(
            model_name="hosteridentitychange",
            name="previous_aliases",
            field=models.JSONField(blank=True, default=list, verbose_name="aliases until then"),
        ),
    ]
