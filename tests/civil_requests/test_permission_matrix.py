"""Who may do what with a civil request: every can_* function of civil_requests.permissions as a
role x state matrix, written out by hand from issue 14 (not computed from the code), asked of the
functions and, for seeing a request and its applicant, of the request's page.

Every request here was filed to one department ("old"), transferred (이송) to the lead department,
and the lead asked two departments for their part (협조); one of them already answered. So the
official of the department it was transferred away from is, for every request, "another
department" now, and the co-handling department that answered keeps seeing it but has nothing left
to answer.

States (columns):
  rec   received (접수)                      prog  in progress (처리 중)
  wait  awaiting a supplement (보완 요청)     rept  received, linked to an original answered twice
  done  completed an hour ago (reopenable)  late  completed 19 days ago (the 14-day window is over)
  clsd  closed as a repeated complaint (종결)
Each state is built twice, private (the default) and public; the applicant's identity is never
public, so only seeing the request and "same problem" change with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from participation.accounts import services as accounts
from participation.civil_requests import handling, intake, permissions
from participation.civil_requests.models import REOPEN_DAYS, Channel, RequestStatus
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db, limiter
from tests.conftest import empty_database
from tests.deliberation.helpers import signed_in, visitor
from tests.factories import PASSWORD, make_civil_request, make_department, make_request_category, make_user

STATES = ["rec", "prog", "wait", "rept", "done", "late", "clsd"]
ROLES = [
    "applicant", "other resident", "visitor", "field staff", "counter staff",
    "lead official", "co-handling official", "co-handler that answered", "other official", "transferred-away official",
    "moderator", "admin",
    "suspended applicant", "suspended resident", "suspended lead official", "deleted applicant",
]
# The rows whose requests are their own (each files a set of its own); everyone else is asked about the main applicant's.
APPLICANTS = ("applicant", "suspended applicant", "deleted applicant")

ALL = "Y    Y    Y    Y    Y    Y    Y"
NONE = "-    -    -    -    -    -    -"


def every_role(columns: str) -> dict:
    return dict.fromkeys(ROLES, columns)


# Seeing -----------------------------------------------------------------------------------------------
# A private request: its applicant, the handling departments (lead and co-handling) and admins. A
# suspension stops acting, not reading one's own request or one's department's work. A deleted account
# is nobody's any more. The department it was transferred away from keeps nothing. (Public: everyone.)
#                                 rec  prog wait rept done late clsd
VIEW_PRIVATE = {
    "applicant":                 "Y    Y    Y    Y    Y    Y    Y",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    Y    Y    Y    Y    Y",
    "co-handling official":      "Y    Y    Y    Y    Y    Y    Y",
    "co-handler that answered":  "Y    Y    Y    Y    Y    Y    Y",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    Y    Y    Y    Y    Y",
    "suspended applicant":       "Y    Y    Y    Y    Y    Y    Y",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "Y    Y    Y    Y    Y    Y    Y",
    "deleted applicant":         "-    -    -    -    -    -    -",
}
VIEW_PUBLIC = every_role(ALL)
# The applicant's name and contact: never anyone else, public or not.
SEE_APPLICANT = VIEW_PRIVATE

# Co-handling questions and answers, the handler's name: the departments and admins, not the applicant.
#                                 rec  prog wait rept done late clsd
SEE_INTERNAL = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    Y    Y    Y    Y    Y",
    "co-handling official":      "Y    Y    Y    Y    Y    Y    Y",
    "co-handler that answered":  "Y    Y    Y    Y    Y    Y    Y",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    Y    Y    Y    Y    Y",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "Y    Y    Y    Y    Y    Y    Y",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# Handling: the lead department's officials and admins, while open, and never while suspended ---------
#                                 rec  prog wait rept done late clsd
HANDLE = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    Y    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    Y    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# Starting takes a newly received request (a repeat not yet started is one).
#                                 rec  prog wait rept done late clsd
START = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    -    -    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    -    -    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

#                                 rec  prog wait rept done late clsd
REQUEST_SUPPLEMENT = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    -    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    -    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# A transfer while waiting for the applicant is allowed (the clock stays stopped); a closed one never.
#                                 rec  prog wait rept done late clsd
TRANSFER = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    Y    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    Y    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

#                                 rec  prog wait rept done late clsd
ASK_COHANDLING = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    -    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    -    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# No due time runs while waiting for a supplement, so there is nothing to extend then.
#                                 rec  prog wait rept done late clsd
EXTEND = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    -    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    -    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# The answer waits for the supplement asked for.
#                                 rec  prog wait rept done late clsd
COMPLETE = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    -    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    -    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# Only a request linked to its original can be closed as a repeat (the service counts the answers).
#                                 rec  prog wait rept done late clsd
CLOSE_AS_REPEAT = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "-    -    -    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "-    -    -    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

#                                 rec  prog wait rept done late clsd
LINK = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "Y    Y    Y    Y    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "Y    Y    Y    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# A co-handling department gives its part once, while the request is open; the lead answers the applicant.
#                                 rec  prog wait rept done late clsd
ANSWER_COHANDLING = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "-    -    -    -    -    -    -",
    "co-handling official":      "Y    Y    Y    Y    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "-    -    -    -    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# The applicant's side: only the applicant, signed in and not suspended --------------------------------
#                                 rec  prog wait rept done late clsd
SUPPLEMENT = {
    "applicant":                 "-    -    Y    -    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "-    -    -    -    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "-    -    -    -    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# Within 14 days of completion (see also the test of the window's last second).
#                                 rec  prog wait rept done late clsd
REOPEN = {
    "applicant":                 "-    -    -    -    Y    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "-    -    -    -    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "-    -    -    -    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# The survey has no deadline; a closing as a repeat (종결) is not an answer to rate.
#                                 rec  prog wait rept done late clsd
RATE = {
    "applicant":                 "-    -    -    -    Y    Y    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "-    -    -    -    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "-    -    -    -    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# Consent to a second extension, while the request is open.
#                                 rec  prog wait rept done late clsd
CONSENT = {
    "applicant":                 "Y    Y    Y    Y    -    -    -",
    "other resident":            "-    -    -    -    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "-    -    -    -    -    -    -",
    "counter staff":             "-    -    -    -    -    -    -",
    "lead official":             "-    -    -    -    -    -    -",
    "co-handling official":      "-    -    -    -    -    -    -",
    "co-handler that answered":  "-    -    -    -    -    -    -",
    "other official":            "-    -    -    -    -    -    -",
    "transferred-away official": "-    -    -    -    -    -    -",
    "moderator":                 "-    -    -    -    -    -    -",
    "admin":                     "-    -    -    -    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}

# "Same problem" on a public request: anyone signed in and not suspended but its applicant, while open.
# (Private: nobody, it is not shown to them.)
#                                 rec  prog wait rept done late clsd
SUPPORT_PUBLIC = {
    "applicant":                 "-    -    -    -    -    -    -",
    "other resident":            "Y    Y    Y    Y    -    -    -",
    "visitor":                   "-    -    -    -    -    -    -",
    "field staff":               "Y    Y    Y    Y    -    -    -",
    "counter staff":             "Y    Y    Y    Y    -    -    -",
    "lead official":             "Y    Y    Y    Y    -    -    -",
    "co-handling official":      "Y    Y    Y    Y    -    -    -",
    "co-handler that answered":  "Y    Y    Y    Y    -    -    -",
    "other official":            "Y    Y    Y    Y    -    -    -",
    "transferred-away official": "Y    Y    Y    Y    -    -    -",
    "moderator":                 "Y    Y    Y    Y    -    -    -",
    "admin":                     "Y    Y    Y    Y    -    -    -",
    "suspended applicant":       "-    -    -    -    -    -    -",
    "suspended resident":        "-    -    -    -    -    -    -",
    "suspended lead official":   "-    -    -    -    -    -    -",
    "deleted applicant":         "-    -    -    -    -    -    -",
}
SUPPORT_PRIVATE = every_role(NONE)
# Actions that ask of the person alone (one column) -------------------------------------------------
SIGNED_IN_AND_ACTIVE = {"applicant", "other resident", "field staff", "counter staff", "lead official", "co-handling official",
                        "co-handler that answered", "other official", "transferred-away official", "moderator", "admin"}
FILE = SIGNED_IN_AND_ACTIVE
FILE_IN_FIELD = {"field staff"}
FILE_AT_COUNTER = {"counter staff", "admin"}
# Every official with a department sees its queue (suspended or not: reading), admins every queue.
VIEW_QUEUE = {"lead official", "co-handling official", "co-handler that answered", "other official", "transferred-away official",
              "admin", "suspended lead official"}

# (function, private table, public table); the functions without `now` are called without it.
REQUEST_ACTIONS = {
    "can_view": (permissions.can_view, VIEW_PRIVATE, VIEW_PUBLIC),
    "can_see_applicant": (permissions.can_see_applicant, SEE_APPLICANT, SEE_APPLICANT),
    # The receipt: whoever filed it (here the applicant, online) and the handling departments, public or not.
    "can_view_receipt": (permissions.can_view_receipt, VIEW_PRIVATE, VIEW_PRIVATE),
    "can_see_internal": (permissions.can_see_internal, SEE_INTERNAL, SEE_INTERNAL),
    "can_handle": (permissions.can_handle, HANDLE, HANDLE),
    "can_start": (permissions.can_start, START, START),
    "can_request_supplement": (permissions.can_request_supplement, REQUEST_SUPPLEMENT, REQUEST_SUPPLEMENT),
    "can_transfer": (permissions.can_transfer, TRANSFER, TRANSFER),
    "can_ask_cohandling": (permissions.can_ask_cohandling, ASK_COHANDLING, ASK_COHANDLING),
    "can_extend": (permissions.can_extend, EXTEND, EXTEND),
    "can_complete": (permissions.can_complete, COMPLETE, COMPLETE),
    "can_close_as_repeat": (permissions.can_close_as_repeat, CLOSE_AS_REPEAT, CLOSE_AS_REPEAT),
    "can_link": (permissions.can_link, LINK, LINK),
    "can_answer_cohandling": (permissions.can_answer_cohandling, ANSWER_COHANDLING, ANSWER_COHANDLING),
    "can_supplement": (permissions.can_supplement, SUPPLEMENT, SUPPLEMENT),
    "can_reopen": (permissions.can_reopen, REOPEN, REOPEN),
    "can_rate": (permissions.can_rate, RATE, RATE),
    "can_support": (permissions.can_support, SUPPORT_PRIVATE, SUPPORT_PUBLIC),
    "can_consent_to_extension": (permissions.can_consent_to_extension, CONSENT, CONSENT),
    # No state above has a follow-up waiting (a dissatisfied rating): nobody answers one there.
    # test_a_follow_up_is_the_lead_departments_to_answer asks it where one waits.
    "can_answer_follow_up": (permissions.can_answer_follow_up, every_role(NONE), every_role(NONE)),
    # Every request above has an account holder, who answers for themselves: nobody records for them.
    # test_a_counter_filing_... asks it of a resident without an account.
    "can_record_supplement": (permissions.can_record_supplement, every_role(NONE), every_role(NONE)),
    "can_record_consent": (permissions.can_record_consent, every_role(NONE), every_role(NONE)),
}
WITHOUT_NOW = {"can_view", "can_see_applicant", "can_see_internal", "can_view_receipt"}
PERSON_ACTIONS = {
    "can_file": (permissions.can_file, FILE),
    "can_file_in_field": (permissions.can_file_in_field, FILE_IN_FIELD),
    "can_file_at_counter": (permissions.can_file_at_counter, FILE_AT_COUNTER),
    "can_view_queue": (lambda user, moment: permissions.can_view_queue(user), VIEW_QUEUE),
    # The public list, map and feeds: everyone, the visitor and the suspended included.
    "can_browse_public": (lambda user, moment: permissions.can_browse_public(user), set(ROLES)),
}


def expected(rows: dict, role: str, state: str) -> bool:
    return rows[role].split()[STATES.index(state)] == "Y"


class Anonymous:
    is_authenticated = False
    is_deleted = False

    def has_role(self, role):
        return False


@dataclass
class World:
    moment: object  # "now" for every question
    people: dict  # role -> user (None for the visitor)
    departments: dict  # old, lead, asked, answered
    category: object
    requests: dict  # (applicant role, public) -> {state: request}


def _act(step, user, request, *args, at):
    with write_transaction():
        step(user, request, *args, at, version=request.version)
    db.session.commit()


def _build_states(w: World, applicant, public: bool, start) -> dict:
    """Each state once, for this applicant: filed to "old", transferred to the lead, co-handled."""
    p, d = w.people, w.departments
    lead, admin = p["lead official"], p["admin"]
    minute = timedelta(minutes=1)

    def filed(at, *, handled: bool = True):
        request = make_civil_request(w.category, applicant, is_public=public, at=at)
        if handled:
            _act(handling.transfer, p["transferred-away official"], request, d["lead"], "소관 부서로 이송합니다.", at=at + minute)
            _act(handling.ask_cohandling, lead, request, d["asked"], "현장 확인 부탁드립니다.", at=at + 2 * minute)
            _act(handling.ask_cohandling, lead, request, d["answered"], "예산 검토 부탁드립니다.", at=at + 3 * minute)
            _act(handling.answer_cohandling, p["co-handler that answered"], request, "예산은 확보되어 있습니다.", at=at + 4 * minute)
        return request

    states = {"rec": filed(start)}
    states["prog"] = filed(start)
    _act(handling.start, lead, states["prog"], at=start + 10 * minute)
    states["wait"] = filed(start)
    _act(handling.start, lead, states["wait"], at=start + 10 * minute)
    _act(handling.request_supplement, lead, states["wait"], "사진을 한 장 더 보내 주세요.", at=start + 11 * minute)
    states["done"] = filed(start)
    _act(handling.start, lead, states["done"], at=start + 10 * minute)
    _act(handling.complete, lead, states["done"], "resolved", "교체했습니다.", at=w.moment - timedelta(hours=1))
    states["late"] = filed(start)
    _act(handling.start, lead, states["late"], at=start + 10 * minute)
    _act(handling.complete, lead, states["late"], "resolved", "교체했습니다.", at=start + timedelta(days=1))
    # The same complaint answered twice (an original and a first repeat), then repeated again.
    original = filed(start, handled=False)
    _act(handling.complete, admin, original, "resolved", "교체했습니다.", at=start + timedelta(days=1))
    first_repeat = filed(start + timedelta(hours=1), handled=False)
    _act(handling.link_original, admin, first_repeat, original, at=start + timedelta(hours=2))
    _act(handling.complete, admin, first_repeat, "resolved", "다시 교체했습니다.", at=start + timedelta(days=1))
    states["rept"] = filed(start + timedelta(hours=2))
    _act(handling.link_original, lead, states["rept"], original, at=start + timedelta(hours=3))
    states["clsd"] = filed(start + timedelta(hours=2))
    _act(handling.link_original, lead, states["clsd"], original, at=start + timedelta(hours=3))
    _act(handling.close_as_repeat, lead, states["clsd"], "같은 민원에 두 번 답변드렸습니다.", at=start + timedelta(hours=4))
    return states


def build_world() -> World:
    moment = now()
    departments = {name: make_department(f"{name} 부서") for name in ("old", "lead", "asked", "answered", "other")}
    category = make_request_category(departments["old"])
    people = {
        "applicant": make_user(display_name="신청인본인"),
        "other resident": make_user(),
        "visitor": None,
        "field staff": make_user(roles={"field"}),
        "counter staff": make_user(roles={"counter"}),
        "lead official": make_user(roles={"official"}, department=departments["lead"]),
        "co-handling official": make_user(roles={"official"}, department=departments["asked"]),
        "co-handler that answered": make_user(roles={"official"}, department=departments["answered"]),
        "other official": make_user(roles={"official"}, department=departments["other"]),
        "transferred-away official": make_user(roles={"official"}, department=departments["old"]),
        "moderator": make_user(roles={"moderator"}),
        "admin": make_user(roles={"admin"}),
        "suspended applicant": make_user(display_name="정지된신청인"),
        "suspended resident": make_user(),
        "suspended lead official": make_user(roles={"official"}, department=departments["lead"]),
        "deleted applicant": make_user(display_name="탈퇴한신청인"),
    }
    world = World(moment, people, departments, category, {})
    start = moment - timedelta(days=20)
    for role in APPLICANTS:
        for public in (False, True):
            world.requests[role, public] = _build_states(world, people[role], public, start)
    week = moment + timedelta(days=7)
    for role in ("suspended applicant", "suspended resident", "suspended lead official"):
        people[role].suspended_until = week
    with write_transaction():
        accounts.delete_account(people["deleted applicant"], PASSWORD, moment)
    db.session.commit()
    return world


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides the suite's: this module's world is built once and emptied when the module is done
    (see `world`); only the rate-limit state is put back after each test."""
    limiter_state = vars(limiter).copy()
    yield
    vars(limiter).update(limiter_state)


