#!/usr/bin/env bash
# A real keystone on 127.0.0.1:5000 (SQLite, fernet tokens), this server under it on
# 127.0.0.1:8891 with a notifier (and zaqar as the [trustee] of trust+ subscribers), and the
# OpenStack client, for tools/keystone_flow.py. Not part of make
# test: it installs keystone and python-openstackclient (a few minutes, once).
#
#   tools/keystone_local.sh            # set up (once) and start both servers
#   tools/keystone_local.sh stop
#
# Env: KS_HOME (default $HOME/.cache/zaqar-keystone). Users: admin/adminpw (admin project),
# zaqar/zaqarpw (service project, admin: the server's auth_token user), heat/heatpw (member of
# heat-proj). The messaging endpoint in the catalogue is http://127.0.0.1:8891.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
KS_HOME=${KS_HOME:-$HOME/.cache/zaqar-keystone}
PY=${PYTHON:-python3}
mkdir -p "$KS_HOME"
cd "$KS_HOME"

stop() {
  for name in keystone zaqar notifier; do
    if [ -f "$name.pid" ]; then kill "$(cat "$name.pid")" 2>/dev/null || true; rm -f "$name.pid"; fi
  done
}
if [ "${1:-}" = stop ]; then stop; exit 0; fi
stop

if [ ! -x venv/bin/keystone-manage ]; then
  "$PY" -m venv venv
  venv/bin/pip install -q keystone gunicorn
fi
if [ ! -d osc/openstackclient ]; then
  # The OpenStack client runs on this checkout's venv, beside python-zaqarclient 4.x.
  "$HERE/.venv/bin/python" -m pip install -q --no-deps --target osc \
    python-openstackclient python-keystoneclient python-manilaclient
fi
cat > openstack <<EOF
#!/usr/bin/env bash
PYTHONPATH=$KS_HOME/osc:$HERE/.venv/zaqarclient-current exec $HERE/.venv/bin/python -m openstackclient.shell "\$@"
EOF
chmod +x openstack

cat > keystone.conf <<EOF
[DEFAULT]
log_file = $KS_HOME/keystone.log
[database]
connection = sqlite:///$KS_HOME/keystone.sqlite
[token]
provider = fernet
[fernet_tokens]
key_repository = $KS_HOME/fernet
[credential]
key_repository = $KS_HOME/credential
EOF
# keystone reads sys.argv with oslo.config: gunicorn's arguments must not reach it.
cat > ks_wsgi.py <<'EOF'
import sys

sys.argv = sys.argv[:1]
from keystone.server.wsgi import initialize_public_application  # noqa: E402

application = initialize_public_application()
EOF

fresh=0
if [ ! -f keystone.sqlite ]; then
  fresh=1
  mkdir -p fernet credential
  K="venv/bin/keystone-manage --config-file keystone.conf"
  $K db_sync
  $K fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  $K credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  $K bootstrap --bootstrap-password adminpw --bootstrap-region-id RegionOne \
    --bootstrap-admin-url http://127.0.0.1:5000/v3/ \
    --bootstrap-public-url http://127.0.0.1:5000/v3/ \
    --bootstrap-internal-url http://127.0.0.1:5000/v3/
fi 2>>setup.log

OS_KEYSTONE_CONFIG_FILES=$KS_HOME/keystone.conf setsid nohup venv/bin/gunicorn --chdir "$KS_HOME" \
  -b 127.0.0.1:5000 -w 2 ks_wsgi:application >gunicorn.log 2>&1 </dev/null &
echo $! > keystone.pid
for _ in $(seq 60); do curl -sf http://127.0.0.1:5000/v3 >/dev/null && break; sleep 0.5; done

if [ "$fresh" = 1 ]; then
  export OS_AUTH_URL=http://127.0.0.1:5000/v3 OS_USERNAME=admin OS_PASSWORD=adminpw \
    OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
    OS_IDENTITY_API_VERSION=3
  O=./openstack
  $O project create service >/dev/null
  $O project create heat-proj >/dev/null
  $O user create zaqar --password zaqarpw >/dev/null
  $O user create heat --password heatpw >/dev/null
  $O role add --project service --user zaqar admin
  $O role add --project heat-proj --user heat member
  $O service create --name zaqar messaging >/dev/null
  $O endpoint create --region RegionOne messaging public http://127.0.0.1:8891 >/dev/null
fi

cat > zaqar.conf <<EOF
[DEFAULT]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000/v3
auth_url = http://127.0.0.1:5000/v3
auth_type = password
username = zaqar
password = zaqarpw
project_name = service
user_domain_name = Default
project_domain_name = Default
[drivers:message_store:sqlalchemy]
uri = sqlite:///$KS_HOME/zaqar.sqlite
[drivers:management_store:sqlalchemy]
uri = sqlite:///$KS_HOME/zaqar.sqlite
[signed_url]
secret_key = keystone-flow-secret
[trustee]
auth_type = password
auth_url = http://127.0.0.1:5000/v3
username = zaqar
password = zaqarpw
user_domain_name = Default
[notification]
poll_interval = 0.5
checkpoint_interval = 0.5
EOF
setsid nohup "$HERE/.venv/bin/zaqar-server" --port 8891 --workers 2 --config-file zaqar.conf \
  >zaqar.log 2>&1 </dev/null &
echo $! > zaqar.pid
for _ in $(seq 60); do curl -s -o /dev/null http://127.0.0.1:8891/ && break; sleep 0.5; done
# Delivers the subscriptions' messages, trust+ ones with a token of their trust.
setsid nohup "$HERE/.venv/bin/zaqar-notifier" --config-file zaqar.conf \
  >notifier.log 2>&1 </dev/null &
echo $! > notifier.pid
echo "keystone at http://127.0.0.1:5000/v3, zaqar under it at http://127.0.0.1:8891"
echo "then: .venv/bin/python -m tools.keystone_flow --openstack $KS_HOME/openstack"
