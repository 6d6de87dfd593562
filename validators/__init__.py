"""Checks over a loaded knowledge base: the rule registry, engine and reporters.

This is the project's own ``validators`` package (not the unrelated PyPI
distribution of the same name, which must not be installed beside it).
"""

PACKAGE_MARKER = "kb-validators"
