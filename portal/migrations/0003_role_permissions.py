"""Model permissions of the scheme's role groups, for the Django admin and permission checks."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "supervisor": [
        "portal.view_hoster",
        "portal.change_hoster",
        "portal.view_membership",
        "portal.view_invitation",
        "portal.view_apikey",
        "portal.view_auditevent",
        "portal.view_user",
    ],
    "auditor": [
        "portal.view_hoster",
    ],
}


def grant_permissions(apps, schema_editor) -> None:
    # Permissions are normally created after all migrations; create the portal's now so they can be granted.
    app_config = apps.get_app_config("portal")
    app_config.models_module = True  # the migration state's app config lacks it; create_permissions needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_permissions(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant_permissions, remove_permissions)]
