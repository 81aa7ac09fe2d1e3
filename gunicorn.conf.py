"""gunicorn settings for ADAM (read from the working directory: `gunicorn wsgi:app`).

Few processes with several threads each rather than many single-threaded processes: a request spends much
of its time waiting on the database, which needs cores of its own beside the application, and the search's
aggregate cache is per process, so fewer processes share more of it (each aggregate is computed once, not
once per process). Half the cores for processes: on the 2-core development machine one process with 8
threads, which measured better there than 2 x 4 or 3 single-threaded workers (README, Performance).
WEB_CONCURRENCY and ADAM_GUNICORN_THREADS override the two numbers.
"""
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", max(1, multiprocessing.cpu_count() // 2)))
worker_class = "gthread"
threads = int(os.environ.get("ADAM_GUNICORN_THREADS", 8))
timeout = 60
