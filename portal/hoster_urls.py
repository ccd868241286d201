"""URL routes for hosters, memberships, invitations, API keys, identity changes and scheme roles (no namespace)."""

from django.urls import path

from portal import hoster_views as views
from portal import identity_views

urlpatterns = [
    path("hosters/new/", views.hoster_register, name="hoster_register"),
    path("hosters/switch/", views.hoster_switch, name="hoster_switch"),
    path("hosters/<slug:slug>/", views.hoster_detail, name="hoster_detail"),
    path("hosters/<slug:slug>/settings/", views.hoster_settings, name="hoster_settings"),
    path("hosters/<slug:slug>/network/", views.hoster_network, name="hoster_network"),
    path("hosters/<slug:slug>/members/", views.hoster_members, name="hoster_members"),
    path("hosters/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("hosters/<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("hosters/<slug:slug>/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("hosters/<slug:slug>/api-keys/", views.hoster_api_keys, name="hoster_api_keys"),
    path("hosters/<slug:slug>/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("supervision/hosters/", views.supervision_hosters, name="supervision_hosters"),
    path("supervision/hosters/<slug:slug>/verify/", views.supervision_hoster_verify, name="supervision_hoster_verify"),
    path(
        "supervision/identity-changes/",
        identity_views.identity_changes,
        name="supervision_identity_changes",
    ),
    path(
        "supervision/identity-changes/<int:pk>/",
        identity_views.identity_change_decide,
        name="supervision_identity_change",
    ),
    path("supervision/roles/", views.supervision_roles, name="supervision_roles"),
    path(
        "supervision/roles/<int:user_id>/<str:role>/revoke/",
        views.supervision_role_revoke,
        name="supervision_role_revoke",
    ),
    path("supervision/api-keys/", views.supervision_api_keys, name="supervision_api_keys"),
    path("supervision/api-keys/<int:pk>/revoke/", views.supervision_api_key_revoke, name="supervision_api_key_revoke"),
]
