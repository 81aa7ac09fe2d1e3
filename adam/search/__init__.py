"""Who does what, where and when: search filters, full text, coverage matrix, map, timeline and exports."""
