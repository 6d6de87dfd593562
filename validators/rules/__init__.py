"""One module per rule; each module's docstring is that rule's documentation page.

A module defines one class derived from :class:`validators.registry.Rule` and
binds it to ``RULE``.  Modules are named ``kbNNN_<name>.py``.
"""
