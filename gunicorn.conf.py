"""gunicorn settings for ADAM (read from the working directory: `gunicorn wsgi:app`).

A few processes with threads rather than many single-threaded processes: requests spend much of their
time waiting on the database, which runs beside them on the same cores, and the search's aggregate cache
is per process, so fewer processes share more of it. On the 2-core development machine: 2 processes x 4
threads. WEB_CONCURRENCY and ADAM_GUNICORN_THREADS override the two numbers.
"""
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(max(multiprocessing.cpu_count(), 2), 8)))
worker_class = "gthread"
threads = int(os.environ.get("ADAM_GUNICORN_THREADS", 4))
timeout = 60
