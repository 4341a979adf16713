#!/usr/bin/python3
"""recipes_check.py -- the scale-out recipes that cannot run on this machine
(a Kubernetes Indexed Job, a GitHub Actions matrix), parsed and held to a
schema of what the recipes rely on (tests/checks.d/60-cluster.sh).

    tools/recipes_check.py K8S_YAML ACTIONS_YAML

Debian 12 has python3-yaml, python3-jsonschema and yamllint; it has no
kubectl that works without an API server (`kubectl create --dry-run=client`
still asks a server for the kinds it maps), so when such a kubectl and a
reachable cluster are there it is used too, and otherwise that is said.
Exit 0 all checks passed, 1 one failed, 2 a tool missing."""
import shutil
import subprocess
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"recipes: {e} (ci/deps.sh installs python3-yaml and python3-jsonschema)")
    sys.exit(2)

ENV_LIST = {"type": "array", "items": {"type": "object", "required": ["name"]}}
CONTAINER = {"type": "object", "required": ["name", "image", "command", "args"],
             "properties": {"env": ENV_LIST}}
POD_SPEC = {"type": "object", "required": ["containers", "restartPolicy"],
            "properties": {"restartPolicy": {"enum": ["Never", "OnFailure"]},
                           "containers": {"type": "array", "minItems": 1, "items": CONTAINER}}}
JOB = {"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
       "properties": {"apiVersion": {"const": "batch/v1"}, "kind": {"const": "Job"},
                      "metadata": {"type": "object", "required": ["name"]},
                      "spec": {"type": "object", "required": ["template"],
                               "properties": {"template": {"type": "object", "required": ["spec"],
                                                           "properties": {"spec": POD_SPEC}}}}}}
INDEXED = {"properties": {"spec": {"required": ["completionMode", "completions", "parallelism"],
                                   "properties": {"completionMode": {"const": "Indexed"},
                                                  "completions": {"type": "integer", "minimum": 1}}}}}
WORKFLOW = {"type": "object", "required": ["name", "jobs"],
            "properties": {"jobs": {"type": "object", "minProperties": 1,
                                    "additionalProperties": {"type": "object", "required": ["runs-on", "steps"],
                                                             "properties": {"steps": {"type": "array", "minItems": 1}}}}}}


def fail(msg):
    print(f"recipes: {msg}")
    sys.exit(1)


def check_k8s(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    jobs = [d for d in docs if d.get("kind") == "Job"]
    if len(jobs) != 2:
        fail(f"{path}: {len(jobs)} Jobs; the recipe has the shard Job and the merge Job")
    for j in jobs:
        jsonschema.validate(j, JOB)
    indexed = [j for j in jobs if j["spec"].get("completionMode") == "Indexed"]
    if len(indexed) != 1:
        fail(f"{path}: no Indexed Job")
    shard = indexed[0]
    jsonschema.validate(shard, INDEXED)
    c = shard["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    script = " ".join(c["args"])
    if env.get("SHARDS") != str(shard["spec"]["completions"]):
        fail(f"{path}: SHARDS={env.get('SHARDS')} but completions={shard['spec']['completions']}")
    if '--shard "$JOB_COMPLETION_INDEX/$SHARDS"' not in script:
        fail(f"{path}: the shard Job does not run --shard $JOB_COMPLETION_INDEX/$SHARDS")
    merge = [j for j in jobs if j is not shard][0]
    if "hasim merge" not in " ".join(merge["spec"]["template"]["spec"]["containers"][0]["args"]):
        fail(f"{path}: the second Job does not run hasim merge")
    return len(docs)


def check_actions(path):
    wf = yaml.safe_load(open(path))
    jsonschema.validate(wf, WORKFLOW)
    shard_jobs = [(n, j) for n, j in wf["jobs"].items() if "matrix" in j.get("strategy", {})]
    if not shard_jobs:
        fail(f"{path}: no matrix job")
    name, job = shard_jobs[0]
    shards = job["strategy"]["matrix"].get("shard")
    if shards != list(range(len(shards or []))) or str(len(shards)) != str(wf.get("env", {}).get("SHARDS")):
        fail(f"{path}: matrix.shard {shards} is not 0..SHARDS-1 (SHARDS={wf.get('env', {}).get('SHARDS')})")
    runs = " ".join(s.get("run", "") for s in job["steps"])
    if "--shard ${{ matrix.shard }}/$SHARDS" not in runs.replace('"', ""):
        fail(f"{path}: the matrix job does not run --shard matrix.shard/SHARDS")
    needs = [n for n, j in wf["jobs"].items()
             if name == j.get("needs") or name in (j.get("needs") if isinstance(j.get("needs"), list) else [])]
    if not any("hasim merge" in " ".join(s.get("run", "") for s in wf["jobs"][n]["steps"]) for n in needs):
        fail(f"{path}: no job after the matrix runs hasim merge")
    return len(shards)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    k8s, actions = sys.argv[1:]
    if shutil.which("yamllint"):
        r = subprocess.run(["yamllint", "-d", "{extends: relaxed, rules: {line-length: disable}}", k8s, actions],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("yamllint:\n" + r.stdout + r.stderr)
        lint = "yamllint (relaxed)"
    else:
        lint = "no yamllint"
    try:
        ndocs = check_k8s(k8s)
        nshards = check_actions(actions)
    except jsonschema.ValidationError as e:
        fail(f"schema: {e.message} at {list(e.absolute_path)}")
    kube = "kubectl dry-run skipped: no API server to map kinds"
    if shutil.which("kubectl"):
        r = subprocess.run(["kubectl", "create", "--dry-run=client", "-o", "name", "-f", k8s],
                           capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            kube = "kubectl create --dry-run=client: " + " ".join(r.stdout.split())
        elif "connection refused" not in r.stderr and "unable to recognize" not in r.stderr:
            fail("kubectl create --dry-run=client:\n" + r.stderr)
    print(f"recipes: k8s Indexed Job ({ndocs} documents) and Actions matrix ({nshards} shards) parse and "
          f"fit the schema; {lint}; {kube}")


main()
