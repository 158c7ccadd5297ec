#!/usr/bin/env bash
# The phone_user role, the onboard/offboard playbooks and the one people file against the simulator's demo world.
# playbooks/vars/people.example.yml works unchanged as the role's input, as zoom_user_sync's users_file, and has the
# shape zoom_user_info exports: five people, three complete (a new user, an existing Basic user who gains Zoom
# Phone and stays Basic, a London user), two end pending (unassociated domain, personal Zoom account).
set -euxo pipefail
export ZOOMSIM_WORLD=demo
source ../setup_zoomsim/lib.sh    # a fresh simulator for this target, ZOOM_* exported
export ANSIBLE_PIPELINING=1
py=(-e ansible_python_interpreter="$(command -v python)")
out="${OUTPUT_DIR:-$ZOOMSIM_TMP}"   # ansible-test sets OUTPUT_DIR; lib.sh removes ZOOMSIM_TMP on exit
# the collection root: ansible-test runs a copy of this target under <collection>/tests/output/.tmp/
root="${PWD%%/tests/output/*}"
[ "$root" != "$PWD" ] || root="$(cd ../../../.. && pwd)"
people="$root/playbooks/vars/people.example.yml"
onboard=(zoomops.provisioning.onboard -e "onboard_people_file=$people" "${py[@]}")

# 1. review before anything exists: check mode with diff shows the phone changes, writes nothing
seq=$(sim_mark)
ansible-playbook "${onboard[@]}" --check --diff -e phone_user_fail_at_end=false | tee "$out/review.log"
test "$(sim_writes_since "$seq")" -eq 0
grep -q 'kim.park@example.com: WOULD CREATE (predicted active) - .*phone.extension_number 1010' "$out/review.log"
grep -q 'dan.ruiz@example.com: WOULD CHANGE - .*phone.phone_numbers \[\] -> \[+14155550104\]' "$out/review.log"
grep -q 'pat.quinn@contractor.example: PENDING (domain_not_associated)' "$out/review.log"
grep -Eq '^\+ +"phone.calling_plans": \[' "$out/review.log"   # the --diff of zoom_user_sync

# 2. bad people: every problem named per person, before any write; nobody is created, not even the good person
seq=$(sim_mark)
ansible-playbook -i ../../inventory bad_people.yml "${py[@]}"
ansible-playbook -i ../../inventory bad_people.yml --check "${py[@]}"   # check mode finds the same problems
test "$(sim_writes_since "$seq")" -eq 0

# 3. the role on the people file: everyone processed, the play fails at the end on the two pending people
ansible-playbook -i ../../inventory run_role.yml -e "people_file=$people" "${py[@]}"

# 4. the rerun changes nothing and writes nothing
seq=$(sim_mark)
ansible-playbook "${onboard[@]}" -e phone_user_fail_at_end=false | tee "$out/rerun.log"
test "$(sim_writes_since "$seq")" -eq 0
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$out/rerun.log"
grep -q 'kim.park@example.com: DONE (unchanged)' "$out/rerun.log"

# 5. the same file as zoom_user_sync's users_file, and zoom_user_info's export of the same people, both no-ops
seq=$(sim_mark)
ansible-playbook -i ../../inventory same_file.yml -e "people_file=$people" -e "export_file=$out/exported.yml" "${py[@]}"
ansible-playbook zoomops.provisioning.onboard -e "onboard_people_file=$out/exported.yml" -e phone_user_fail_at_end=false \
    "${py[@]}" | tee "$out/exported.log"
test "$(sim_writes_since "$seq")" -eq 0
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$out/exported.log"

# 6. deprecated flat keys and defaults, and one person failing while the others finish
ANSIBLE_DEPRECATION_WARNINGS=true ansible-playbook -i ../../inventory flat_keys.yml "${py[@]}" 2>&1 | tee "$out/flat.log"
grep -q 'extension is deprecated in users_file entries, use phone.extension_number' "$out/flat.log"
grep -q 'calling_plan is deprecated in users_file entries, use phone.calling_plans' "$out/flat.log"

# 7. offboarding: Zoom Phone removed, user deactivated, nothing deleted; the rerun writes nothing
ansible-playbook zoomops.provisioning.offboard -e '{"offboard_people": ["kim.park@example.com"]}' "${py[@]}"
seq=$(sim_mark)
ansible-playbook zoomops.provisioning.offboard -e '{"offboard_people": ["kim.park@example.com"]}' "${py[@]}"
test "$(sim_writes_since "$seq")" -eq 0
# removal: Zoom refuses to disassociate a managed-domain user (1107); that person is deactivated instead, the other
# is removed, and the play fails at the end naming the refused one
if ansible-playbook zoomops.provisioning.offboard -e offboard_remove_user=true \
    -e '{"offboard_people": ["liam.hart@acme.example", "pat.quinn@contractor.example"]}' "${py[@]}" | tee "$out/remove.log"; then
  echo "offboarding with a refused removal should fail at the end" >&2
  exit 1
fi
grep -q '1 of 2 people could not be offboarded completely: liam.hart@acme.example' "$out/remove.log"
ansible-playbook -i ../../inventory verify_offboard.yml "${py[@]}"
