# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The account's domains and why a user is (or would be) pending: read once, diagnose by elimination.

``account_domains`` / ``managed_domains`` read ``GET /v2/accounts/me/managed_domains`` once per client;
``pending_diagnosis`` needs no call when the domains are given, so a diagnosis is the same on the creating run and
on every rerun, in the modules and in the sync alike. ``_users`` re-exports these names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomAPIError
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_input import email_domain


REMEDIES = {
    'domain_not_associated': (
        'The email domain {domain} is not an associated (approved) domain of the Zoom account, so Zoom did not '
        'pre-provision the user and sent a verification email instead. Remedy: add and verify {domain} in the Zoom web '
        'portal under Account Management > Account Profile > Associated Domains (or ask Zoom Support to approve it), '
        'then remove the pending user from the account and provision it again.'),
    'existing_zoom_account': (
        'The email {email} already owns a Zoom account of its own (a personal sign-up), so Zoom parked the user as '
        'pending until that account is consolidated into yours. Remedy: remove the pending user from the account, ask '
        'the person to sign in to their own Zoom account with {email} and accept the prompt to join (consolidate into) '
        'your account, then provision the user again.'),
    'awaiting_confirmation': (
        'Zoom emailed {email} an invitation (create action "create"); the user stays pending until the person clicks '
        'the confirmation link. The invitation is valid for 30 days. Nothing to fix: check again later, or create users '
        'with the ssoCreate action on accounts with SSO pre-provisioning.'),
    'unknown': (
        'Zoom left {email} pending and the cause could not be narrowed down from the API (the account\'s associated '
        'domains could not be read, or the user was not created with ssoCreate). Known causes: the domain {domain} is '
        'not associated with the account, the email owns a personal Zoom account (the person must sign in and accept the '
        'consolidation prompt), or SSO pre-provisioning ("Provision User: Prior to Sign-In") is off. Check the user '
        'under User Management > Users > Pending in the Zoom web portal, remove the pending user once the cause is fixed '
        'and provision it again.'),
}

STUCK_REMEDY = (
    'Zoom still holds a dead (expired or deleted) invitation for {email}: the REST API answers code 1120 or 404 and '
    'the SCIM filter answers 400 "not exist or not belong to this account" (docs/ZOOM-API-FACTS.md §4.4), so SCIM and '
    'identity providers cannot provision this email. Remedy: create the user through the REST Users API (POST /v2/users, '
    'as zoom_user and zoom_user_sync do; zoom_scim_user can do it too), or re-invite the person from the Zoom web portal.')


_DOMAIN_CACHE_ATTR = '_zoomops_domain_listing'
_UNAVAILABLE = 'unavailable'


def _domain_listing(client):
    """``{domain: status}`` of GET /v2/accounts/me/managed_domains, cached on the client; None if Zoom will not tell
    (no scope ``account:read:admin``, not a paid account, endpoint unknown)."""
    cached = getattr(client, _DOMAIN_CACHE_ATTR, None)
    if cached is not None:
        return None if cached == _UNAVAILABLE else cached
    try:
        data = client.get('/v2/accounts/me/managed_domains')
    except ZoomAPIError as exc:
        if exc.status not in (400, 403, 404):
            raise
        listing = _UNAVAILABLE
    else:
        listing = {}
        for item in (data or {}).get('domains') or []:
            name, status = (item.get('domain'), item.get('status')) if isinstance(item, dict) else (item, None)
            if name:
                listing[str(name).strip().casefold()] = str(status or 'verified').lower()
    try:
        setattr(client, _DOMAIN_CACHE_ATTR, listing)
    except AttributeError:  # pragma: no cover - slotted test doubles
        pass
    return None if listing == _UNAVAILABLE else listing


def account_domains(client):
    """Associated (verified) domains, lower case: the ones ssoCreate pre-provisions (§3). None = unknown."""
    listing = _domain_listing(client)
    if listing is None:
        return None
    return set(name for name, status in listing.items() if status not in ('pending', 'unverified', 'rejected'))


def managed_domains(client):
    """Every domain the account lists, whatever its status. Zoom refuses to disassociate users of a managed domain
    (code 1107, §2.9); counting unverified ones too errs on the side of asking before a removal. None = unknown."""
    listing = _domain_listing(client)
    return None if listing is None else set(listing)


def remedy_for(reason, email):
    template = REMEDIES.get(reason) or REMEDIES['unknown']
    return template.format(email=email, domain=email_domain(email))


def stuck_remedy(email):
    return STUCK_REMEDY.format(email=email)


