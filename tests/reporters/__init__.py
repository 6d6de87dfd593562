"""Tests of the reporters (text, json, sarif, github, junit)."""
