import gc
import os
import sys
import threading

# Importing the CLI makes no garbage worth collecting: a dozen young collections (a hundredth of
# a build after one change) walk only module objects. The build decides its own collections.
gc.disable()
from .cli import main  # noqa: E402

gc.enable()

code = main(exiting=True)
try:
    sys.stdout.flush()
    sys.stderr.flush()
except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can be said there
    pass
if threading.active_count() == 1:
    # Everything is written, closed and flushed; what is left is the interpreter freeing what
    # the build left (noop.leave_for_exit) and the module caches, object by object: 0.1 s of
    # a build after one change at 10,000 projects. `serve` may still have a build running in a
    # thread: that one exits the ordinary way, which waits for it.
    os._exit(code)
sys.exit(code)
