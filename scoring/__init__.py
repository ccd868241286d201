"""Scoring: measured takedown data and answers become a rating, a certificate and a public registry.

The data flows one way through five stages, and no stage imports a later one:
measurement (notices → metrics) → engine (pure: answers + metrics → score card) →
rating (stored score cards) → certification (certificates, the daily run) →
publication (registry, verification, badges, open data, public API, monitor periods).
"""