@pytest.fixture(scope="module")
def world(app):
    """Every state, built once for the module (the tests only read it, or add requests of their own)."""
    with app.app_context():
        yield build_world()
        db.session.remove()
    empty_database(app)


def requests_seen_by(w: World, role: str, public: bool) -> dict:
    return w.requests[role if role in APPLICANTS else "applicant", public]


def test_the_world_is_in_the_states_it_claims(world):
    for (_, public), states in world.requests.items():
        assert {state: r.status for state, r in states.items()} == {
            "rec": RequestStatus.RECEIVED, "prog": RequestStatus.IN_PROGRESS, "wait": RequestStatus.AWAITING_SUPPLEMENT,
            "rept": RequestStatus.RECEIVED, "done": RequestStatus.COMPLETED, "late": RequestStatus.COMPLETED,
            "clsd": RequestStatus.CLOSED_AS_REPEAT,
        }
        for request in states.values():
            assert request.is_public is public
            assert request.lead_department_id == world.departments["lead"].id
            answered = {c.department_id: c.answered_at is not None for c in request.cohandlings}
            assert answered == {world.departments["asked"].id: False, world.departments["answered"].id: True}
        assert states["rept"].original_id is not None and handling.answered_repeats(states["rept"]) == 2
        assert states["done"].reopen_until() > world.moment > states["late"].reopen_until()


