"""Kernel test harness: console parser (output), QEMU runner (qemu) and the
pytest plugin (plugin).  Import the submodules directly, e.g.
`from harness.output import parse`, with tools/ on sys.path."""
