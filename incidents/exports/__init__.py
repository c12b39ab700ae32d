"""HR exports: one module per export, each declaring its content once.

- `register`: the register of cases (CSV, XLSX, JSON), streamed; on PostgreSQL the CSV is
  PostgreSQL's own COPY of the same query;
- `bundle`: one case's bundle for a panel or a tribunal (a PDF and a ZIP with a manifest of hashes);
- `subject_access`: everything held about one member of staff, as a ZIP;
- `formula`: the guard against spreadsheet formulas in cells;
- `sql`: the few SQL functions the register needs on both databases;
- `records`: every export recorded (`ExportRecord`, and the cases' timelines);
- `tasks`: long exports made by the background worker.

Who may export which case is decided by `incidents.selectors.cases_exportable_by` alone.
"""
