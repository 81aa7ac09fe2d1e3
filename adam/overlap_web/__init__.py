"""The duplicate-check report and coordinators' decisions (web pages, exports and the overlap-report command)."""
