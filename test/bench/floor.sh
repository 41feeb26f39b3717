#!/usr/bin/env bash
# The OpenSSH floor of `npm run bench`: one `ssh` per host, all at once, each running the
# script drift runs there (PROBE_FILE); the first host also runs drift's kubectl read
# (KUBECTL_FILE) in the same exec. Output is discarded: this is the cost of the round trips.
# usage: floor.sh KNOWN_HOSTS KEY PROBE_FILE KUBECTL_FILE ADDRESS...
set -u
known_hosts=$1 key=$2 probe=$(cat "$3") kubectl=$(cat "$4")
shift 4
pids=()
first=yes
for address in "$@"; do
  command=$probe
  if [ "$first" = yes ]; then command=$probe$'\n'$kubectl; first=no; fi
  ssh -q -o BatchMode=yes -o ControlMaster=no -o ControlPath=none -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$known_hosts" -i "$key" "root@$address" "$command" >/dev/null &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
