# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Speed-only patches of the simulator for 10,000-user benchmarks (same answers, less CPU).

The simulator's ``GET /v2/phone/users`` builds a row for every phone user of the account on every
page, and each row scans every number of the account (``World.numbers_of``): O(users x numbers) per
page, about 10 s of simulator CPU per page at 10,000 users, spent under the world lock. Real Zoom
does not behave like that, so a benchmark would measure the simulator instead of the client.

``apply()`` makes two changes in this process, without changing any answer:

* ``PhoneNumber.assignee_id`` keeps an index user id -> numbers, and ``World.numbers_of`` reads it
  (same numbers, same order);
* the ``listPhoneUsers`` handler filters and pages the (user, phone user) pairs first and builds rows
  only for the page it returns (same rows, same order, same tokens, same duplicate-row defect).

* ``World.users`` keeps an index by case-folded email, so ``World.user_by_email`` (every create, every
  lookup by email) does not scan every user; an index hit is verified, an email changed in place is not
  indexed (nothing in the benchmark scenarios changes an email);
* ``World.expire_invitations`` (called by several handlers on every request) skips its scan of every user
  until the earliest invitation expiry is due, recomputing it when the number of users changes.

``check(world_dict)`` compares the patched and unpatched phone list answers on a world.
The patches belong in the simulator itself; until they land there the bench applies them.
"""

from __future__ import absolute_import, division, print_function

import itertools

_APPLIED = {}
_INDEX = {}          # user id -> {id(number object): number object}
_SEQ = itertools.count()


def _get_assignee(self):
    return self.__dict__.get('_bench_assignee')


def _set_assignee(self, value):
    data = self.__dict__
    if '_bench_seq' not in data:
        data['_bench_seq'] = next(_SEQ)
    old = data.get('_bench_assignee')
    if old is not None:
        bucket = _INDEX.get(old)
        if bucket is not None:
            bucket.pop(id(self), None)
    data['_bench_assignee'] = value
    if value is not None:
        _INDEX.setdefault(value, {})[id(self)] = self


def _numbers_of(self, user_id):
    found = [n for n in (_INDEX.get(user_id) or {}).values() if n.assignee_id == user_id and self.numbers.get(n.id) is n]
    found.sort(key=lambda n: n.__dict__.get('_bench_seq', 0))
    return found


class _IndexedUsers(dict):
    """``World.users`` (id -> User) with an index case-folded email -> User."""

    def __init__(self, *args, **kwargs):
        super(_IndexedUsers, self).__init__(*args, **kwargs)
        self.by_email = dict((u.email.casefold(), u) for u in self.values())

    def __setitem__(self, key, user):
        old = self.get(key)
        if old is not None:
            self.by_email.pop(old.email.casefold(), None)
        super(_IndexedUsers, self).__setitem__(key, user)
        self.by_email[user.email.casefold()] = user

    def __delitem__(self, key):
        old = self.get(key)
        super(_IndexedUsers, self).__delitem__(key)
        if old is not None and self.by_email.get(old.email.casefold()) is old:
            del self.by_email[old.email.casefold()]

    def pop(self, key, *default):
        if key in self:
            user = self[key]
            del self[key]
            return user
        return super(_IndexedUsers, self).pop(key, *default)

    def clear(self):
        super(_IndexedUsers, self).clear()
        self.by_email.clear()


def _user_by_email(self, email):
    users = self.users
    key = (email or "").casefold()
    if not isinstance(users, _IndexedUsers):
        for user in users.values():
            if user.email.casefold() == key:
                return user
        return None
    user = users.by_email.get(key)
    if user is not None and user.email.casefold() == key and users.get(user.id) is user:
        return user
    return None


def _make_expire(original):
    def expire_invitations(self):
        now = self.clock.now()
        cache = self.__dict__.get('_bench_expiry')
        if cache is not None and cache[0] == len(self.users) and now < cache[1]:
            return None
        result = original(self)
        pending = [u.invite_expires_at for u in self.users.values()
                   if u.status == "pending" and u.invite_expires_at is not None]
        self.__dict__['_bench_expiry'] = (len(self.users), min(pending) if pending else float('inf'))
        return result
    return expire_invitations


def _make_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.users = _IndexedUsers(self.users)
    return __init__


def _make_list_handler(ph):
    def list_phone_users(req):
        world = ph._world(req)  # pylint: disable=protected-access
        page_size = ph._page_size(req)  # pylint: disable=protected-access
        site_id = req.arg("site_id")
        status = req.arg("status")
        keyword = (req.arg("keyword") or "").casefold()
        department = req.arg("department")
        cost_center = req.arg("cost_center")
        calling_type = req.arg("calling_type")
        pairs = []
        if status != "pending":
            for user, phone in ph._ready_pairs(world):  # pylint: disable=protected-access
                if site_id and phone.site_id != site_id:
                    continue
                if status and ph._phone_status(user, phone) != status:  # pylint: disable=protected-access
                    continue
                if department and user.dept != department:
                    continue
                if cost_center and user.cost_center != cost_center:
                    continue
                if calling_type and str(calling_type) not in [str(t) for t in phone.calling_plans]:
                    continue
                if keyword:
                    haystack = [user.email, ph._display_name(user), str(phone.extension_number or "")]  # pylint: disable=protected-access
                    haystack += [n.number for n in world.numbers_of(user.id)]
                    if not any(keyword in h.casefold() for h in haystack):
                        continue
                pairs.append((user, phone))
        page, token = ph._paginate(req, "phone_users", pairs, page_size,  # pylint: disable=protected-access
                                   duplicates=world.behaviour.phone_list_duplicates)
        rows = [ph._phone_user_row(world, user, phone) for user, phone in page]  # pylint: disable=protected-access
        return ph.Response(200, {"next_page_token": token, "page_size": page_size,
                                 "total_records": len(pairs), "users": rows})
    return list_phone_users


def apply():
    """Install the patches in this process (idempotent). Returns the names of what was patched."""
    if _APPLIED:
        return sorted(_APPLIED)
    from zoomsim import model, routing  # pylint: disable=import-outside-toplevel
    from zoomsim.handlers import phone as ph  # pylint: disable=import-outside-toplevel

    _APPLIED['unpatched'] = (model.World.numbers_of, [(r, r.handler) for r in routing.ROUTES if r.operation == 'listPhoneUsers'])
    model.PhoneNumber.assignee_id = property(_get_assignee, _set_assignee)
    model.World.numbers_of = _numbers_of
    _APPLIED['numbers_of'] = True
    model.World.__init__ = _make_init(model.World.__init__)
    model.World.user_by_email = _user_by_email
    model.World.expire_invitations = _make_expire(model.World.expire_invitations)
    _APPLIED['user_by_email'] = True
    _APPLIED['expire_invitations'] = True
    handler = _make_list_handler(ph)
    for item in routing.ROUTES:
        if item.operation == 'listPhoneUsers':
            item.handler = handler
            _APPLIED['listPhoneUsers'] = True
    return sorted(k for k in _APPLIED if k != 'unpatched')


def check(world_dict, pages=3):
    """Compare the answers of the patched handler with the simulator's own on ``world_dict``; return problems."""
    from zoomsim import model, routing  # pylint: disable=import-outside-toplevel
    from zoomsim.testing import running_simulator  # pylint: disable=import-outside-toplevel
    from zoomsim.world import load_world  # pylint: disable=import-outside-toplevel

    problems = []
    original = _APPLIED.get('unpatched')
    if not original:
        return ['apply() was not called']
    patched = dict((id(r), r.handler) for r in routing.ROUTES if r.operation == 'listPhoneUsers')
    answers = []
    for use_patch in (False, True):
        for route, handler in original[1]:
            route.handler = patched[id(route)] if use_patch else handler
        model.World.numbers_of = _numbers_of if use_patch else original[0]
        world = load_world(world_dict)
        world.rate_limits_enabled = False
        world.latency_ms = 0
        seen = []
        with running_simulator(world) as sim:
            token = None
            for _page in range(pages):
                params = {'page_size': 7}
                if token:
                    params['next_page_token'] = token
                data = sim.call('GET', '/v2/phone/users', params=params).json()
                token = data.get('next_page_token')
                seen.append((data.get('total_records'), [(u['email'], u.get('phone_numbers')) for u in data['users']]))
                if not token:
                    break
        answers.append(seen)
    for route, _handler in original[1]:
        route.handler = patched[id(route)]
    model.World.numbers_of = _numbers_of
    if answers[0] != answers[1]:
        problems.append('patched listPhoneUsers answers differ from the simulator\'s own')
    return problems