def test_role_by_state_matrix(world):
    failures = []
    for public in (False, True):
        for role in ROLES:
            user = world.people[role] or Anonymous()
            for state, request in requests_seen_by(world, role, public).items():
                for name, (can, private_rows, public_rows) in REQUEST_ACTIONS.items():
                    rows = public_rows if public else private_rows
                    got = can(user, request) if name in WITHOUT_NOW else can(user, request, world.moment)
                    if got != expected(rows, role, state):
                        failures.append(f"{name} {role} {state} {'public' if public else 'private'}: {got}")
    assert not failures, "\n".join(failures)


def test_person_matrix(world):
    failures = []
    for role in ROLES:
        user = world.people[role] or Anonymous()
        for name, (can, allowed) in PERSON_ACTIONS.items():
            if can(user, world.moment) != (role in allowed):
                failures.append(f"{name} {role}: {role not in allowed}")
    assert not failures, "\n".join(failures)


def test_the_reopen_window_is_fourteen_days_to_the_second(world):
    applicant = world.people["applicant"]
    done = world.requests["applicant", False]["done"]
    last = done.completed_at + timedelta(days=REOPEN_DAYS)
    assert permissions.can_reopen(applicant, done, last)
    assert not permissions.can_reopen(applicant, done, last + timedelta(seconds=1))


