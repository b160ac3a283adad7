#!/usr/bin/env python3
"""Write a synthetic rbgen spec: N runbooks x M steps across E environments.

    benches/gen-spec.py OUT_DIR N M E

Each runbook mixes probes, changes, a gated promotion and variables from the
environment, parameters and earlier steps, so the generator and the lint rules
do the work they do on a real spec.
"""
import os
import sys

out, n, m, e = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for d in ("environments", "checklists", "runbooks"):
    os.makedirs(os.path.join(out, d), exist_ok=True)

with open(os.path.join(out, "rbgen.toml"), "w") as f:
    f.write('[project]\nname = "Synthetic"\nversion = "1.0.0"\nowner = "dba"\n\n'
            '[promotion]\nrequired_checks = ["pre-promotion.old-primary-down", "pre-promotion.approved"]\n')
with open(os.path.join(out, "checklists/pre-promotion.toml"), "w") as f:
    f.write('id = "pre-promotion"\ntitle = "Pre-promotion"\n\n[[items]]\nid = "old-primary-down"\n'
            'text = "Old primary is down"\n\n[[items]]\nid = "approved"\ntext = "Promotion approved"\n')
for k in range(e):
    with open(os.path.join(out, f"environments/env-{k}.toml"), "w") as f:
        f.write(f'id = "env-{k}"\ntitle = "Environment {k}"\n\n[tools]\npatroni = "4.1.5"\npostgresql = "17"\n\n'
                f'[vars]\nPATRONI_CONF = "/etc/patroni/env-{k}.yml"\nCLUSTER = "pg-{k}"\n\n'
                '[groups.dc1]\nvar = "DC1_NODES"\n\n')
        for h in range(3):
            f.write(f'[[nodes]]\nname = "n{h}"\nhost = "10.{k}.0.{h + 10}"\ngroups = ["dc1"]\n\n')
        f.write("[functions.node_service]\ndescription = \"systemctl on a node\"\nbody = '''\n"
                "ssh -o BatchMode=yes \"$1\" \"systemctl $2 $3\"\n'''\n")
for r in range(n):
    with open(os.path.join(out, f"runbooks/rb-{r:04d}.toml"), "w") as f:
        f.write(f'id = "rb-{r:04d}"\ntitle = "Runbook {r}"\nversion = "1.0.0"\nlast_reviewed = 2026-11-01\n'
                'owner = "dba"\ntrigger = "t"\nrto = "5 min"\nrpo = "0"\n\n'
                '[[params]]\nname = "TARGET"\ndescription = "Node to act on"\n\n')
        for s in range(m):
            if s == m - 1:
                kind, run, extra = "promotion", 'patronictl -c "$PATRONI_CONF" failover "$CLUSTER" --candidate "$TARGET" --force', 'gate = "pre-promotion"\n'
            elif s % 3 == 0:
                kind, run, extra = "probe", f'LEADER_{s}=$(patronictl -c "$PATRONI_CONF" list "$CLUSTER" | grep Leader || true)\necho "leader: $LEADER_{s}"\nfor NODE in $DC1_NODES; do\n  echo "node $NODE"\ndone', f'sets = ["LEADER_{s}"]\n'
            elif s % 3 == 1:
                kind, run, extra = "change", f'node_service "$TARGET" restart patroni\necho "after step {s}: $LEADER_{s - 1}"', ""
            else:
                kind, run, extra = "wait", 'for _ in 1 2 3; do\n  patronictl -c "$PATRONI_CONF" list "$CLUSTER" && break\n  sleep 1\ndone', 'timeout = "1m"\n'
            f.write(f'[[steps]]\nid = "s{s:02d}"\ntitle = "Step {s}"\nkind = "{kind}"\n{extra}'
                    f"run = '''\n{run}\n'''\n\n")
