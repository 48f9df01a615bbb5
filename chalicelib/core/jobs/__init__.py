"""Background jobs of every kind (import, export, assignment, OCR, auto-assign): one record, one list."""
