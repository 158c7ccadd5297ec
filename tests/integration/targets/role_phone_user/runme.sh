#!/usr/bin/env bash
# The phone_user role and the shipped playbooks (onboard, audit, offboard) against the simulator (world "cases"):
# five people, two complete, two end pending (unassociated domain, personal Zoom account), one fails; the others
# are not stopped. Audit in check mode writes nothing; a rerun changes nothing and writes nothing.
set -eux
source ../setup_zoomsim/lib.sh    # a fresh simulator (world "cases") for this target
export ANSIBLE_PIPELINING=1
py=(-e ansible_python_interpreter="$(command -v python)")
out="${OUTPUT_DIR:-$ZOOMSIM_TMP}"   # ansible-test sets OUTPUT_DIR; lib.sh removes ZOOMSIM_TMP on exit

# 1. read-only audit (check mode + diff) before anything exists: no write at all
seq=$(sim_mark)
ansible-playbook zoomops.provisioning.audit -e @people.yml "${py[@]}" | tee "$out/audit.log"
test "$(sim_writes_since "$seq")" -eq 0
grep -q 'new.hire@example.com: WOULD CREATE the Zoom user (predicted active)' "$out/audit.log"
grep -q 'nophone@example.com: DONE (would change)' "$out/audit.log"
grep -q 'new.contractor@contractor.example: PENDING (domain_not_associated)' "$out/audit.log"

# 2. the role (fail at end): everyone processed, the play fails at the end; report and state checked
ansible-playbook -i ../../inventory run_role.yml "${py[@]}"

# 3. the onboarding playbook again, fail_at_end off: succeeds, changes nothing, writes nothing
seq=$(sim_mark)
ansible-playbook zoomops.provisioning.onboard -e @people.yml -e phone_user_fail_at_end=false "${py[@]}" | tee "$out/rerun.log"
test "$(sim_writes_since "$seq")" -eq 0
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$out/rerun.log"
grep -q 'new.hire@example.com: DONE (unchanged)' "$out/rerun.log"

# 4. offboarding: Zoom Phone removed, user deactivated, nothing deleted; the rerun writes nothing
ansible-playbook zoomops.provisioning.offboard -e '{"offboard_people": ["new.hire@example.com"]}' "${py[@]}"
ansible-playbook -i ../../inventory verify_offboard.yml "${py[@]}"
seq=$(sim_mark)
ansible-playbook zoomops.provisioning.offboard -e '{"offboard_people": ["new.hire@example.com"]}' "${py[@]}"
test "$(sim_writes_since "$seq")" -eq 0
