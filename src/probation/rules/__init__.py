"""Pure domain rules: no Django, no I/O. See docs/rules.md.

The probation service's decision rules, written once as plain functions over frozen dataclasses
so that the web app, the API, the command line, bulk re-scoring and a commissioner's policy
comparison all get the same answer, with the reasons for it:

- :mod:`probation.rules.ogrs3` -- OGRS3 reoffending scores (``ogrs3.md``)
- :mod:`probation.rules.tiering` -- tiers A3..D0 and need severity (``tiering.md``)
- :mod:`probation.rules.custody` -- disposals; release, licence and supervision dates
  (``sentences.md``)
- :mod:`probation.rules.sentencing` -- what a court may impose (``sentences.md``, ADR 0011)
- :mod:`probation.rules.enforcement` -- the warning rule (``enforcement.md``)
- :mod:`probation.rules.breach` -- what a court may decide on a breach of an order or of
  post-sentence supervision (``enforcement.md``, ``sentences.md``, ADR 0018)
- :mod:`probation.rules.recall` -- fixed-term recall and the period of licence or
  post-sentence supervision on a day (``enforcement.md``, ``sentences.md``)
- :mod:`probation.rules.requirements` -- progress on unpaid work hours and rehabilitation
  activity days, the unpaid work deadline (``sentences.md``)
- :mod:`probation.rules.plans` -- when a sentence plan is next reviewed (policy, ADR 0018)
- :mod:`probation.rules.workload` -- case points and capacity (``workload.md``)
- :mod:`probation.rules.allocation` -- the NPS/CRC sift as a versioned policy (``allocation.md``)
- :mod:`probation.rules.clocks` -- when each step of allocating, supervising and enforcing a
  case is due, in working days (``allocation.md``, ``enforcement.md``, ADRs 0017 and 0018)
- :mod:`probation.rules.reoffending` -- cohort quarters and the proven reoffending windows
  (``reoffending-and-payment.md``, ADR 0019)
- :mod:`probation.rules.payment` -- calibration, the binary and frequency tests, outcome
  payments and deductions (``reoffending-and-payment.md``, ADR 0019)
- :mod:`probation.rules.gaming` -- parking by OGRS3 band and funnel-plot limits
  (``reoffending-and-payment.md``)
- :mod:`probation.rules.disclosure` -- small-number and secondary suppression of public tables
- :mod:`probation.rules.geo` -- monitoring zones and vectorised containment
  (``electronic-monitoring.md``)
- :mod:`probation.rules.monitoring` -- curfew timetables, zone, curfew and proximity
  detection, device events (``electronic-monitoring.md``)
- :mod:`probation.rules.billing` -- billable device-days and claim reconciliation
  (``electronic-monitoring.md``)
- :mod:`probation.rules.dates` -- calendar months and whole-year ages shared by the above
- :mod:`probation.rules.reference` -- contract area codes and requirement keys

The specs live in ``docs/domain/``. Every input dataclass validates itself and raises
``ValueError`` naming the field; results are frozen and deterministic. Nothing here imports
Django, touches a database or reads a file (NumPy and shapely are used for vectorised zone checks), so the rules can be tested, benchmarked and reused
on their own. Decisions recorded in ``docs/adr/0002-rules-ambiguities.md``.
"""