def test_the_page_follows_the_matrix(world, make_client):
    """The request's page: 404 for whoever may not see it, and the applicant's name only for those who may."""
    failures = []
    for role in ROLES:
        user = world.people[role]
        if role == "deleted applicant":
            continue  # the account can no longer sign in: it is a visitor now, and the visitor's row says so
        client = visitor(make_client) if user is None else signed_in(make_client, user)
        for public in (False, True):
            for state in ("rec", "done"):
                request = requests_seen_by(world, role, public)[state]
                applicant_name = request.applicant.display_name
                page = client.get(f"/requests/{request.id}")
                label = f"{role} {state} {'public' if public else 'private'}"
                if expected(VIEW_PUBLIC if public else VIEW_PRIVATE, role, state):
                    if page.status_code != 200:
                        failures.append(f"{label}: {page.status_code}")
                        continue
                    shown = applicant_name in page.get_data(as_text=True)
                    if shown != expected(SEE_APPLICANT, role, state):
                        failures.append(f"{label}: applicant's name {'shown' if shown else 'hidden'}")
                elif page.status_code != 404:
                    failures.append(f"{label}: {page.status_code}")
    assert not failures, "\n".join(failures)


def _file_at_counter(world, at):
    with write_transaction():
        request = intake.file_request(
            world.people["counter staff"],
            intake.RequestData(category=world.category, title="보도블록이 깨졌어요", description="시장 앞 보도블록이 깨져 있습니다."),
            at,
            channel=Channel.COUNTER,
            on_behalf=intake.OnBehalf(name="창구주민", phone="010-2345-6789", email=None, consented=True),
        )
    db.session.commit()
    return request


