# shellcheck shell=bash disable=SC2034
# Shared definitions for the rbgen loopback lab (lab/up, lab/down, lab/status,
# lab/labctl). Sourced, never executed. See lab/README.md and
# docs/lab-contract.md. Everything here binds 127.0.0.0/8 addresses only.

LAB_ROOT=/tmp/rbgen-lab
LAB_VENV=$LAB_ROOT/venv
LAB_BIN=$LAB_ROOT/bin
LAB_RUN=$LAB_ROOT/run
LAB_LOG=$LAB_ROOT/log
LAB_ETCD_DIR=$LAB_ROOT/etcd
PG_BIN=/usr/lib/postgresql/15/bin
LAB_USER=postgres

ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380
ETCD_HOSTS="127.0.1.10 127.0.2.10 127.0.3.10"
ETCD_ENDPOINTS="http://127.0.1.10:12379,http://127.0.2.10:12379,http://127.0.3.10:12379"
ETCD_INITIAL_CLUSTER="etcd-seoul=http://127.0.1.10:12380,etcd-busan=http://127.0.2.10:12380,etcd-singapore=http://127.0.3.10:12380"
PATRONI_ETCD_HOSTS="127.0.1.10:12379,127.0.2.10:12379,127.0.3.10:12379"

SEOUL_HOSTS="127.0.1.10 127.0.1.11 127.0.1.12"
BUSAN_HOSTS="127.0.2.10 127.0.2.11"
PG_HOSTS="$SEOUL_HOSTS $BUSAN_HOSTS"
DC1_ENDPOINT="127.0.1.10,127.0.1.11,127.0.1.12"
DC2_ENDPOINT="127.0.2.10,127.0.2.11"

SEOUL_CLUSTER=pg-seoul-cluster
BUSAN_CLUSTER=pg-busan-standby
# Permanent physical slot kept on the seoul cluster for the busan standby leader.
BUSAN_SLOT=pg_busan_standby

# Patroni timings that work with Patroni 4.1 (ttl >= 20, loop_wait + 2*retry_timeout <= ttl).
PATRONI_TTL=20
PATRONI_LOOP_WAIT=2
PATRONI_RETRY_TIMEOUT=5

lab_log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

lab_require_root() {
    [ "$(id -u)" -eq 0 ] || lab_die "must run as root (services are started as user $LAB_USER via setpriv)"
}

# ---------------------------------------------------------------- topology --

# Accept an address or a member/etcd name; print the address.
lab_resolve_host() {
    case "$1" in
        pg-seoul-1|etcd-seoul) echo 127.0.1.10 ;;
        pg-seoul-2) echo 127.0.1.11 ;;
        pg-seoul-3) echo 127.0.1.12 ;;
        pg-busan-1|etcd-busan) echo 127.0.2.10 ;;
        pg-busan-2) echo 127.0.2.11 ;;
        etcd-singapore) echo 127.0.3.10 ;;
        *) echo "$1" ;;
    esac
}

# lab_member HOST: sets M_NAME M_DC M_CLUSTER M_DIR M_DATA M_CONF; returns 1 if HOST runs no PostgreSQL member.
lab_member() {
    case "$1" in
        127.0.1.10) M_NAME=pg-seoul-1 ;;
        127.0.1.11) M_NAME=pg-seoul-2 ;;
        127.0.1.12) M_NAME=pg-seoul-3 ;;
        127.0.2.10) M_NAME=pg-busan-1 ;;
        127.0.2.11) M_NAME=pg-busan-2 ;;
        *) return 1 ;;
    esac
    case "$M_NAME" in
        pg-seoul-*) M_DC=seoul; M_CLUSTER=$SEOUL_CLUSTER ;;
        *) M_DC=busan; M_CLUSTER=$BUSAN_CLUSTER ;;
    esac
    M_DIR=$LAB_ROOT/$M_DC/$M_NAME
    M_DATA=$M_DIR/data
    M_CONF=$M_DIR/patroni.yml
    return 0
}

