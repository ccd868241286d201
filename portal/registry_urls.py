"""URL routes (filled in by the feature that owns this file)."""

urlpatterns: list = []
