"""kb: the resource-card knowledge base core (schema, loader, graph, importer, export, CLI)."""

__version__ = "0.1.0"