# lab_etcd HOST: sets E_NAME E_DIR E_DATA; returns 1 if HOST runs no etcd member.
lab_etcd() {
    case "$1" in
        127.0.1.10) E_NAME=etcd-seoul ;;
        127.0.2.10) E_NAME=etcd-busan ;;
        127.0.3.10) E_NAME=etcd-singapore ;;
        *) return 1 ;;
    esac
    E_DIR=$LAB_ETCD_DIR/$E_NAME
    E_DATA=$E_DIR/data
    return 0
}

lab_pidfile() { echo "$LAB_RUN/$1-$2.pid"; }   # HOST SERVICE

# ---------------------------------------------------------------- processes --

# lab_pid_matches PID PATTERN: the process exists and its command line contains PATTERN
# (guards against killing a recycled PID).
lab_pid_matches() {
    local pid=$1 pat=$2 cmd
    [ -n "$pid" ] && [ "$pid" -gt 1 ] 2>/dev/null || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    # a zombie has an empty cmdline: treat it as gone
    [ -n "$cmd" ] || return 1
    case "$cmd" in *"$pat"*) return 0 ;; esac
    return 1
}

lab_read_pidfile() { [ -s "$1" ] && head -n1 "$1" | tr -dc '0-9'; }

# Pattern that identifies each service's process for HOST.
lab_pattern() {   # HOST SERVICE
    case "$2" in
        patroni) lab_member "$1" && echo "$M_CONF" ;;
        postgresql) lab_member "$1" && echo "$M_DATA" ;;
        etcd) lab_etcd "$1" && echo "$E_DATA" ;;
    esac
}

# Print the live PID of HOST SERVICE (patroni/etcd from the run dir, postgresql
# from postmaster.pid); return 1 if not running.
lab_live_pid() {
    local host=$1 svc=$2 pid pat
    pat=$(lab_pattern "$host" "$svc") || return 1
    [ -n "$pat" ] || return 1
    if [ "$svc" = postgresql ]; then
        pid=$(lab_read_pidfile "$M_DATA/postmaster.pid" 2>/dev/null) || return 1
    else
        pid=$(lab_read_pidfile "$(lab_pidfile "$host" "$svc")" 2>/dev/null) || return 1
    fi
    lab_pid_matches "$pid" "$pat" || return 1
    echo "$pid"
}

# Wait (bounded) for PID to exit. lab_wait_gone PID PATTERN SECONDS
lab_wait_gone() {
    local pid=$1 pat=$2 secs=$3 i=0
    while lab_pid_matches "$pid" "$pat"; do
        [ "$i" -ge $((secs * 5)) ] && return 1
        sleep 0.2; i=$((i + 1))
    done
    return 0
}

# Run a command synchronously as the lab user with a clean environment.
# Services start in the lab root, which the lab user can enter: started in
# the caller's directory (a checkout under /root, mode 700), PostgreSQL
# fails with "could not change directory" and Patroni's bootstrap with a
# PermissionError.
lab_as_user() {
    env -i -C "$LAB_ROOT" PATH="$PG_BIN:$LAB_VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        HOME="${LAB_HOME:-$LAB_ROOT}" \
        setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups -- "$@"
}

# Start a long-running command as the lab user in its own session; print its PID.
# setsid/env/setpriv all exec, so $! is the service's own PID.
lab_spawn() {   # LOGFILE CMD...
    local log=$1; shift
    setsid env -i -C "$LAB_ROOT" PATH="$PG_BIN:$LAB_VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        HOME="${LAB_HOME:-$LAB_ROOT}" \
        setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups -- "$@" \
        </dev/null >>"$log" 2>&1 &
    echo $!
}

# Terminate a recorded process: SIGTERM, wait, then SIGKILL. lab_terminate PID PATTERN SECONDS
lab_terminate() {
    local pid=$1 pat=$2 secs=$3
    lab_pid_matches "$pid" "$pat" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! lab_wait_gone "$pid" "$pat" "$secs"; then
        lab_log "pid $pid did not exit after ${secs}s of SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        lab_wait_gone "$pid" "$pat" 5 || return 1
    fi
    return 0
}

