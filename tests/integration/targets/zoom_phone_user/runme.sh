#!/usr/bin/env bash
# zoom_phone_user against the simulator (world "cases"): check mode -> apply -> rerun with zero writes ->
# independent verify (GET /_sim/state), for every case of the onboarding issue. See main.yml.
set -eux
source ../setup_zoomsim/lib.sh    # a fresh simulator (world "cases") for this target
export ANSIBLE_PIPELINING=1        # connection local: saves ~0.2 s per task (the target stays under 90 s)
ansible-playbook -i ../../inventory main.yml -e ansible_python_interpreter="$(command -v python)" "$@"
