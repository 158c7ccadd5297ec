# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generated worlds and desired-state lists for the benchmarks (deterministic for a given N).

A world is the simulator's world-file dict (tests/simulator/worlds/README.md): a Business account with
SSO pre-provisioning on the associated domain ``example.com``, the owner, two admins and a
break-glass user, four phone sites, two calling plans and enough numbers and licences for N phone
users. ``desired_users(n)`` is the matching ``users`` list of zoom_user_sync: user ``i`` has a
5-digit extension ``10000 + i``, one calling plan (Unlimited or Metered) and one number.
"""

from __future__ import absolute_import, division, print_function

DOMAIN = 'example.com'
SITES = ('HQ', 'Branch East', 'Branch West', 'Remote')
PLANS = ((200, 'US/CA Unlimited Calling Plan'), (100, 'US/CA Metered Calling Plan'))
CREDENTIAL = {'client_id': 'bench-client-id', 'client_secret': 'bench-client-secret'}
ACCOUNT_ID = 'bench-account'


def email_of(index):
    return 'user%05d@%s' % (index, DOMAIN)


def number_of(index):
    return '+1415%07d' % index


def desired_user(index):
    """The ``users`` entry of user ``index`` (1-based)."""
    return {
        'email': email_of(index),
        'first_name': 'First%05d' % index,
        'last_name': 'Last%05d' % index,
        'type': 'licensed' if index % 3 == 0 else 'basic',
        'phone': {
            'site': SITES[index % len(SITES)],
            'extension_number': str(10000 + index),
            'calling_plans': [PLANS[index % 2][1]],
            'phone_numbers': [number_of(index)],
        },
    }


def desired_users(n):
    return [desired_user(i) for i in range(1, n + 1)]


def _world_user(entry):
    """A world-file user that already matches a desired entry (for converged worlds)."""
    phone = entry['phone']
    plan_type = dict((name, code) for code, name in PLANS)[phone['calling_plans'][0]]
    return {
        'email': entry['email'],
        'first_name': entry['first_name'],
        'last_name': entry['last_name'],
        'type': 2 if entry['type'] == 'licensed' else 1,
        'phone': {
            'site': phone['site'],
            'extension': int(phone['extension_number']),
            'calling_plans': [plan_type],
            'numbers': list(phone['phone_numbers']),
        },
    }


def make_world(n, converged=False, latency_ms=100.0, provisioning_delay=0.0, spare_numbers=None, faults=None,
               validate_requests=True, seed='bench'):
    """World-file dict for N users: empty (only owner, admins, break-glass) or converged (all N exist)."""
    spare = spare_numbers if spare_numbers is not None else max(50, n // 10)
    users = [
        {'email': 'owner@%s' % DOMAIN, 'role': 'owner', 'first_name': 'Account', 'last_name': 'Owner'},
        {'email': 'admin1@%s' % DOMAIN, 'role': 'admin', 'first_name': 'Admin', 'last_name': 'One'},
        {'email': 'admin2@%s' % DOMAIN, 'role': 'admin', 'first_name': 'Admin', 'last_name': 'Two'},
        {'email': 'breakglass@%s' % DOMAIN, 'first_name': 'Break', 'last_name': 'Glass'},
    ]
    numbers = []
    if converged:
        users.extend(_world_user(desired_user(i)) for i in range(1, n + 1))
    else:
        numbers.extend(number_of(i) for i in range(1, n + 1))
    numbers.extend(number_of(n + i) for i in range(1, spare + 1))
    world = {
        'seed': seed,
        'account': {
            'id': ACCOUNT_ID, 'plan': 'business', 'owner_email': 'owner@%s' % DOMAIN,
            'associated_domains': [DOMAIN], 'managed_domains': [DOMAIN],
            'phone_licenses': n + spare + 10,
        },
        'credentials': [dict(CREDENTIAL)],
        'phone': {
            'provisioning_delay': provisioning_delay,
            'sites': [{'name': name, 'main': index == 0} for index, name in enumerate(SITES)],
            'calling_plans': [{'type': code, 'name': name, 'subscribed': n + spare + 10} for code, name in PLANS],
            'numbers': numbers,
        },
        'users': users,
        'rate_limits': {'enabled': True, 'tier': 'business'},
        'latency': {'ms': float(latency_ms), 'jitter_ms': 0.0},
        'behaviour': {'validate_requests': bool(validate_requests)},
    }
    if faults:
        world['faults'] = faults
    return world


def drifted_users(n, percent=5.0):
    """The desired list of a converged N-user world with ``percent`` % of the users changed.

    Of the drifted users: 40 % get a new first name (PATCH /users), 20 % switch calling plan, 20 % get a new
    extension, and 20 % are new users (create + phone batch add). Returns (users, counts by kind).
    """
    users = desired_users(n)
    count = max(1, int(round(n * percent / 100.0)))
    kinds = {'rename': 0, 'switch_plan': 0, 'extension': 0, 'new': 0}
    step = max(1, n // count)
    picked = list(range(0, n, step))[:count]
    for position, index in enumerate(picked):
        entry = users[index]
        slot = position % 5
        if slot in (0, 1):
            entry['first_name'] = entry['first_name'] + 'X'
            kinds['rename'] += 1
        elif slot == 2:
            current = entry['phone']['calling_plans'][0]
            entry['phone']['calling_plans'] = [PLANS[1][1] if current == PLANS[0][1] else PLANS[0][1]]
            kinds['switch_plan'] += 1
        elif slot == 3:
            entry['phone']['extension_number'] = str(60000 + index)
            kinds['extension'] += 1
        else:
            kinds['new'] += 1
    for offset in range(kinds['new']):
        index = n + 1 + offset
        entry = desired_user(index)
        entry['phone']['phone_numbers'] = [number_of(index)]  # a spare number of the world
        users.append(entry)
    return users, kinds