def test_a_counter_filing_is_not_the_counters_to_see_and_nobody_signed_in_is_its_applicant(world):
    """Filed at the counter for a resident without an account.

    The counter staff who filed it does not see the private request afterwards, nor the resident's
    name: the issue lets only its applicant, the handling departments and admins see a private
    request, and the counter is none of these. What the counter keeps is the receipt handed over at
    filing (the receipt page's own rule, not can_view). The resident follows it by tracking number and
    phone (tracking.remember), which reads the page; no account can supplement it, consent to a second
    extension, reopen or rate it."""
    p, moment = world.people, world.moment
    counter, lead = p["counter staff"], p["transferred-away official"]  # the category routes to "old": it leads here
    waiting = _file_at_counter(world, moment - timedelta(hours=2))
    answered = _file_at_counter(world, moment - timedelta(hours=2))
    assert waiting.applicant_id is None and waiting.filed_by_id == counter.id
    assert not permissions.can_view(counter, waiting)
    assert not permissions.can_see_applicant(counter, waiting)
    assert permissions.can_view_receipt(counter, waiting)  # the receipt it handed over stays the counter's
    assert not permissions.can_view_receipt(p["other official"], waiting)
    assert permissions.can_view(lead, waiting) and permissions.can_see_applicant(lead, waiting)
    assert permissions.can_view(p["admin"], waiting) and not permissions.can_view(p["lead official"], waiting)
    _act(handling.request_supplement, lead, waiting, "위치를 알려 주세요.", at=moment - timedelta(hours=1))
    _act(handling.complete, lead, answered, "resolved", "교체했습니다.", at=moment - timedelta(minutes=10))
    people = [user for user in p.values() if user is not None]
    assert not any(permissions.can_supplement(user, waiting, moment) for user in people)
    assert not any(permissions.can_consent_to_extension(user, waiting, moment) for user in people)
    assert not any(permissions.can_rate(user, answered, moment) or permissions.can_reopen(user, answered, moment) for user in people)
    assert intake.find_by_tracking(waiting.tracking_number, "010-2345-6789") == waiting
    # In their stead, the lead department (here "old", whose official is listed as transferred-away) and
    # admins record what the resident gave by phone; nobody else.
    recorders = {role for role, user in p.items() if user is not None and permissions.can_record_supplement(user, waiting, moment)}
    assert recorders == {"transferred-away official", "admin"}


# Where a follow-up waits (the applicant rated the answer 불만족): the lead department and admins answer it.
ANSWER_FOLLOW_UP = {"lead official", "admin"}


def test_a_follow_up_is_the_lead_departments_to_answer(world):
    p, moment = world.people, world.moment
    done = world.requests["applicant", False]["done"]
    handling.rate(p["applicant"], done, "dissatisfied", "아직 고장입니다.", moment - timedelta(minutes=30))
    db.session.commit()
    try:
        assert done.follow_up_since is not None
        failures = [role for role in ROLES
                    if permissions.can_answer_follow_up(p[role] or Anonymous(), done, moment) != (role in ANSWER_FOLLOW_UP)]
        assert not failures, failures
    finally:
        done.follow_up_since = None  # the module's world stays as the other tests read it
        db.session.commit()


def test_every_permission_function_is_in_the_matrix():
    """A new can_* function must get its row here."""
    functions = {name for name in dir(permissions) if name.startswith("can_")}
    assert functions - set(REQUEST_ACTIONS) - set(PERSON_ACTIONS) == {"can_look_up_location"}  # anyone: public reference data