class PendingDiagnosis:
    """Why a user is (or would be) pending: ``reason``, ``remedy`` and the ``evidence`` checked (sentences)."""

    def __init__(self, reason, remedy, evidence):
        self.reason = reason
        self.remedy = remedy
        self.evidence = evidence


_MISSING = object()


def pending_diagnosis(client, email, create_action=None, pre_state=None, domains=_MISSING):
    """Diagnose a pending user by elimination (docs/ZOOM-API-FACTS.md §3).

    ``create 'create'`` -> awaiting_confirmation. For ssoCreate (which Zoom refuses unless SSO pre-provisioning is on,
    codes 2002/2032) the documented causes are: the domain is not associated -> domain_not_associated; else the email
    owns a personal Zoom account -> existing_zoom_account. Any other create action, or unknown domains -> unknown.
    A 1010 answer before the create (``pre_state.status == 'external'``) is extra evidence only: Zoom may answer 1010
    for every email outside the account. Needs no call when ``domains`` is given (``client`` may then be None), so the
    creating run and every rerun reach the same answer.
    """
    evidence = []
    if create_action == 'create':
        evidence.append('the user was invited with the create action "create" (an email invitation)')
        return PendingDiagnosis('awaiting_confirmation', remedy_for('awaiting_confirmation', email), evidence)
    if domains is _MISSING:
        domains = account_domains(client)
    domain = email_domain(email)
    if domains is None:
        evidence.append('the account\'s associated domains could not be read (GET /v2/accounts/me/managed_domains)')
        reason = 'unknown'
    elif domain not in domains:
        evidence.append('%s is not a verified associated domain of the account' % domain)
        reason = 'domain_not_associated'
    elif create_action != 'ssoCreate':
        evidence.append('%s is an associated domain, but the user was not created with ssoCreate (%s)' % (domain, create_action))
        reason = 'unknown'
    else:
        evidence += ['%s is a verified associated domain of the account' % domain,
                     'Zoom accepted ssoCreate, so SSO pre-provisioning is on (Zoom refuses ssoCreate otherwise)',
                     'the user is pending as an SSO user, not as an email invitation',
                     'the remaining documented cause is an existing personal Zoom account for the email']
        reason = 'existing_zoom_account'
    if pre_state is not None and pre_state.status == 'external':
        evidence.append('before the create Zoom answered code 1010 (not a user of this account) for the email')
    return PendingDiagnosis(reason, remedy_for(reason, email), evidence)


def diagnose_pending(client, email, create_action=None, pre_state=None, domains=_MISSING):
    """``(reason, remedy)`` of ``pending_diagnosis``."""
    found = pending_diagnosis(client, email, create_action, pre_state, domains)
    return found.reason, found.remedy


def pending_create_action(user, default):
    """The create action to assume for an existing pending user: an email invitation (REST ``login_types`` ``[100]``:
    work email only, no SSO) is ``create`` whatever the task says; otherwise ``default``."""
    login_types = (user or {}).get('login_types')
    if isinstance(login_types, list) and login_types and 101 not in login_types and 100 in login_types:
        return 'create'
    return default


def predict_create_from(email, create_action, domains):
    """Pure: predicted ``(zoom_status, pending_reason, remedy)`` of creating ``email``.

    Only an invitation (``create``) and ssoCreate outside the associated domains are predicted pending: a personal
    account cannot be seen before the create (a 1010 lookup is no proof), so it is diagnosed after it.
    """
    if create_action == 'create':
        return 'pending', 'awaiting_confirmation', remedy_for('awaiting_confirmation', email)
    if create_action == 'ssoCreate' and domains is not None and email_domain(email) not in domains:
        return 'pending', 'domain_not_associated', remedy_for('domain_not_associated', email)
    return 'active', None, None


def predicted_pending(email, create_action, domains):
    """Pure: the ``PendingDiagnosis`` of creating ``email`` when the create would leave it pending, else None."""
    status, _reason, _remedy = predict_create_from(email, create_action, domains)
    return pending_diagnosis(None, email, create_action=create_action, domains=domains) if status == 'pending' else None


def pending_after_create(client, email, create_action, user, pre_state=None, domains=None):
    """The ``PendingDiagnosis`` of a user a create left pending (``user``: its REST record, for an email invitation);
    the ``domains`` read before an ssoCreate are reused, not read again."""
    known = {'domains': domains} if create_action == 'ssoCreate' else {}
    return pending_diagnosis(client, email, create_action=pending_create_action(user, create_action), pre_state=pre_state,
                             **known)
