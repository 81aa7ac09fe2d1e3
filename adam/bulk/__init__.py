"""Bulk import of projects from a spreadsheet (CSV or XLSX): template, dry run with row errors, all-or-nothing commit."""
