# When a notice import last made progress: a batch without any for long was left behind by a stopped worker
# and is failed, its uploaded file deleted (issue 13).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0005_rating_decision'),
    ]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='progress_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
