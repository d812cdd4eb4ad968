"""Exercises for teachers: seeded problems, answer keys, find-the-slip sheets and grading.

Imports point down only (into :mod:`microgradnet.tutorial` and the engine; nothing there imports
this package): ``spec`` (the options) → ``draw`` (numbers for hand work) → ``judge`` (an answer:
correct, follow-through, wrong with the slip named, missing) → ``solution``, ``display`` and
``plant`` (slips for a find-the-slip sheet) → ``text`` (the words every page shares) and
``keyfile`` (key.json, written and read back) → the writers ``write_sheet``, ``write_slips`` and
``moodle``; ``answers`` (reading students' files) → ``grade``, ``write_grade`` → ``cli`` (the
``microgradnet exercise`` command).
"""
