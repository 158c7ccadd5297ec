#!/usr/bin/env bash
# zoom_user_sync against the simulator (world.yml of this target): plan -> apply equals the plan -> rerun with
# reads only -> drift refused by the digest guard -> threshold refusal with zero writes -> partial failure and a
# converging rerun -> pending users reported, not retried -> protected users never touched. See main.yml.
set -eux
ZOOMSIM_WORLD="$(pwd)/world.yml"
export ZOOMSIM_WORLD
source ../setup_zoomsim/lib.sh
export ANSIBLE_PIPELINING=1
ansible-playbook -i ../../inventory main.yml -e ansible_python_interpreter="$(command -v python)" \
    -e "plan_dir=$(mktemp -d)" "$@"
