# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What ``zoom_user`` and ``zoom_scim_user`` share as modules: the person options and the result bookkeeping.

``person_argument_spec(**extra)`` is the argument spec both start from; ``UserRunner`` keeps one result dict
(``changed``, ``actions``, ``zoom_status``, ``pending_reason``, ``remedy``, ``pending_evidence``, ``user``), collects
warnings, and exits or fails with the diff when diff mode is on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import CODE_MANAGED_DOMAIN, ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._compare import diff_dict
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    TRANSFER_FLAGS,
    lookup_user,
    managed_domains,
    plan_removal,
)


def person_argument_spec(removal_actions, **extra):
    """The options of a per-user module: the person, its state and how it is removed; ``extra`` adds or overrides."""
    spec = dict(
        email=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        active=dict(type='bool'),
        first_name=dict(type='str'),
        last_name=dict(type='str'),
        display_name=dict(type='str'),
        removal_action=dict(type='str', default='disassociate', choices=list(removal_actions)),
        transfer_to=dict(type='str'),
        transfer=dict(type='list', elements='str', choices=sorted(TRANSFER_FLAGS)),
        allow_data_loss=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )
    spec.update(extra)
    return spec


class UserRunner:
    """Result bookkeeping of one module run (subclassed by each module's ``Runner``)."""

    # said after Zoom's 1107 refusal, where deactivating is the way out (each module says how it deactivates)
    deactivate_hint = ''

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.result = dict(changed=False, actions=[], zoom_status=None, pending_reason=None, remedy=None,
                           pending_evidence=[], user={})
        self.warnings = []

    def _emit(self, before, after):
        if self.module._diff and before is not None:  # pylint: disable=protected-access
            self.result['diff'] = diff_dict(before, after if after is not None else before)
        for text in self.warnings:
            self.module.warn(text)

    def fail(self, msg, before=None, after=None, **extra):
        """Fail with the result so far (``extra`` added), the warnings and, in diff mode, the diff."""
        self.result.update(extra)
        self._emit(before, after)
        self.module.fail_json(msg=msg, **self.result)

    def finish(self, before, after):
        self._emit(before, after)
        self.module.exit_json(**self.result)

    def set_pending(self, diagnosis=None, remedy=None):
        """Report a ``_users.PendingDiagnosis`` (or only a remedy, for a dead invitation; None clears)."""
        self.result['pending_reason'] = diagnosis.reason if diagnosis else None
        self.result['remedy'] = diagnosis.remedy if diagnosis else remedy
        self.result['pending_evidence'] = list(diagnosis.evidence) if diagnosis else []

    def note_confirmed(self, outcome, email):
        """Report a ``_users.CreateOutcome`` settled by a lookup after a lost answer."""
        self.result['confirmed_after_uncertain'] = outcome.confirmed_after_uncertain
        if outcome.confirmed_after_uncertain:
            self.warnings.append('Zoom\'s answer to the create of %s was lost; a lookup confirmed the user exists, so the '
                                 'create was not sent again.' % email)

    def checked_removal(self, client, state, before=None):
        """``plan_removal`` of ``state`` with what it needs from the account (the managed domains for 1107, the
        transfer target): refused with every problem before any write."""
        params = self.params
        removable = state.status in ('active', 'inactive')
        managed = managed_domains(client) if removable and params['removal_action'] == 'disassociate' else None
        target = lookup_user(client, params['transfer_to']) if removable and params.get('transfer_to') else None
        try:
            return plan_removal(state, params['removal_action'], params.get('transfer_to'), params.get('transfer'),
                                params['allow_data_loss'], params['force'], managed=managed, transfer_state=target)
        except ZoomPlanError as exc:
            return self.fail_plan(exc, before)

    def fail_plan(self, exc, before=None):
        """A ``ZoomPlanError``: refused before (or instead of) the write, nothing changed."""
        self.result.update(changed=False, actions=[], problems=list(exc.problems))
        self.fail(exc.msg + (self.deactivate_hint if exc.code == CODE_MANAGED_DOMAIN else ''), before)
