#!/usr/bin/env bash
# zoom_user_sync against the simulator (world.yml of this target): plan (with a progress file) -> apply equals the
# plan -> rerun with reads only -> the same apply again says "already applied" -> drift refused by the digest guard ->
# managed-domain (1107) and threshold refusals with zero writes -> partial failure and a converging rerun -> pending
# users reported, not retried -> protected users never touched. See main.yml.
set -eux
ZOOMSIM_WORLD="$(pwd)/world.yml"
export ZOOMSIM_WORLD
source ../setup_zoomsim/lib.sh
export ANSIBLE_PIPELINING=1
ansible-playbook -i ../../inventory main.yml -e ansible_python_interpreter="$(command -v python)" \
    -e "plan_dir=$(mktemp -d)" "$@"
