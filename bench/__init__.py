"""The benchmark harness of pyramid_helpdesk: ``make bench`` (``python -m bench``).

It measures ticket creation three ways in one run, so that every figure has a
baseline taken on the same noisy machine at the same moment:

* service level: :meth:`TicketService.create`, one committed transaction per ticket
  (:mod:`bench.service`);
* the real app under waitress, driven over HTTP by logged-in requesters
  (:mod:`bench.sites`, :mod:`bench.scenarios`, :mod:`bench.loadgen`);
* the floor: a bare Pyramid + pyramid_tm + SQLite app inserting one row per POST
  (:mod:`bench.floor_app`), driven by the same load generator.

Benchmarks are not tests: nothing here asserts a speed. See ``bench/README.md``.
"""
