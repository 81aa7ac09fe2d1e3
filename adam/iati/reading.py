"""Reading IATI files for the importer: parse and map each activity, inline or in worker processes.

A parse worker is a fresh interpreter (spawn) that imports this module to run _worker: it needs lxml, the parser
and the mapping, not the web stack or the database layer of the importer (adam.iati.importer).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from adam.iati.mapping import PreparedActivity, ReferenceData, prepare_activity, rejected
from adam.iati.parser import FileError, Issue, iter_activities
from adam.messages import Message


def _size(source: Any) -> int:
    try:
        if isinstance(source, (str, Path)):
            return os.path.getsize(source)
        position = source.tell()
        source.seek(0, os.SEEK_END)
        size = source.tell()
        source.seek(position)
        return size
    except (OSError, AttributeError, ValueError):
        return 0


# -- reading the files: inline, or in a worker process ---------------------------------------------------------
# Both yield the same events: ("file", name), ("chunk", [PreparedActivity, ...], bytes read in this file),
# ("error", FileError), ("end", name, size).

CHUNK = 250
# Events a parse worker may have waiting for the main process (a file is at least three: file, chunk, end).
QUEUED_EVENTS = 64


def _prepare_safely(item: Any, ref: ReferenceData) -> PreparedActivity:
    try:
        return prepare_activity(item, ref)
    except Exception as exc:  # noqa: BLE001 (one strange activity must not stop the file)
        item.issues.append(Issue("error", Message("could not be read: %(error)s", error=f"{exc.__class__.__name__}: {exc}")))
        return rejected(item)


def _read_one(source: Any, name: str, ref: ReferenceData):  # noqa: ANN202 (a generator of events)
    chunk: list[PreparedActivity] = []
    handle = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    try:
        for item in iter_activities(handle, name):
            if isinstance(item, FileError):
                yield ("error", item)
                continue
            chunk.append(_prepare_safely(item, ref))
            if len(chunk) >= CHUNK:
                yield ("chunk", chunk, _position(handle))
                chunk = []
        if chunk:
            yield ("chunk", chunk, _position(handle))
    finally:
        if handle is not source:
            handle.close()


def _source_name(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    return getattr(source, "filename", None) or Path(getattr(source, "name", "upload.xml")).name


def _read_inline(sources: list, ref: ReferenceData):  # noqa: ANN202
    for source in sources:
        name = _source_name(source)
        yield ("file", name)
        try:
            yield from _read_one(source, name, ref)
        except OSError as exc:
            yield ("error", FileError(name, Message("cannot read the file: %(error)s", error=str(exc.strerror or exc))))
        yield ("end", name, _size(source))


def _worker(paths: list[str], ref: ReferenceData, events: Any) -> None:
    """Parse and map files in a child process; the parent only resolves organisations and writes."""
    try:
        for event in _read_inline(paths, ref):
            events.put(event)
    except BaseException as exc:  # noqa: BLE001 (report anything to the parent rather than dying silently)
        events.put(("crash", f"{exc.__class__.__name__}: {exc}"))
    events.put(None)


def _read_parallel(sources: list, ref: ReferenceData, workers: int):  # noqa: ANN202
    """Parse files in worker processes, file k by worker k mod n, and yield their events in file order."""
    import multiprocessing
    import queue as queue_module

    # spawn: a fresh interpreter, safe whatever threads or database connections this process holds.
    context = multiprocessing.get_context("spawn")
    paths = [str(s) for s in sources]
    workers = max(1, min(workers, len(paths)))
    # Bounded queues: the parsers never run far ahead of the database, so memory stays flat.
    queues = [context.Queue(maxsize=QUEUED_EVENTS) for _ in range(workers)]
    processes = [context.Process(target=_worker, args=(paths[w::workers], ref, queues[w]), daemon=True)
                 for w in range(workers)]
    for process in processes:
        process.start()

    def get(w: int) -> Any:
        while True:
            try:
                event = queues[w].get(timeout=5)
            except queue_module.Empty:
                if not processes[w].is_alive():
                    raise RuntimeError("the IATI parse worker stopped unexpectedly") from None
                continue
            if event is not None and event[0] == "crash":
                raise RuntimeError(f"the IATI parse worker failed: {event[1]}")
            return event

    try:
        for k in range(len(paths)):
            while True:
                event = get(k % workers)
                if event is None:
                    raise RuntimeError("the IATI parse worker ended early")
                yield event
                if event[0] == "end":
                    break
        for w in range(workers):
            get(w)  # the end-of-files marker
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)


def _position(handle: Any) -> int:
    try:
        return handle.tell()
    except (OSError, ValueError, AttributeError):
        return 0
