"""The Good Hoster portal: Django project and the site's core (hosters, memberships, audit log)."""
