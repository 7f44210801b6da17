"""The top floor: the ``voc`` command line.

Each command group is a module here (``cli/data.py``, ``cli/discover.py``, ...) registered in
:mod:`cli.main`. Commands only parse options, set up logging and call one function per stage;
nothing below this package imports it.
"""