lab_prepare_dirs() {
    umask 022
    mkdir -p "$LAB_ROOT" "$LAB_BIN" "$LAB_RUN" "$LAB_LOG" "$LAB_ETCD_DIR" "$LAB_ROOT/seoul" "$LAB_ROOT/busan"
    chmod 755 "$LAB_ROOT" "$LAB_BIN" "$LAB_RUN" "$LAB_LOG" "$LAB_ETCD_DIR" "$LAB_ROOT/seoul" "$LAB_ROOT/busan"
    # pg_ctl -l (labctl service HOST start postgresql) writes here as the lab user
    chown "$LAB_USER:" "$LAB_LOG"
}

# ---------------------------------------------------------------- etcd --

lab_etcdctl() {   # etcdctl against the whole cluster (or ENDPOINTS=... override)
    ETCDCTL_API=3 etcdctl --endpoints="${ENDPOINTS:-$ETCD_ENDPOINTS}" --dial-timeout=1s --command-timeout=3s "$@"
}

# Number of healthy etcd endpoints among those given (default: all three).
lab_etcd_healthy_count() {
    local eps=${1:-$ETCD_ENDPOINTS}
    ENDPOINTS=$eps lab_etcdctl endpoint health 2>&1 | grep -c 'is healthy' || true
}

# Peer URL -> member name (fixed lab topology).
lab_etcd_name_of_peer() {
    case "$1" in
        http://127.0.1.10:12380) echo etcd-seoul ;;
        http://127.0.2.10:12380) echo etcd-busan ;;
        http://127.0.3.10:12380) echo etcd-singapore ;;
    esac
}

