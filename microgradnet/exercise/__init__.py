"""Exercises for teachers: seeded problems, answer keys, find-the-slip sheets and grading.

Imports point down only (into :mod:`microgradnet.tutorial` and the engine; nothing there imports
this package): ``spec`` (the options) → ``draw`` (numbers for hand work) → ``judge`` (an answer:
correct, follow-through, wrong with the slip named, missing) → ``plant`` (slips for a
find-the-slip sheet) → the writers ``write_sheet``, ``moodle``, ``answers`` (reading students'
files) and ``write_grade`` → ``cli`` (the ``microgradnet exercise`` command).
"""
