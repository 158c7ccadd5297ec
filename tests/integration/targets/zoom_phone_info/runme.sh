#!/usr/bin/env bash
# zoom_phone_info against the simulator (world "cases"): the answers an admin needs before a rollout, read-only.
set -eux
source ../setup_zoomsim/lib.sh    # a fresh simulator (world "cases") for this target
export ANSIBLE_PIPELINING=1
seq=$(sim_mark)
ansible-playbook -i ../../inventory main.yml -e ansible_python_interpreter="$(command -v python)" "$@"
# an info module never writes
test "$(sim_writes_since "$seq")" -eq 0