# Start the etcd member on HOST (idempotent). lab_start_etcd HOST [new]
# With "new" (lab/up on a lab with no etcd data at all) the three members
# bootstrap together. Otherwise a member whose data dir is empty looks at the
# other members: if they have quorum it rejoins the running cluster (a member
# that had run before is removed and re-added: labctl wipe-etcd), and if they
# do not it bootstraps a new cluster with them (every member wiped, runbook D).
lab_start_etcd() {
    local host=$1 mode=${2:-} pid pf state=new others="" h id line status peer initial tries
    lab_etcd "$host" || { echo "no etcd member on $host" >&2; return 2; }
    pf=$(lab_pidfile "$host" etcd)
    if pid=$(lab_live_pid "$host" etcd); then
        lab_log "etcd $E_NAME ($host) already running, pid $pid"
        return 0
    fi
    lab_prepare_dirs
    mkdir -p "$E_DIR"
    chown "$LAB_USER:" "$E_DIR"; chmod 700 "$E_DIR"
    initial=$ETCD_INITIAL_CLUSTER
    if [ ! -d "$E_DATA/member" ] && [ "$mode" != new ]; then
        for h in $ETCD_HOSTS; do
            [ "$h" = "$host" ] || others="${others:+$others,}http://$h:$ETCD_CLIENT_PORT"
        done
        local members
        if [ "$(lab_etcd_healthy_count "$others")" -ge 1 ] &&
            members=$(ENDPOINTS=$others lab_etcdctl member list 2>/dev/null) && [ -n "$members" ]; then
            # "ID, STATUS, NAME, PEER URLS, CLIENT URLS, IS LEARNER"
            line=$(awk -F', ' -v u="http://$host:$ETCD_PEER_PORT" '$4==u' <<<"$members" | head -n1)
            id=${line%%,*}
            status=$(awk -F', ' '{print $3 "|" $5}' <<<"$line")
            if [ -n "$line" ] && [ "${status#*|}" != "" ]; then
                # it had run (it published its client URL): its old identity must go
                lab_log "etcd: $E_NAME has an empty data dir: removing member $id, then adding it back"
                tries=0
                until ENDPOINTS=$others lab_etcdctl member remove "$id" >/dev/null 2>&1; do
                    # etcd refuses while its peers have been connected for less than 5 s
                    tries=$((tries + 1))
                    [ "$tries" -lt 20 ] || { lab_log "etcd: member remove $id keeps failing"; return 1; }
                    sleep 1
                done
                line=""
            fi
            if [ -n "$line" ] && [ "${status%|*}" != "" ]; then
                # named but never started: a member of the initial cluster (all
                # members were wiped and the others re-bootstrapped it): bootstrap with them
                state=new
            else
                if [ -z "$line" ]; then
                    tries=0
                    until ENDPOINTS=$others lab_etcdctl member add "$E_NAME" --peer-urls="http://$host:$ETCD_PEER_PORT" >/dev/null 2>&1; do
                        tries=$((tries + 1))
                        [ "$tries" -lt 20 ] || { lab_log "etcd: member add $E_NAME keeps failing"; return 1; }
                        sleep 1
                    done
                    lab_log "etcd: added member $E_NAME to the running cluster"
                    members=$(ENDPOINTS=$others lab_etcdctl member list 2>/dev/null) || return 1
                fi
                initial=""
                while read -r peer; do
                    initial="${initial:+$initial,}$(lab_etcd_name_of_peer "$peer")=$peer"
                done < <(awk -F', ' '{print $4}' <<<"$members")
                state=existing
            fi
        fi
        rm -rf "$E_DATA"
    fi
    # --initial-cluster* only matter when the data dir is empty
    local how="cluster state $state"
    [ -d "$E_DATA/member" ] && how="existing data dir"
    pid=$(LAB_HOME=$E_DIR lab_spawn "$LAB_LOG/etcd-$E_NAME.log" /usr/bin/etcd \
        --name "$E_NAME" --data-dir "$E_DATA" \
        --listen-client-urls "http://$host:$ETCD_CLIENT_PORT" --advertise-client-urls "http://$host:$ETCD_CLIENT_PORT" \
        --listen-peer-urls "http://$host:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$host:$ETCD_PEER_PORT" \
        --initial-cluster "$initial" --initial-cluster-state "$state" --initial-cluster-token rbgen-lab \
        --heartbeat-interval 100 --election-timeout 1000 --logger zap --log-outputs stderr)
    echo "$pid" >"$pf"
    sleep 0.3
    if ! lab_pid_matches "$pid" "$E_DATA"; then
        rm -f "$pf"
        lab_log "etcd $E_NAME failed to start; log tail:"
        tail -n 20 "$LAB_LOG/etcd-$E_NAME.log" >&2
        return 1
    fi
    lab_log "started etcd $E_NAME on $host:$ETCD_CLIENT_PORT ($how), pid $pid"
}

lab_stop_etcd() {
    local host=$1 pid pf
    lab_etcd "$host" || { echo "no etcd member on $host" >&2; return 2; }
    pf=$(lab_pidfile "$host" etcd)
    if pid=$(lab_live_pid "$host" etcd); then
        lab_terminate "$pid" "$E_DATA" 20 || return 1
        lab_log "stopped etcd $E_NAME ($host), pid $pid"
    fi
    rm -f "$pf"
}

# ---------------------------------------------------------------- patroni --

