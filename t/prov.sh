# SPDX-License-Identifier: ISC
# t/prov.sh: helpers for the glow-provision tests.  Source after lib.sh
# and sim.sh:
#
#   prov_env                the environment of a provisioning run against
#                           the simulator: static token, template
#                           glow-org/learning-room-template, owner glow-org,
#                           scaled waits
#   prov_roster COHORT HANDLE...   a roster (stdout) with these learners,
#                           all pending
#   prov_clear              forget the simulator's request log
#   prov_mutations          how many logged requests changed something
#                           (POST, PUT, PATCH, DELETE)
#   prov_gen NAME           how many generate calls the simulator saw for
#                           glow-org/NAME
#   prov_file REPO PATH     the text of a file in the simulator's state

prov_env() {
	GLOW_TOKEN=ghp_statictoken
	LEARNING_ROOM_TEMPLATE_REPO=glow-org/learning-room-template
	PROVISIONING_STUDENT_OWNER=glow-org
	GLOW_WAIT_SCALE=${GLOW_WAIT_SCALE:-0.01}
	export GLOW_TOKEN LEARNING_ROOM_TEMPLATE_REPO PROVISIONING_STUDENT_OWNER \
		GLOW_WAIT_SCALE
}

prov_roster() {
	prov_c=$1
	shift
	printf '{"version":1,"cohorts":[{"cohort_id":"%s"}],"learners":[' "$prov_c"
	prov_sep=
	for prov_h; do
		printf '%s\n{"github_handle":"%s","cohort_id":"%s"}' "$prov_sep" "$prov_h" "$prov_c"
		prov_sep=,
	done
	printf '\n]}\n'
}

prov_clear() { sim_ctl DELETE /_sim/requests >/dev/null; }

prov_mutations() {
	echo $(( $(sim_count POST .) + $(sim_count PUT .) + $(sim_count PATCH .) + $(sim_count DELETE .) ))
}

prov_gen() {
	sim_state ".generate_counts[\"glow-org/$1\"] // 0"
}

prov_file() {
	sim_state ".repos[\"$1\"].files[\"$2\"] // empty"
}
