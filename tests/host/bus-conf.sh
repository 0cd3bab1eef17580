# shellcheck shell=bash
# The one private-bus configuration of the host tests, sourced by bus-lib.sh and daemon-lib.sh.

# write_bus_conf FILE TYPE SOCKET: a config for a dbus-daemon of TYPE (system or session) listening on
# SOCKET whose policy lets everybody do everything, eavesdropping included (dbus-monitor): the tests
# decide who calls, and cgsupd's own polkit checks are what they test.
write_bus_conf() {
        cat >"$1" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$2</type>
  <listen>unix:path=$3</listen>
  <auth>EXTERNAL</auth>
  <limit name="max_message_size">33554432</limit>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
}