# Write HOST's patroni.yml. STANDBY_HOST (busan only) is where the standby
# leader replicates from; it matters only when the busan cluster bootstraps.
lab_write_patroni_conf() {
    local host=$1 standby_host=${2:-127.0.1.10} dcs_extra
    lab_member "$host" || return 2
    mkdir -p "$M_DIR"
    chown "$LAB_USER:" "$M_DIR"; chmod 755 "$M_DIR"
    if [ "$M_DC" = seoul ]; then
        dcs_extra="    slots:
      $BUSAN_SLOT:
        type: physical"
    else
        dcs_extra="    standby_cluster:
      host: $standby_host
      port: 5432
      primary_slot_name: $BUSAN_SLOT
      create_replica_methods:
        - basebackup"
    fi
    cat >"$M_CONF.tmp" <<EOF
# generated by rbgen lab/up — lab only (trust auth on loopback)
scope: $M_CLUSTER
namespace: /db
name: $M_NAME

log:
  level: INFO

restapi:
  listen: $host:8008
  connect_address: $host:8008

etcd3:
  hosts: $PATRONI_ETCD_HOSTS
  protocol: http

bootstrap:
  dcs:
    ttl: $PATRONI_TTL
    loop_wait: $PATRONI_LOOP_WAIT
    retry_timeout: $PATRONI_RETRY_TIMEOUT
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 100
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
$dcs_extra
  initdb:
    - encoding: UTF8
    - data-checksums

postgresql:
  listen: $host:5432
  connect_address: $host:5432
  # Patroni talks to its own PostgreSQL over the unix socket: Runbook E
  # blocks TCP 5432 on every node, and over TCP Patroni's HA loop would
  # stall on that block (seen in drill-e-split-brain: the DC2 leader's
  # Patroni hung and demote-cluster waited forever).
  use_unix_socket: true
  data_dir: $M_DATA
  bin_dir: $PG_BIN
  pgpass: $M_DIR/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
  parameters:
    unix_socket_directories: $M_DIR
    shared_buffers: 32MB
  pg_hba:
    - local all all trust
    - host all all 127.0.0.0/8 trust
    - host replication all 127.0.0.0/8 trust
  create_replica_methods:
    - basebackup
  basebackup:
    - checkpoint: fast

watchdog:
  mode: "off"

tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
    chmod 644 "$M_CONF.tmp"
    mv -f "$M_CONF.tmp" "$M_CONF"
}

lab_write_patronictl_conf() {   # DC
    local dc=$1 scope
    case "$dc" in seoul) scope=$SEOUL_CLUSTER ;; busan) scope=$BUSAN_CLUSTER ;; *) return 2 ;; esac
    mkdir -p "$LAB_ROOT/$dc"
    cat >"$LAB_ROOT/$dc/patronictl.yml.tmp" <<EOF
# patronictl settings (DCS only) for $scope — generated by rbgen lab/up
scope: $scope
namespace: /db
etcd3:
  hosts: $PATRONI_ETCD_HOSTS
  protocol: http
EOF
    chmod 644 "$LAB_ROOT/$dc/patronictl.yml.tmp"
    mv -f "$LAB_ROOT/$dc/patronictl.yml.tmp" "$LAB_ROOT/$dc/patronictl.yml"
}

lab_start_patroni() {
    local host=$1 pid pf
    lab_member "$host" || { echo "no PostgreSQL member on $host" >&2; return 2; }
    pf=$(lab_pidfile "$host" patroni)
    if pid=$(lab_live_pid "$host" patroni); then
        lab_log "patroni $M_NAME ($host) already running, pid $pid"
        return 0
    fi
    lab_prepare_dirs
    [ -f "$M_CONF" ] || lab_write_patroni_conf "$host"
    pid=$(LAB_HOME=$M_DIR lab_spawn "$LAB_LOG/patroni-$M_NAME.log" "$LAB_VENV/bin/patroni" "$M_CONF")
    echo "$pid" >"$pf"
    sleep 0.3
    if ! lab_pid_matches "$pid" "$M_CONF"; then
        rm -f "$pf"
        lab_log "patroni $M_NAME failed to start; log tail:"
        tail -n 20 "$LAB_LOG/patroni-$M_NAME.log" >&2
        return 1
    fi
    lab_log "started patroni $M_NAME ($host), pid $pid"
}

# SIGTERM the member's patroni and wait (Patroni stops its PostgreSQL on the way out).
lab_stop_patroni() {
    local host=$1 secs=${2:-60} pid pf
    lab_member "$host" || { echo "no PostgreSQL member on $host" >&2; return 2; }
    pf=$(lab_pidfile "$host" patroni)
    if pid=$(lab_live_pid "$host" patroni); then
        lab_terminate "$pid" "$M_CONF" "$secs" || return 1
        lab_log "stopped patroni $M_NAME ($host), pid $pid"
    fi
    rm -f "$pf"
}

