"""Run a parser on an uploaded file in a child process whose memory, CPU and wall time are bounded.

A workbook is a zip of XML that a person chose: a few kilobytes can name a cell a million rows
down (the parser then allocates the whole rectangle, gigabytes), a megabyte can inflate to
hundreds. Parsed in the app's own process, such a file took tens of seconds and gigabytes, or
aborted the whole worker when an allocation failed. In a child it can only fail its own upload.

The children are forked from a small server process started once per app process
(multiprocessing's forkserver, which has already imported the parser's modules), so a parse
starts in a few milliseconds and never forks the threaded app process itself. At most
`UPLOAD_PARSES_AT_ONCE` children run at once per app process.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
from dataclasses import dataclass

#: The modules the forkserver imports once, so a child needs no imports of its own.
PRELOAD = ["trainingapp.platform.tabular", "trainingapp.platform.wordfile"]

_lock = threading.Lock()
_context = None
_slots: dict[int, threading.BoundedSemaphore] = {}


class SandboxLimit(Exception):
    """The parse did not finish within its bounds; `reason` is "memory", "time" or "busy"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Bounds:
    """What one parse may use: address space above the child's start, CPU and wall seconds."""

    memory_mb: int
    seconds: float
    at_once: int = 2


def _get_context():
    global _context
    with _lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _slot(at_once: int) -> threading.BoundedSemaphore:
    with _lock:
        return _slots.setdefault(at_once, threading.BoundedSemaphore(at_once))


def _address_space() -> int:
    """This process's virtual size in bytes (the rlimit counts address space, not resident memory)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(connection, function, args, memory_bytes: int, cpu_seconds: int) -> None:
    # A failed allocation in Rust code aborts the child at once; symbolising a backtrace first
    # (RUST_BACKTRACE set in the server's environment) would take seconds of the limit.
    os.environ["RUST_BACKTRACE"] = "0"
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    try:
        outcome = ("ok", function(*args))
    except MemoryError:
        outcome = ("limit", "memory")
    except Exception as error:  # noqa: BLE001 - handed to the parent, which decides
        outcome = ("error", error)
    try:
        connection.send(outcome)
    except MemoryError:
        connection.send(("limit", "memory"))
    connection.close()


def run(function, *args, bounds: Bounds):
    """`function(*args)` computed in a bounded child: its result, or the exception it raised.

    Raises SandboxLimit("memory") when the child ran out of its address space (an allocation
    failed, or it was killed for it), SandboxLimit("time") when it used its CPU seconds or
    `bounds.seconds` of wall time (it is killed), SandboxLimit("busy") when `bounds.at_once`
    parses were running and none ended within `bounds.seconds`. `function` must be a module-level
    function of a module in PRELOAD, its arguments and result picklable.
    """
    slot = _slot(bounds.at_once)
    if not slot.acquire(timeout=bounds.seconds):
        raise SandboxLimit("busy")
    try:
        context = _get_context()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, daemon=True,
                                  args=(sender, function, args, bounds.memory_mb * 1024 * 1024,
                                        max(1, int(bounds.seconds))))
        process.start()
        sender.close()
        try:
            if not receiver.poll(bounds.seconds):
                process.kill()
                raise SandboxLimit("time")
            try:
                kind, value = receiver.recv()
            except (EOFError, OSError):  # died without a word: killed by a limit, or aborted
                process.join(5)
                raise SandboxLimit("time" if process.exitcode == -signal.SIGXCPU else "memory") from None
        finally:
            receiver.close()
            process.join(5)
            if process.exitcode is None:
                process.kill()
                process.join()
    finally:
        slot.release()
    if kind == "limit":
        raise SandboxLimit(value)
    if kind == "error":
        raise value
    return value

