"""Exchange with other systems: IATI upload and export pages, spreadsheet bulk import, and their CLI commands."""
