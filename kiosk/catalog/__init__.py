"""The procedure catalog: definitions, loading and search."""

from kiosk.catalog.loader import Catalog, CatalogError, CatalogProblem, load_catalog, load_procedure_file
from kiosk.catalog.models import FieldKind, FormField, Procedure, Step, Text

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogProblem",
    "FieldKind",
    "FormField",
    "Procedure",
    "Step",
    "Text",
    "load_catalog",
    "load_procedure_file",
]
