"""``python -m kb`` is the same as the ``kb`` command."""

from kb.cli import entry

if __name__ == "__main__":  # not when a worker process re-imports the main module
    entry()
