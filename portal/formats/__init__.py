"""The portal's own date and time formats per language (FORMAT_MODULE_PATH); Django's fill in the rest."""
