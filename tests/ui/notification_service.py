"""A stand-in desktop notification service for the tests: owns ``org.freedesktop.Notifications``
on the session bus, answers ``Notify`` as a real one does (a new id, or the one replaced) and
appends each call to a file as a JSON line: its signature and arguments.

    python -m tests.ui.notification_service RECORD_FILE

Prints "ready" once it owns the name; exits 3 at once if another service owns it (the user's
own desktop's, outside the private session ``dev.py test`` starts)."""

from __future__ import annotations

import json
import sys

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"
DO_NOT_QUEUE, PRIMARY_OWNER = 4, 1


def main(record: str) -> int:
    with open_dbus_connection("SESSION") as bus:
        owner = bus.send_and_get_reply(message_bus.RequestName(NAME, DO_NOT_QUEUE), timeout=10)
        if owner.body != (PRIMARY_OWNER,):
            print("taken", flush=True)
            return 3
        print("ready", flush=True)
        last = 0
        while True:
            call = bus.receive()
            if call.header.message_type != MessageType.method_call:
                continue
            member = call.header.fields.get(HeaderFields.member)
            signature = call.header.fields.get(HeaderFields.signature, "")
            with open(record, "a", encoding="utf-8") as out:
                out.write(json.dumps({"member": member, "signature": signature,
                                      "args": call.body}) + "\n")  # fmt: skip
            if member == "Notify":
                replaces = call.body[1]
                last = replaces or last + 1
                bus.send(new_method_return(call, "u", (last,)))
            elif member == "GetCapabilities":
                bus.send(new_method_return(call, "as", (["body"],)))
            else:
                bus.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
