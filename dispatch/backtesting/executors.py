"""Where steps run: in this process, a local process pool, or a Dask distributed cluster.

All three hand out :class:`concurrent.futures.Future` objects, so the backtest drives them
the same way (submit a chain's next step when its previous one finishes).

- ``workers=1`` and no scheduler: steps run here, one after the other.
- ``workers=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` of N processes
  (started with ``forkserver`` where available, else ``spawn``: never ``fork``, which is
  unsafe once threads run).  Each worker exits when the backtest's process dies, even by
  ``kill -9`` (which runs no cleanup): a daemon thread started by the pool's initializer
  checks twice a second that the main process is alive and that the worker's parent (the
  main process, or the fork server, which exits with it) has not changed.  Orphaned
  workers used to live on (~530 MB each).
- ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``): the cluster's workers
  through ``client.get_executor()``; as many chains run at once as the cluster has worker
  threads.  Workers must have ``dispatch`` installed; use processes with one thread each
  (``dask worker --nthreads 1``), since HiGHS output capture swaps file descriptors per
  process.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dispatch.errors import ConfigError


class SerialExecutor(cf.Executor):
    """Runs each task at once in this process; the future is already done."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:  # type: ignore[override]
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # not swallowed: future.result() raises it in the caller
            future.set_exception(exc)
        return future


@contextmanager
def open_executor(workers: int = 1, scheduler: Any = None) -> Iterator[tuple[cf.Executor, int]]:
    """Yield ``(executor, capacity)``: capacity is how many tasks can run at once."""
    if scheduler is not None:
        with _dask_executor(scheduler) as pair:
            yield pair
        return
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ConfigError(f"workers: must be a whole number >= 1, got {workers!r}")
    if workers == 1:
        yield SerialExecutor(), 1
        return
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # the server imports the planner once; each worker is a fork of it (fast start)
        ctx.set_forkserver_preload(["dispatch.backtesting.rolling"])
    else:
        ctx = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield pool, workers
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: do not wait for running steps
        raise
    pool.shutdown(wait=True)


PARENT_POLL_S = 0.5
EXIT_ORPHANED = 70  # os._exit code of a worker whose backtest died


def exit_with_parent(main_pid: int, poll_s: float = PARENT_POLL_S) -> None:
    """Pool-worker initializer: end this process soon after ``main_pid`` dies.

    A daemon thread polls: the main process gone, or this worker's parent changed (it was
    reparented because the main process or the fork server died), exits at once with
    :data:`EXIT_ORPHANED` (``os._exit``: a step mid-solve is abandoned; its result would
    have nobody to go to)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent or not _alive(main_pid):
                os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="dispatch-exit-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _dask_executor(scheduler: Any) -> Iterator[tuple[cf.Executor, int]]:
    try:
        import distributed
    except ImportError:  # pragma: no cover - a declared dependency
        raise ConfigError("scheduler: Dask distributed is not installed") from None
    own = not isinstance(scheduler, distributed.Client)
    if own:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"scheduler: cannot connect to {scheduler!r} ({exc})") from None
    else:
        client = scheduler
    try:
        capacity = max(1, sum(client.nthreads().values()))
        executor = client.get_executor(pure=False)
        try:
            yield executor, capacity
        finally:
            executor.shutdown(wait=False)
    finally:
        if own:
            client.close()
