#!/usr/bin/env bash
# zoom_user_info against the simulator (the world of the zoom_user_sync target): export the account as the
# desired-state list, JMESPath queries and filters, and the adoption round trip (the export fed to
# zoom_user_sync is a no-op with only read calls). See main.yml.
set -eux
ZOOMSIM_WORLD="$(cd ../zoom_user_sync && pwd)/world.yml"
export ZOOMSIM_WORLD
source ../setup_zoomsim/lib.sh
export ANSIBLE_PIPELINING=1
ansible-playbook -i ../../inventory main.yml -e ansible_python_interpreter="$(command -v python)" \
    -e "export_dir=$(mktemp -d)" "$@"
