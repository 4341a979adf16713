#!/usr/bin/env bash
# Installs the Debian 12 packages hasim needs. As root it runs apt-get;
# otherwise it prints the command to run.
set -euo pipefail
PKGS=(
  build-essential clang llvm libclang-rt-14-dev  # compilers, sanitizers, libFuzzer
  libcmocka-dev         # unit tests
  libjansson-dev        # reading JSON traces (hasim check)
  libmicrohttpd-dev     # the HTTP front of the real-process runtime; hasim drive's callback endpoint
  libcurl4-openssl-dev  # hasim drive's REST client and hasim-rt's callback poster (HTTPS for staging)
  lcov                  # coverage HTML
  faketime libfaketime  # accelerated time for real processes
  cppcheck              # static analysis in make check
  python3-matplotlib python3-jinja2  # report scripts (/usr/bin/python3)
  python3-yaml          # make check reads the CI workflows it checks
  libns3-dev python3-simpy3          # side-by-side queue benchmarks
  chromium              # the browser test of the HTML report
  valgrind
  curl                  # the real-process check calls the REST front
  munge slurmctld slurmd slurm-client  # make check: the swarm as a Slurm job array on a one-node cluster
  parallel              # make check: the GNU parallel recipe (ci/parallel-swarm.sh)
  python3-yaml python3-jsonschema yamllint  # make check: the Kubernetes and Actions recipes' schema check
)
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root: apt-get update && apt-get install -y ${PKGS[*]}" >&2
  exit 0
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
