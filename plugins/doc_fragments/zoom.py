# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Documentation fragments of the zoomops.provisioning modules.

Names to use in ``extends_documentation_fragment``:

* ``zoomops.provisioning.zoom``             (DOCUMENTATION) the auth/connection options of ZoomModule,
  ``requirements`` and notes. Every module.
* ``zoomops.provisioning.zoom.actiongroup`` (ACTIONGROUP) the ``action_group`` attribute
  (``group/zoomops.provisioning.zoom``). Every module.
* ``zoomops.provisioning.zoom.check_diff``  (CHECK_DIFF) attributes ``check_mode`` and ``diff_mode``,
  both ``full``. Modules that change things.
* ``zoomops.provisioning.zoom.info``        (INFO) attributes ``check_mode`` ``full`` and ``diff_mode``
  ``N/A``. Read-only (info) modules.

A module's own ``attributes`` entries override the fragment's ones of the same name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name


class ModuleDocFragment:  # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  account_id:
    description:
      - Account ID of the Zoom Server-to-Server OAuth app.
      - If not set, the value of the E(ZOOM_ACCOUNT_ID) environment variable is used.
      - Required, as an option or from the environment.
    type: str
  client_id:
    description:
      - Client ID of the Zoom Server-to-Server OAuth app.
      - If not set, the value of the E(ZOOM_CLIENT_ID) environment variable is used.
      - Required, as an option or from the environment.
    type: str
  client_secret:
    description:
      - Client secret of the Zoom Server-to-Server OAuth app.
      - If not set, the value of the E(ZOOM_CLIENT_SECRET) environment variable is used.
      - Required, as an option or from the environment. It is never logged or returned.
    type: str
  api_url:
    description:
      - Base URL of the Zoom API, without C(/v2).
      - If not set, the value of the E(ZOOM_API_URL) environment variable is used, else the default.
        An empty value is refused.
      - Change it only to reach a proxy or a test double such as the collection's simulator.
    type: str
    default: https://api.zoom.us
  oauth_url:
    description:
      - URL of the Zoom OAuth token endpoint used to get an access token.
      - If not set, the value of the E(ZOOM_OAUTH_URL) environment variable is used, else the default.
        An empty value is refused.
    type: str
    default: https://zoom.us/oauth/token
  timeout:
    description:
      - Timeout in seconds of each HTTP request to Zoom (connect and read).
      - Must be greater than V(0); any other value is refused before anything is sent to Zoom.
    type: int
    default: 30
  validate_certs:
    description:
      - Whether to verify the TLS certificates of O(api_url) and O(oauth_url).
      - Set to V(false) only for test endpoints with self-signed certificates.
    type: bool
    default: true
requirements:
  - requests (Python library) on the controller, where the modules run
notes:
  - The credentials come from a Server-to-Server OAuth app created in the Zoom App Marketplace by an account admin.
    The app needs the scopes of the calls the module makes, for example C(user:read:admin) and C(user:write:admin)
    for users, C(phone:read:admin) and C(phone:write:admin) for Zoom Phone, C(scim2) for SCIM, or their granular equivalents.
  - Set the connection options once for all Zoom tasks with C(module_defaults) and C(group/zoomops.provisioning.zoom),
    or through the environment variables, instead of repeating them in every task.
  - The modules fetch one access token per run and fetch a new one once if Zoom rejects it. Calls that cannot create
    duplicates are retried on HTTP 429, 5xx and connection errors (honouring C(Retry-After)); a create (POST) is retried
    only on HTTP 429 and when the connection failed before it was sent, and when its outcome is unknown the module fails
    with C(uncertain=true) instead of sending it twice.
  - When O(oauth_url) or O(api_url) cannot be reached at all on first contact (connection refused, unknown host name,
    TLS error) the module fails at once with a message naming the option and its value, instead of retrying.
  - The client secret, the HTTP Basic authorization value derived from it (in every base64 form) and the access tokens
    are masked in results, warnings and error messages, also when Zoom's answer echoes them.
  - With C(-vvvv) the results also contain C(zoom_request_log) (method, path, status and duration of each call, never
    headers or tokens) and C(zoom_stats) (call counters).
'''

    ACTIONGROUP = r'''
attributes:
  action_group:
    description: Use C(group/zoomops.provisioning.zoom) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - zoomops.provisioning.zoom
'''

    CHECK_DIFF = r'''
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying Zoom.
    support: full
  diff_mode:
    description: Will return details on what has changed (or would change in C(check_mode)) when in diff mode.
    support: full
'''

    INFO = r'''
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying Zoom.
    support: full
    details: This module only reads from Zoom.
  diff_mode:
    description: Will return details on what has changed (or would change in C(check_mode)) when in diff mode.
    support: N/A
    details: This module does not change anything.
'''
