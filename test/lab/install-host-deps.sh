#!/usr/bin/env bash
# Debian packages the lab needs (real sshd, sudo, network namespaces, kubectl; promtool,
# node_exporter and cron for drift's monitoring tests; ansible-core for the parity tests).
# Installs only what is missing; needs root for that.
set -euo pipefail
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v sudo >/dev/null || missing+=(sudo)
command -v ip >/dev/null || missing+=(iproute2)
command -v nsenter >/dev/null || missing+=(util-linux)
command -v kubectl >/dev/null || missing+=(kubernetes-client)
command -v curl >/dev/null || missing+=(curl)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v openssl >/dev/null || missing+=(openssl)
# drift's textfile and schedule are tested with the real tools.
command -v promtool >/dev/null || missing+=(prometheus)
command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)
command -v cron >/dev/null || missing+=(cron)
# The Ansible parity tests and the benchmark run the real ansible-core beside provision.
command -v ansible-playbook >/dev/null || missing+=(ansible-core)
# The benchmark reads peak RSS from GNU time.
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -eq 0 ]; then
  echo "lab host packages: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
