"""Tests of the link and identity stage (validators.links and the KB5xx rules)."""