# Stop a PostgreSQL that outlived its Patroni (pg_ctl stop -m fast, then SIGKILL by postmaster.pid).
lab_stop_orphan_postgres() {
    local host=$1 pid
    lab_member "$host" || return 2
    pid=$(lab_live_pid "$host" postgresql) || return 0
    lab_as_user "$PG_BIN/pg_ctl" stop -D "$M_DATA" -m fast -w -t 20 >/dev/null 2>&1 || true
    if lab_pid_matches "$pid" "$M_DATA"; then
        kill -KILL "$pid" 2>/dev/null || true
        lab_wait_gone "$pid" "$M_DATA" 5 || return 1
    fi
    lab_log "stopped postgres of $M_NAME ($host), pid $pid"
}

# ---------------------------------------------------------------- cluster state --

lab_patronictl() {   # DC ARGS...
    local dc=$1; shift
    "$LAB_VENV/bin/patronictl" -c "$LAB_ROOT/$dc/patronictl.yml" "$@"
}

# Print "ok <summary>" or "bad <summary>" for a cluster, judged from patronictl list -f json.
# seoul wants 1 Leader running + 2 Replica streaming; busan 1 Standby Leader + 1 Replica streaming.
lab_cluster_verdict() {   # DC
    local dc=$1 json
    json=$(timeout 20 "$LAB_VENV/bin/patronictl" -c "$LAB_ROOT/$dc/patronictl.yml" list -f json 2>/dev/null) || json='[]'
    LAB_DC=$dc /usr/bin/python3 -c '
import json, os, sys
dc = os.environ["LAB_DC"]
try:
    members = json.loads(sys.stdin.read() or "[]")
except ValueError:
    members = []
import urllib.request
def alive(m):
    # the DCS keeps the last state of a dead member until its key expires (ttl):
    # ask the REST API of each member too
    host = m.get("Host", "").split(":")[0]
    try:
        with urllib.request.urlopen("http://%s:8008/health" % host, timeout=1) as r:
            return r.status == 200
    except Exception:
        return False
for m in members:
    if not alive(m):
        m["State"] = "no-REST-answer"
def count(role, states):
    return sum(1 for m in members if m.get("Role") == role and m.get("State") in states)
summary = ", ".join("%s=%s/%s" % (m.get("Member"), m.get("Role"), m.get("State")) for m in members) or "no members"
if dc == "seoul":
    ok = count("Leader", ("running",)) == 1 and count("Replica", ("streaming",)) == 2 and len(members) == 3
else:
    ok = count("Standby Leader", ("streaming", "running")) == 1 and count("Replica", ("streaming",)) == 1 and len(members) == 2
print(("ok " if ok else "bad ") + summary)
' <<<"$json"
}

# Host of the current leader (or standby leader) of a cluster, from patronictl.
lab_leader_host() {   # DC
    local json
    json=$(timeout 20 "$LAB_VENV/bin/patronictl" -c "$LAB_ROOT/$1/patronictl.yml" list -f json 2>/dev/null) || return 1
    /usr/bin/python3 -c '
import json, sys
for m in json.loads(sys.stdin.read() or "[]"):
    if m.get("Role") in ("Leader", "Standby Leader"):
        print(m.get("Host", "").split(":")[0]); break
' <<<"$json"
}

lab_prereqs_ok() {
    [ -x /usr/bin/etcd ] && command -v etcdctl >/dev/null 2>&1 && [ -x "$LAB_VENV/bin/patroni" ] &&
        [ -x "$LAB_VENV/bin/patronictl" ] && [ -x "$PG_BIN/postgres" ] && id "$LAB_USER" >/dev/null 2>&1 &&
        command -v setpriv >/dev/null 2>&1 &&
        lab_as_user "$LAB_VENV/bin/python" -c 'import patroni, psycopg2, etcd' >/dev/null 2>&1
}
