"""CSV/XLSX imports: streaming rows, per-row validation, batch writes, job records (see README.md)."""
